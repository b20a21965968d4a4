package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/restores"
)

// Every action, job step and outcome written about a server is a change a
// page can ask for, by the servers it shows, since the last it saw; a
// server it does not show is never named.
func TestTheChangeFeedNamesTheServersThatChanged(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			st := open(t)
			ctx := context.Background()
			start, err := st.Changes().Last(ctx)
			if err != nil {
				t.Fatal(err)
			}
			since := func(from int64, servers ...int64) (int64, []int64) {
				t.Helper()
				last, changed, err := st.Changes().Since(ctx, from, servers)
				if err != nil {
					t.Fatal(err)
				}
				return last, changed
			}
			rec, err := st.Activity().Add(ctx, activity.Record{Time: time.Now(), Actor: "alice", Action: activity.Create, ServerID: 7,
				ServerName: "web", SnapshotName: "nightly", Outcome: activity.Sending})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Restores().Add(ctx, restores.Restore{Actor: "bob", ServerID: 8, ServerName: "db", SnapshotID: 1, SnapshotName: "x",
				SafetyName: "before", Step: restores.StepCreateSending, Started: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Bulk().Add(ctx, bulk.Delete{Actor: "carol", Started: time.Now(), Items: []bulk.Item{{SnapshotID: 5, ServerID: 9, ServerName: "other"}}}); err != nil {
				t.Fatal(err)
			}
			last, changed := since(start, 7, 8)
			if !slices.Equal(changed, []int64{7, 8}) || last <= start {
				t.Errorf("since the start, changed %v (last %d)", changed, last)
			}
			if _, changed := since(last, 7, 8, 9); len(changed) != 0 {
				t.Errorf("nothing changed since the last, yet %v", changed)
			}
			if _, changed := since(start); len(changed) != 0 {
				t.Errorf("a page showing no server is told of %v", changed)
			}
			// An outcome written on a record is a change of its server.
			if _, err := st.Activity().Finish(ctx, rec, activity.Completed, "", time.Now()); err != nil {
				t.Fatal(err)
			}
			if now, changed := since(last, 7, 8); !slices.Equal(changed, []int64{7}) || now <= last {
				t.Errorf("after the create's outcome, changed %v", changed)
			}
		})
	}
}
