package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
)

// A server's open restore is its newest accepted one, while no job saw it
// end or its follow gave up as it still ran: an older restore left open or
// given up is not the one a newer restore's server runs.
func TestOpenRestoresAreEachServersNewest(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			a := open(t).Activity()
			ctx := context.Background()
			at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
			add := func(server, snap int64, minute int, final string) {
				t.Helper()
				id, err := a.Add(ctx, activity.Record{Time: at.Add(time.Duration(minute) * time.Minute), Actor: "alice", Action: activity.Restore,
					ServerID: server, ServerName: "web", SnapshotID: snap, SnapshotName: "s", Outcome: activity.Started})
				if err != nil {
					t.Fatal(err)
				}
				if final != "" {
					if _, err := a.Finish(ctx, id, final, "", at.Add(time.Hour)); err != nil {
						t.Fatal(err)
					}
				}
			}
			add(1, 10, 0, activity.StillRunning) // given up, then a newer one completed
			add(1, 11, 1, activity.Completed)
			add(2, 20, 0, "") // left open, then a newer one given up
			add(2, 21, 1, activity.StillRunning)
			add(3, 30, 0, activity.Completed) // a newer one runs
			add(3, 31, 1, "")
			add(4, 40, 0, activity.Failed)
			got, err := a.OpenRestores(ctx, []int64{1, 2, 3, 4})
			if err != nil {
				t.Fatal(err)
			}
			var snaps []int64
			for _, r := range got {
				snaps = append(snaps, r.SnapshotID)
			}
			if len(snaps) != 2 || snaps[0] != 31 || snaps[1] != 21 {
				t.Errorf("open restores are of snapshots %v; want 31 then 21", snaps)
			}
		})
	}
}
