package vpsapi_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A VPS.org answer of 302 to another port must not take the token there, and
// must not count as an answer.
func TestRedirectIsNeverFollowed(t *testing.T) {
	var sawToken atomic.Value
	sawToken.Store("")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawToken.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"count": 0, "next": null, "results": []}`))
	}))
	defer other.Close()
	redirecting := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	})
	for _, hc := range []*http.Client{nil, {}} {
		c := newClient(t, redirecting, vpsapi.Options{HTTPClient: hc})
		ctx := context.Background()
		_, listErr := c.ListSnapshots(ctx, demo, 0)
		_, srvErr := c.ListServers(ctx, demo)
		_, createErr := c.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: 1, Name: "x"})
		delErr := c.DeleteSnapshot(ctx, demo, 1)
		pingErr := c.Ping(ctx)
		for name, err := range map[string]error{"list": listErr, "servers": srvErr, "create": createErr, "delete": delErr, "ping": pingErr} {
			if !errors.Is(err, vpsapi.ErrUnavailable) {
				t.Errorf("%s through a redirect: err = %v, want unavailable", name, err)
			}
		}
		if listErr == nil || !strings.Contains(listErr.Error(), "redirect") {
			t.Errorf("the error does not say why: %v", listErr)
		}
		if v := sawToken.Load().(string); v != "" {
			t.Fatalf("the redirect target received Authorization %q", v)
		}
	}
}

// Each page of a long list gets the whole timeout: five pages of 150 ms each
// fit in a 400 ms per-call timeout, though together they take 750 ms.
func TestEachListPageGetsItsOwnTimeout(t *testing.T) {
	sim := simulator.New(simulator.Options{PageSize: 2, Latency: 150 * time.Millisecond})
	c := newClient(t, sim, vpsapi.Options{Timeout: 400 * time.Millisecond})
	got, err := c.ListSnapshots(context.Background(), demo, 0)
	if err != nil {
		t.Fatalf("a list of several slow pages failed: %v", err)
	}
	if len(got) != 8 || sim.Calls("GET /api/v1/snapshots/") != 4 {
		t.Errorf("got %d snapshots in %d calls", len(got), sim.Calls("GET /api/v1/snapshots/"))
	}
	// One page slower than the timeout still fails.
	sim.SetLatency(500 * time.Millisecond)
	if _, err := c.ListSnapshots(context.Background(), demo, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a page slower than the timeout: err = %v", err)
	}
}

// A burst of calls is capped at MaxConcurrent in flight, and reuses its
// connections instead of opening one per call.
func TestConcurrentCallsCappedAndConnectionsReused(t *testing.T) {
	sim := simulator.New(simulator.Options{Latency: 5 * time.Millisecond})
	var inFlight, peak, conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		sim.ServeHTTP(w, r)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := vpsapi.New(srv.URL, vpsapi.Options{MaxConcurrent: 4})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.ListSnapshots(context.Background(), demo, 0); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	if p := peak.Load(); p > 4 {
		t.Errorf("%d calls were in flight at once, want at most 4", p)
	}
	if n := conns.Load(); n > 4 {
		t.Errorf("300 calls opened %d connections, want at most 4 (kept alive)", n)
	}
}

// A call waiting for a free slot gives up with its caller's deadline.
func TestWaitForSlotHonoursDeadline(t *testing.T) {
	sim := simulator.New(simulator.Options{})
	sim.SetFault(simulator.Fault{Hang: true})
	c := newClient(t, sim, vpsapi.Options{MaxConcurrent: 1, Timeout: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _, _ = c.ListSnapshots(ctx, demo, 0) }() // holds the only slot
	time.Sleep(100 * time.Millisecond)
	short, cancelShort := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelShort()
	start := time.Now()
	_, err := c.ListSnapshots(short, demo, 0)
	if !errors.Is(err, vpsapi.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want unavailable by deadline", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("waited %s for a slot, past the caller's deadline", took)
	}
}
