package restore_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/services/bulkdelete"
	"github.com/snapdash/snapdash/internal/services/restore"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi"
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
// record says it is not known whether it happened, and to check the server.
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
	if r.State != restores.Unknown || !strings.Contains(r.Detail, "it was not sent again") {
		t.Errorf("the restore ended %s: %q", r.State, r.Detail)
	}
	if n := f.Sim.Calls(restoreKey); n != 1 {
		t.Errorf("%d restores sent, want the one that was lost", n)
	}
	if got := f.Sim.ServerStatus(f.Server); got == "restoring" {
		t.Error("the server restores: the lost restore was sent again")
	}
}

// A restore whose answer was lost, and which went through and finished
// before the job looked again (a replica died; the next one came minutes
// later), is not said to have failed or not happened: nothing observed
// tells which, so its end says it is not known, and to check the server.
func TestLostRestoreAnswerEndsNotKnown(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 50 * time.Millisecond, RestoreDelay: 50 * time.Millisecond, Idle: true})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f.Sim.SetFault(simulator.Fault{Match: restoreKey, LoseAnswer: true, Times: 1})
	advanceTo(t, f, r.ID, restores.StepRestoreSending) // the restore is sent; its answer is lost
	if n := f.Sim.Calls(restoreKey); n != 1 {
		t.Fatalf("%d restores sent", n)
	}
	wait.Until(t, 20*time.Second, func() bool { return f.Sim.ServerStatus(f.Server) == "running" })
	if _, err := f.Restores.Advance(ctx, r.ID, servicestest.AliceToken); err != nil {
		t.Fatal(err)
	}
	end, _ := f.Store.Restores().Get(ctx, r.ID)
	words, _ := end.EndWords(nil)
	if end.State == restores.Running || !strings.Contains(words, "not known") || strings.Contains(words, "did not happen") || strings.Contains(words, "failed") {
		t.Errorf("the restore ended %s: %q", end.State, words)
	}
	rec := f.Final(t, 5*time.Second)
	if rec.Final != activity.NotKnown {
		t.Errorf("Activity's final outcome %q (%q), want %q", rec.Final, rec.FinalDetail, activity.NotKnown)
	}
	if n := f.Sim.Calls(restoreKey); n != 1 {
		t.Errorf("%d restores sent, want 1", n)
	}
}

// advanceTo works restore id's job by hand until it reaches step, or ends.
func advanceTo(t *testing.T, f *servicestest.Team, id int64, step string) {
	t.Helper()
	wait.Until(t, 20*time.Second, func() bool {
		if _, err := f.Restores.Advance(context.Background(), id, servicestest.AliceToken); err != nil {
			t.Fatal(err)
		}
		x, _ := f.Store.Restores().Get(context.Background(), id)
		return x.Step == step || x.State != restores.Running
	})
}

// restoringByHand is a restore with a safety snapshot worked by hand up to
// its server restoring (for an hour), on a clock the test moves.
func restoringByHand(t *testing.T) (*servicestest.Team, restores.Restore, *atomic.Int64) {
	t.Helper()
	now := new(atomic.Int64)
	now.Store(time.Now().UnixNano())
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 50 * time.Millisecond, RestoreDelay: time.Hour, Idle: true,
		Now: func() time.Time { return time.Unix(0, now.Load()) }})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	advanceTo(t, f, r.ID, restores.StepRestoring)
	return f, r, now
}

// Without a Servers API nothing tells when a restore with a safety
// snapshot ends: it stays open as long as VPS.org says a restore may take,
// so the snapshot the server is restoring from cannot be deleted meanwhile,
// then ends without claiming it completed. It used to end, completed, at
// the first look after the restore was sent.
func TestSafeRestoreWithoutServersAPIStaysOpenAsLongAsARestoreMayTake(t *testing.T) {
	t.Parallel()
	f, r, now := restoringByHand(t)
	f.Sim.SetFault(simulator.Fault{Match: "GET /api/v1/servers/{id}/", Status: http.StatusNotFound})
	ctx := context.Background()
	now.Add(int64(time.Minute))
	next, err := f.Restores.Advance(ctx, r.ID, servicestest.AliceToken)
	if x, _ := f.Store.Restores().Get(ctx, r.ID); err != nil || next.Done || x.State != restores.Running {
		t.Fatalf("a minute in: %+v, %v, %s; want it open", next, err, x.State)
	}
	if _, err := f.Dash.Act(ctx, f.Action(dashboard.Delete)); !errors.Is(err, dashboard.ErrInUse) {
		t.Errorf("deleting the snapshot the server restores from: %v", err)
	}
	now.Add(int64(vpsapi.RestoreTakes))
	if next, err := f.Restores.Advance(ctx, r.ID, servicestest.AliceToken); err != nil || !next.Done {
		t.Fatalf("once a restore must have ended: %+v, %v", next, err)
	}
	recs, err := f.Store.Activity().Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(recs, func(rec activity.Record) bool { return rec.ID == r.ActivityID })
	if i < 0 || recs[i].Final != activity.Stopped || !strings.Contains(recs[i].FinalDetail, "does not tell") {
		t.Errorf("the restore's record among %+v", recs)
	}
}

// A restore VPS.org still reports restoring past RestoringLimit is no longer
// followed: its end says so, and that it is still restoring, never that
// it failed (nothing observed says it did). What it restores from stays
// in use while the server restores.
func TestRestorePastTheLimitIsNotSaidToHaveFailed(t *testing.T) {
	t.Parallel()
	f, r, now := restoringByHand(t)
	now.Add(int64(restore.RestoringLimit + time.Minute))
	if next, err := f.Restores.Advance(context.Background(), r.ID, servicestest.AliceToken); err != nil || !next.Done {
		t.Fatalf("past the limit: %+v, %v", next, err)
	}
	end, _ := f.Store.Restores().Get(context.Background(), r.ID)
	words, bad := end.EndWords(nil)
	if !bad || strings.Contains(words, "failed") || !strings.Contains(words, "still restoring") {
		t.Errorf("the restore ended %s: %q", end.State, words)
	}
	// The server still restores from it: not deletable.
	if _, err := f.Dash.Act(context.Background(), f.Action(dashboard.Delete)); !errors.Is(err, dashboard.ErrInUse) {
		t.Errorf("deleting the snapshot the server still restores from: %v", err)
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
