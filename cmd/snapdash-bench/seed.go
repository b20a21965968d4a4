package main

import (
	"context"
	"fmt"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/store"
)

// A team's store after a year (issue 29): the page must cost the same with
// it as with an empty one.
const (
	seedRecords   = 100_000
	seedMarks     = 500 // pins, and as many notes
	seedSchedules = 200
)

// seedYear fills the store in dataDir as a team's year would: records of
// creates, restores and deletes, pins and notes, and schedules (paused),
// all of other servers than the measured page's, so the page shows the
// same with it as without: what is measured is the store's growth.
// records is how many it writes (seedRecords; fewer in a quick run).
func seedYear(ctx context.Context, dataDir string, records int) error {
	st, err := store.Open(ctx, "", dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now().Add(-365 * 24 * time.Hour)
	return st.InTx(ctx, func(tx *store.Store) error {
		actions := []string{activity.Create, activity.Restore, activity.Delete, activity.Pin, activity.Note}
		for i := range records {
			r := activity.Record{Time: start.Add(time.Duration(i) * 5 * time.Minute / 16), Actor: fmt.Sprintf("person-%d@example.com", i%40),
				Action: actions[i%len(actions)], ServerID: int64(40000 + i%300), ServerName: fmt.Sprintf("server-%d", i%300),
				SnapshotID: int64(900000 + i), SnapshotName: fmt.Sprintf("snapshot-%d", i), Outcome: activity.Started, Final: activity.Completed}
			if _, err := tx.Activity().Add(ctx, r); err != nil {
				return err
			}
		}
		for i := range seedMarks {
			server, snap := int64(40000+i%300), int64(900000+i)
			if err := tx.Marks().Pin(ctx, marks.Pin{SnapshotID: snap, ServerID: server, Actor: "ops@example.com", Reason: "kept for the audit", At: start}); err != nil {
				return err
			}
			if err := tx.Marks().SetNote(ctx, marks.Note{SnapshotID: snap, ServerID: server, Actor: "ops@example.com", Text: "before the upgrade", At: start}); err != nil {
				return err
			}
		}
		for i := range seedSchedules {
			if _, err := tx.Schedules().Add(ctx, schedules.Schedule{ServerID: int64(40000 + i), ServerName: fmt.Sprintf("server-%d", i),
				Every: schedules.Daily, Minute: 120, Keep: 3, Paused: true, NextRun: time.Now().Add(24 * time.Hour),
				UpdatedBy: "ops@example.com", Updated: start}); err != nil {
				return err
			}
		}
		return nil
	})
}
