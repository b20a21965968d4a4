package submitguard_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/submitguard"
)

func TestForgetsAfterTTL(t *testing.T) {
	now := time.Now()
	o := submitguard.New(time.Minute, 100, func() time.Time { return now })
	ctx := context.Background()
	calls := 0
	run := func(context.Context) (any, error) { calls++; return calls, nil }
	if _, _, dup := o.Do(ctx, "k", run); dup {
		t.Fatal("first call reported as a repeat")
	}
	if v, _, dup := o.Do(ctx, "k", run); !dup || v != 1 || calls != 1 {
		t.Errorf("repeat: value %v, dup %v, %d calls", v, dup, calls)
	}
	now = now.Add(2 * time.Minute)
	o.Do(ctx, "other", run) // sweeps
	if _, _, dup := o.Do(ctx, "k", run); dup {
		t.Error("an expired form is still treated as a repeat")
	}
}

// The guard's size limit forgets finished outcomes first and never a call
// still running: a double click on a slow create must still wait for it.
func TestNeverEvictsARunningCall(t *testing.T) {
	o := submitguard.New(time.Minute, 2, nil)
	ctx := context.Background()
	release := make(chan struct{})
	var calls sync.Map
	slow := func(key string) func(context.Context) (any, error) {
		return func(context.Context) (any, error) {
			n, _ := calls.LoadOrStore(key, new(atomic.Int32))
			n.(*atomic.Int32).Add(1)
			<-release
			return key, nil
		}
	}
	var wg sync.WaitGroup
	for _, k := range []string{"a", "b", "c"} {
		wg.Add(1)
		go func() { defer wg.Done(); o.Do(ctx, k, slow(k)) }()
		time.Sleep(20 * time.Millisecond) // a, b, c start in that order
	}
	// A repeat of "a" while all three still run: it must wait, not run again.
	wg.Add(1)
	var dup bool
	go func() { defer wg.Done(); _, _, dup = o.Do(ctx, "a", slow("a")) }()
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	n, _ := calls.Load("a")
	if got := n.(*atomic.Int32).Load(); got != 1 || !dup {
		t.Errorf("the running call was forgotten: %d calls for one form, dup %v", got, dup)
	}
}

// A caller that goes away does not cut the call short: the call runs to its
// end and a duplicate gets its real outcome.
func TestCallOutlivesItsCaller(t *testing.T) {
	o := submitguard.New(time.Minute, 10, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var sawCancel atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.Do(ctx, "k", func(ctx context.Context) (any, error) {
			select {
			case <-ctx.Done():
				sawCancel.Store(true)
				return nil, ctx.Err()
			case <-time.After(300 * time.Millisecond):
				return "created", nil
			}
		})
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	v, err, dup := o.Do(context.Background(), "k", func(context.Context) (any, error) { return "second", nil })
	<-done
	if sawCancel.Load() || v != "created" || err != nil || !dup {
		t.Errorf("after the first caller left: cancelled %v; the repeat got %v, %v, dup %v", sawCancel.Load(), v, err, dup)
	}
}
