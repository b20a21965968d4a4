package dashboard

import (
	"context"
	"log/slog"
	"testing"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi"
)

// countingStore counts how often who created which snapshot is read.
type countingStore struct {
	activity.Store
	reads int
}

func (c *countingStore) Creators(ctx context.Context, ids []int64) ([]activity.Record, error) {
	c.reads++
	return c.Store.Creators(ctx, ids)
}

// Every poll annotates its server; while the change feed stands still the
// store's annotations are read once, a change (here, by another replica's
// action on the same store) makes the next poll read them again.
func TestAnnotationsAreReadAgainOnlyWhenTheFeedMoves(t *testing.T) {
	st := storetest.SQLite(t)
	store := &countingStore{Store: st.Activity()}
	d := New(Options{Activity: store, Changes: st.Changes(), Log: slog.New(slog.DiscardHandler)})
	other := New(Options{Activity: st.Activity(), Changes: st.Changes(), Log: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	act := func(d *Dashboard, a Action) {
		id, err := d.intend(ctx, a) // as Act does: recorded before the call
		if err != nil {
			t.Fatal(err)
		}
		d.record(ctx, a, Result{recordID: id}, nil)
	}
	act(d, Action{Actor: "alice", Kind: Create, ServerID: 1, SnapshotID: 7})
	group := func(snaps ...int64) Server {
		g := []Server{{ID: 1}}
		for _, id := range snaps {
			g[0].Snapshots = append(g[0].Snapshots, vpsapi.Snapshot{ID: id})
		}
		d.annotate(ctx, g)
		return g[0]
	}
	for range 10 {
		if g := group(7); g.CreatedBy[7].Actor != "alice" {
			t.Fatalf("snapshot 7 not attributed: %+v", g.CreatedBy)
		}
	}
	if store.reads != 1 {
		t.Errorf("10 polls while nothing changed read the record %d times, want 1", store.reads)
	}
	act(other, Action{Actor: "bob", Kind: Create, ServerID: 1, SnapshotID: 8})
	if g := group(7, 8); g.CreatedBy[8].Actor != "bob" || g.CreatedBy[7].Actor != "alice" {
		t.Errorf("after another replica's action: %+v", g.CreatedBy)
	}
	if store.reads != 2 {
		t.Errorf("after a change: %d reads, want 2", store.reads)
	}
}
