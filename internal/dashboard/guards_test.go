package dashboard_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Behaviours no other test guarded; each was checked to fail when the
// behaviour it names is broken.

// restoreAt records a restore of f's snapshot at step with its safety
// snapshot seeded as safetyStatus, as if a job had got that far.
func restoreAt(t *testing.T, f *following, step, safetyStatus string) int64 {
	t.Helper()
	ctx := context.Background()
	if err := f.sim.AddSnapshot(f.server, simulator.SnapshotSeed{Name: "before-restore-x", Status: safetyStatus}); err != nil {
		t.Fatal(err)
	}
	var safety int64
	for _, s := range f.sim.Snapshots(aliceToken) {
		if s.Name == "before-restore-x" {
			safety = s.ID
		}
	}
	id, err := f.st.Restores().Add(ctx, restores.Restore{Actor: "alice", ServerID: f.server, ServerName: "web-server-01",
		SnapshotID: f.snap, SnapshotName: "pre-migration-snapshot", SafetyName: "before-restore-x", Step: restores.StepSafety, Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := f.st.Restores().Get(ctx, id)
	x.SafetyID, x.Step = safety, step
	if _, err := f.st.Restores().Move(ctx, restores.StepSafety, x); err != nil {
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
			f := newFollowing(t, time.Hour, time.Hour)
			id := restoreAt(t, f, restores.StepSafety, status)
			f.sim.ResetCalls()
			for range 3 {
				if _, err := f.dash.AdvanceRestore(context.Background(), id, aliceToken); err != nil {
					t.Fatal(err)
				}
			}
			r, _ := f.st.Restores().Get(context.Background(), id)
			if r.Step != restores.StepSafety || r.State != restores.Running {
				t.Errorf("with the safety snapshot %s the restore moved to %s (%s)", status, r.Step, r.State)
			}
			if n := f.sim.Calls(restoreKey); n != 0 {
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
	f := newFollowing(t, time.Hour, time.Hour)
	id := restoreAt(t, f, restores.StepSafety, "completed")
	f.sim.SetFault(simulator.Fault{Match: restoreKey, Reset: true, Times: 1})
	f.sim.ResetCalls()
	for range 5 {
		next, err := f.dash.AdvanceRestore(context.Background(), id, aliceToken)
		if err != nil {
			t.Fatal(err)
		}
		if next.Done {
			break
		}
	}
	r, _ := f.st.Restores().Get(context.Background(), id)
	if r.State != restores.Failed || !strings.Contains(r.Detail, "it was not sent again") {
		t.Errorf("the restore ended %s: %q", r.State, r.Detail)
	}
	if n := f.sim.Calls(restoreKey); n != 1 {
		t.Errorf("%d restores sent, want the one that was lost", n)
	}
	if got := f.sim.ServerStatus(f.server); got == "restoring" {
		t.Error("the server restores: the lost restore was sent again")
	}
}

// Just before each delete, a bulk delete checks again that the snapshot was
// not pinned since the plan was made.
func TestBulkDeleteChecksPinsBeforeEachDelete(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, time.Second, time.Second)
	ctx := context.Background()
	c, err := f.dash.PlanBulkDelete(ctx, aliceToken, []int64{f.snap})
	if err != nil || len(c.Rows) != 1 {
		t.Fatalf("plan %+v, %v", c, err)
	}
	id := addBulk(t, f, f.snap, "pre-migration-snapshot")
	if err := f.st.Marks().Pin(ctx, marks.Pin{SnapshotID: f.snap, ServerID: f.server, Actor: "bob", Reason: "keep", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	f.sim.ResetCalls()
	advanceAll(t, f, id)
	b, _ := f.st.Bulk().Get(ctx, id)
	if b.Items[0].State != bulk.Refused || !strings.Contains(b.Items[0].Detail, "pinned by bob meanwhile") {
		t.Errorf("the item: %+v", b.Items[0])
	}
	if n := f.sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 0 {
		t.Errorf("%d deletes sent for a snapshot pinned meanwhile", n)
	}
}

// A restore with a safety snapshot and a bulk delete that end keep no
// sealed token.
func TestEndedJobsKeepNoToken(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, 200*time.Millisecond, 200*time.Millisecond)
	r, err := f.safeRestore(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	end := f.ended(t, r.ID, 30*time.Second)
	if end.State != restores.Done {
		t.Fatalf("the restore ended %+v", end)
	}
	if _, err := f.dash.StartBulkDelete(context.Background(), dashboard.BulkAction{Actor: "alice", Token: aliceToken, Session: "alice-session",
		FormID: dashboard.NewFormID(), IDs: []int64{end.SafetyID}}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return jobTokenCount(t, f) == 0 })
}

// jobTokenCount is how many sealed tokens the store keeps for jobs.
func jobTokenCount(t *testing.T, f *following) int {
	t.Helper()
	db, err := sql.Open("sqlite", store.SQLiteDSN(f.st.Path()))
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
