package dashboard

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi"
)

// The annotations of a page of 5 servers × 5 snapshots with 100,000
// records in the store: kept (the change feed stood still) and read (it
// moved). Both must not grow with the record.
func BenchmarkAnnotations(b *testing.B) {
	st := storetest.SQLite(b)
	ctx := context.Background()
	var page []Server
	for s := range 5 {
		srv := Server{ID: int64(100 + s)}
		for n := range 5 {
			srv.Snapshots = append(srv.Snapshots, vpsapi.Snapshot{ID: int64(1000 + 5*s + n)})
		}
		page = append(page, srv)
	}
	err := st.InTx(ctx, func(tx *store.Store) error {
		for i := range 100_000 {
			r := activity.Record{Time: time.Unix(int64(i), 0), Actor: "person", Action: activity.Create, ServerID: int64(100 + i%300),
				SnapshotID: int64(1000 + i), Outcome: activity.Started}
			if _, err := tx.Activity().Add(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	d := New(Options{Activity: st.Activity(), Changes: st.Changes(), Restores: st.Restores(), Marks: st.Marks(), Schedules: st.Schedules(),
		Log: slog.New(slog.DiscardHandler)})
	annotate := func() {
		servers := append([]Server(nil), page...)
		d.annotate(ctx, servers)
		if servers[0].CreatedBy[1000].Actor != "person" {
			b.Fatalf("not annotated: %+v", servers[0].CreatedBy)
		}
	}
	b.Run("kept", func(b *testing.B) {
		for b.Loop() {
			annotate()
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			d.kept = annotations{} // as if the feed had moved
			annotate()
		}
	})
}
