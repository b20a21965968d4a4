package restore_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/services/bulkdelete"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Behaviours no other test guarded; each was checked to fail when the
// behaviour it names is broken.

// restoreAt records a restore of f's snapshot at step with its safety
// snapshot seeded as safetyStatus, as if a job had got that far.
func restoreAt(t *testing.T, f *servicestest.Team, step, safetyStatus string) int64 {
	t.Helper()
	ctx := context.Background()
	if err := f.Sim.AddSnapshot(f.Server, simulator.SnapshotSeed{Name: "before-restore-x", Status: safetyStatus}); err != nil {
		t.Fatal(err)
	}
	var safety int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "before-restore-x" {
			safety = s.ID
		}
	}
	id, err := f.Store.Restores().Add(ctx, restores.Restore{Actor: "alice", ServerID: f.Server, ServerName: "web-server-01",
		SnapshotID: f.Snap, SnapshotName: "pre-migration-snapshot", SafetyName: "before-restore-x", Step: restores.StepSafety, Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := f.Store.Restores().Get(ctx, id)
	x.SafetyID, x.Step = safety, step
	if _, err := f.Store.Restores().Move(ctx, restores.StepSafety, x); err != nil {
		t.Fatal(err)
	}
	return id
}

// A safety snapshot VPS.org reports in any unfinished state, not only
// in_progress, holds the restore back.
func TestUnfinishedSafetySnapshotHoldsTheRestore(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"pending", "queued", "in_progress"} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour})
			id := restoreAt(t, f, restores.StepSafety, status)
			f.Sim.ResetCalls()
			for range 3 {
				if _, err := f.Restores.Advance(context.Background(), id, servicestest.AliceToken); err != nil {
					t.Fatal(err)
				}
			}
			r, _ := f.Store.Restores().Get(context.Background(), id)
			if r.Step != restores.StepSafety || r.State != restores.Running {
				t.Errorf("with the safety snapshot %s the restore moved to %s (%s)", status, r.Step, r.State)
			}
			if n := f.Sim.Calls(restoreKey); n != 0 {
				t.Errorf("with the safety snapshot %s, %d restores were sent", status, n)
			}
		})
	}
}

// A restore whose POST was lost before VPS.org acted (a reset connection),
// found on resume with the server not restoring, is not sent again: the
// record says it is not known, and to check the server.
func TestLostRestoreIsNotSentAgain(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour})
	id := restoreAt(t, f, restores.StepSafety, "completed")
	f.Sim.SetFault(simulator.Fault{Match: restoreKey, Reset: true, Times: 1})
	f.Sim.ResetCalls()
	for range 5 {
		next, err := f.Restores.Advance(context.Background(), id, servicestest.AliceToken)
		if err != nil {
			t.Fatal(err)
		}
		if next.Done {
			break
		}
	}
	r, _ := f.Store.Restores().Get(context.Background(), id)
	if r.State != restores.Failed || !strings.Contains(r.Detail, "it was not sent again") {
		t.Errorf("the restore ended %s: %q", r.State, r.Detail)
	}
	if n := f.Sim.Calls(restoreKey); n != 1 {
		t.Errorf("%d restores sent, want the one that was lost", n)
	}
	if got := f.Sim.ServerStatus(f.Server); got == "restoring" {
		t.Error("the server restores: the lost restore was sent again")
	}
}

// A restore with a safety snapshot and a bulk delete that end keep no
// sealed token.
func TestEndedJobsKeepNoToken(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 200 * time.Millisecond, RestoreDelay: 200 * time.Millisecond})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	end := ended(f, t, r.ID, 30*time.Second)
	if end.State != restores.Done {
		t.Fatalf("the restore ended %+v", end)
	}
	if _, err := f.Bulk.Start(context.Background(), bulkdelete.Action{Actor: "alice", Token: servicestest.AliceToken, Session: "alice-session",
		FormID: submitguard.NewFormID(), IDs: []int64{end.SafetyID}}); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 30*time.Second, func() bool { return jobTokenCount(t, f) == 0 })
}

// jobTokenCount is how many sealed tokens the store keeps for jobs.
func jobTokenCount(t *testing.T, f *servicestest.Team) int {
	t.Helper()
	db, err := sql.Open("sqlite", store.SQLiteDSN(f.Store.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM job_tokens").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
