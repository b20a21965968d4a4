package dashboard

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi"
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
	store := &countingStore{Store: storetest.SQLite(t).Activity()}
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	d := New(Options{Activity: store, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	ctx := context.Background()
	act := func(a Action) {
		id, err := d.intend(ctx, a) // as Act does: recorded before the call
		if err != nil {
			t.Fatal(err)
		}
		d.record(ctx, a, Result{recordID: id}, nil)
	}
	act(Action{Actor: "alice", Kind: Create, ServerID: 1, SnapshotID: 7})
	group := func() Server {
		g := []Server{{ID: 1, Snapshots: []vpsapi.Snapshot{{ID: 7}}}}
		d.annotate(ctx, g)
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
	act(Action{Actor: "bob", Kind: Create, ServerID: 1, SnapshotID: 8})
	g := []Server{{ID: 1, Snapshots: []vpsapi.Snapshot{{ID: 8}}}}
	d.annotate(ctx, g)
	if g[0].CreatedBy[8].Actor != "bob" {
		t.Error("an action of this process is not shown at once")
	}
}
