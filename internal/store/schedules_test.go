package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/schedules"
)

// A schedule per server; its next run moves once whoever asks; one run per
// slot and one under way at a time; the snapshots it made are its own.
func TestSchedules(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			x := open(t).Schedules()
			ctx := context.Background()
			at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
			s := schedules.Schedule{ServerID: 1, ServerName: "web-1", Every: schedules.Daily, Minute: 180, Keep: 3, SkipRestoring: true, NextRun: at, UpdatedBy: "alice"}
			id, err := x.Add(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := x.Add(ctx, s); !errors.Is(err, schedules.ErrExists) {
				t.Errorf("second schedule for a server: %v", err)
			}
			due, err := x.Due(ctx, at.Add(-time.Minute))
			if err != nil || len(due) != 0 {
				t.Fatalf("due before its time: %v %v", due, err)
			}
			due, _ = x.Due(ctx, at)
			if len(due) != 1 || due[0].ID != id || !due[0].SkipRestoring || due[0].Keep != 3 || !due[0].NextRun.Equal(at) {
				t.Fatalf("due at its time: %+v", due)
			}
			next := at.AddDate(0, 0, 1)
			if ok, err := x.Advance(ctx, id, at, next); !ok || err != nil {
				t.Fatalf("advance: %v %v", ok, err)
			}
			if ok, _ := x.Advance(ctx, id, at, next); ok {
				t.Error("a second replica advanced the same slot")
			}

			run, created, err := x.Open(ctx, schedules.Run{ScheduleID: id, ServerID: 1, ServerName: "web-1", Slot: at})
			if err != nil || !created || run.State != schedules.Running || run.Step != schedules.StepCheck {
				t.Fatalf("open: %+v %v %v", run, created, err)
			}
			again, created, err := x.Open(ctx, schedules.Run{ScheduleID: id, ServerID: 1, Slot: at})
			if err != nil || created || again.ID != run.ID {
				t.Fatalf("same slot opened twice: %+v %v %v", again, created, err)
			}
			late, created, err := x.Open(ctx, schedules.Run{ScheduleID: id, ServerID: 1, Slot: next})
			if err != nil || !created || late.State != schedules.Skipped {
				t.Errorf("a slot due while a run is under way: %+v %v %v", late, created, err)
			}
			if _, _, err := x.Open(ctx, schedules.Run{ScheduleID: id, ServerID: 1, Slot: next.Add(time.Hour), Manual: true}); !errors.Is(err, schedules.ErrRunning) {
				t.Errorf("run now while a run is under way: %v", err)
			}

			run.Step, run.SnapshotID, run.SnapshotName = schedules.StepWaiting, 801, "auto-web-1-20261127-0300"
			if ok, err := x.Move(ctx, schedules.StepCheck, run); !ok || err != nil {
				t.Fatalf("move: %v %v", ok, err)
			}
			if ok, _ := x.Move(ctx, schedules.StepCheck, run); ok {
				t.Error("moved twice from the same step")
			}
			for i, sid := range []int64{801, 790} {
				if err := x.Own(ctx, schedules.Owned{SnapshotID: sid, ScheduleID: id, ServerID: 1, Name: "n", Created: at.Add(-time.Duration(i) * 24 * time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
			owned, err := x.Owned(ctx, id)
			if err != nil || len(owned) != 2 || owned[0].SnapshotID != 790 {
				t.Fatalf("owned, oldest first: %+v %v", owned, err)
			}
			if err := x.Disown(ctx, 790); err != nil {
				t.Fatal(err)
			}
			run.Step, run.State, run.Finished, run.Detail = schedules.StepRotating, schedules.Completed, at.Add(10*time.Minute), "kept 1"
			if ok, _ := x.Move(ctx, schedules.StepWaiting, run); !ok {
				t.Fatal("not finished")
			}
			if err := x.Finished(ctx, run); err != nil {
				t.Fatal(err)
			}
			got, err := x.Get(ctx, id)
			if err != nil || got.LastOutcome != schedules.Completed || got.LastDetail != "kept 1" || !got.LastRun.Equal(run.Finished) {
				t.Errorf("last outcome: %+v %v", got, err)
			}
			if _, created, err := x.Open(ctx, schedules.Run{ScheduleID: id, ServerID: 1, Slot: at.Add(time.Minute), Manual: true}); err != nil || !created {
				t.Errorf("run now once the run ended: %v %v", created, err)
			}
			recent, err := x.Recent(ctx, []int64{id, id + 100}, 2)
			if err != nil || len(recent[id]) != 2 || recent[id][0].ID < recent[id][1].ID || recent[id][1].ID == run.ID || len(recent[id+100]) != 0 {
				t.Errorf("recent runs: %+v %v", recent, err)
			}
			if n, err := x.PauseAll(ctx, "VPS.org refused the automation token"); n != 1 || err != nil {
				t.Errorf("pause all: %d %v", n, err)
			}
			if due, _ := x.Due(ctx, next.AddDate(1, 0, 0)); len(due) != 0 {
				t.Errorf("a paused schedule is due: %+v", due)
			}
			if err := x.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			if owned, _ := x.Owned(ctx, id); len(owned) != 0 {
				t.Errorf("a deleted schedule still owns snapshots: %+v", owned)
			}
			if _, err := x.Get(ctx, id); !errors.Is(err, schedules.ErrNotFound) {
				t.Errorf("deleted schedule read: %v", err)
			}
		})
	}
}
