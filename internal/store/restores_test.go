package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/restores"
)

// One running restore per server; steps move only from where they are; a
// cancel asked before the restore is sent keeps it from being sent, and one
// asked after is refused.
func TestRestoresStepsAndCancel(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			x := open(t).Restores()
			ctx := context.Background()
			at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			r := restores.Restore{ActivityID: 41, Actor: "alice", ServerID: 7, ServerName: "web", SnapshotID: 801, SnapshotName: "pre-migration",
				SafetyName: "before-restore-20261127-1000", Step: restores.StepCreateSending, Started: at}
			id, err := x.Add(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := x.Add(ctx, r); !errors.Is(err, restores.ErrAlreadyRunning) {
				t.Errorf("a second restore of the server: %v", err)
			}
			other := r
			other.ServerID, other.ActivityID = 8, 42
			if _, err := x.Add(ctx, other); err != nil {
				t.Errorf("a restore of another server: %v", err)
			}
			r.ID, r.Step, r.SafetyID = id, restores.StepSafety, 901
			if ok, err := x.Move(ctx, restores.StepCreateSending, r); !ok || err != nil {
				t.Fatalf("move to safety: %v, %v", ok, err)
			}
			if ok, _ := x.Move(ctx, restores.StepCreateSending, r); ok {
				t.Error("a second replica moved it from the same step again")
			}
			if err := x.Cancel(ctx, id); err != nil {
				t.Fatalf("cancel while the safety snapshot is taken: %v", err)
			}
			next := r
			next.Step, next.SafetyDone = restores.StepRestoreSending, at.Add(time.Minute)
			if ok, _ := x.Move(ctx, restores.StepSafety, next); ok {
				t.Error("moved on to the restore after a cancel")
			}
			got, err := x.Get(ctx, id)
			if err != nil || got.SafetyID != 901 || !got.CancelRequested || got.Step != restores.StepSafety || !got.Started.Equal(at) {
				t.Errorf("read back %+v, %v", got, err)
			}

			// Another, not cancelled, is past cancelling once the restore is sent.
			o, _ := x.Running(ctx, []int64{8})
			if len(o) != 1 {
				t.Fatalf("running of server 8: %+v", o)
			}
			o[0].Step = restores.StepRestoreSending
			if ok, err := x.Move(ctx, restores.StepCreateSending, o[0]); !ok || err != nil {
				t.Fatalf("move to the restore: %v, %v", ok, err)
			}
			if err := x.Cancel(ctx, o[0].ID); !errors.Is(err, restores.ErrTooLate) {
				t.Errorf("cancel after the restore was sent: %v", err)
			}
			if err := x.Cancel(ctx, 99999); !errors.Is(err, restores.ErrNotFound) {
				t.Errorf("cancel of nothing: %v", err)
			}
			o[0].State, o[0].Finished = restores.Done, at.Add(5*time.Minute)
			if ok, err := x.Move(ctx, restores.StepRestoreSending, o[0]); !ok || err != nil {
				t.Fatalf("finish: %v, %v", ok, err)
			}
			if _, err := x.Add(ctx, other); err != nil {
				t.Errorf("a new restore once the last one ended: %v", err)
			}
			of, err := x.Of(ctx, []int64{41, 42})
			if err != nil || of[41].ID != id || of[42].ServerID != 8 {
				t.Errorf("of records: %+v, %v", of, err)
			}
		})
	}
}
