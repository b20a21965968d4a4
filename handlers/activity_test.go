package handlers

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/web/activity"
)

// countingStore counts how often the record is read.
type countingStore struct {
	activity.Store
	reads int
}

func (c *countingStore) Recent(ctx context.Context, n int) ([]activity.Record, error) {
	c.reads++
	return c.Store.Recent(ctx, n)
}

// Every poll annotates its server; the record is read at most every two
// seconds, and again at once after an action of this process.
func TestAnnotateReadsTheRecordSparingly(t *testing.T) {
	fs, err := activity.NewFileStore(t.TempDir(), 10)
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: fs}
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	site := &Site{Activity: store, Attributions: &Attributions{}, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	ctx := context.Background()
	site.record(ctx, activity.Record{Actor: "alice", Action: activity.Create, ServerID: 1, SnapshotID: 7, Outcome: activity.Started})
	group := func() views.ServerGroup {
		g := []views.ServerGroup{{ID: 1, Snapshots: []vpsapi.Snapshot{{ID: 7}}}}
		site.annotate(ctx, g)
		return g[0]
	}
	for range 10 {
		if g := group(); g.CreatedBy[7].Actor != "alice" {
			t.Fatalf("snapshot 7 not attributed: %+v", g.CreatedBy)
		}
	}
	if store.reads != 1 {
		t.Errorf("10 polls within 2 s read the record %d times, want 1", store.reads)
	}
	now = now.Add(3 * time.Second)
	group()
	if store.reads != 2 {
		t.Errorf("after 2 s: %d reads, want 2", store.reads)
	}
	site.record(ctx, activity.Record{Actor: "bob", Action: activity.Create, ServerID: 1, SnapshotID: 8, Outcome: activity.Started})
	g := []views.ServerGroup{{ID: 1, Snapshots: []vpsapi.Snapshot{{ID: 8}}}}
	site.annotate(ctx, g)
	if g[0].CreatedBy[8].Actor != "bob" {
		t.Error("an action of this process is not shown at once")
	}
}

func TestOnceForgetsAfterTTL(t *testing.T) {
	now := time.Now()
	o := NewOnce(time.Minute, 100, func() time.Time { return now })
	ctx := context.Background()
	calls := 0
	run := func() (any, error) { calls++; return calls, nil }
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
