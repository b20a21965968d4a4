package restore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A step that restores or deletes asks the roles again: a restore (or bulk
// delete) started by a member of a group the rules no longer allow sends
// nothing more, and says why.
func TestJobStepsCheckTheRolesAgain(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour})
	ctx := context.Background()
	if err := f.Sim.AddSnapshot(f.Server, simulator.SnapshotSeed{Name: "before-restore-x"}); err != nil {
		t.Fatal(err)
	}
	var safety int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "before-restore-x" {
			safety = s.ID
		}
	}
	// Started when ops could restore and delete; now only admins may.
	id, err := f.Store.Restores().Add(ctx, restores.Restore{Actor: "olga", Groups: []string{"ops"}, ServerID: f.Server, ServerName: "web-server-01",
		SnapshotID: f.Snap, SnapshotName: "pre-migration-snapshot", SafetyName: "before-restore-x", Step: restores.StepSafety, Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := f.Store.Restores().Get(ctx, id)
	x.SafetyID = safety
	if _, err := f.Store.Restores().Move(ctx, restores.StepSafety, x); err != nil {
		t.Fatal(err)
	}
	bulkID := f.AddBulk(t, safety, "before-restore-x")
	stricter := servicestest.New(t, f.Store, f.API, servicestest.Options{Roles: dashboard.Roles{Restore: []string{"admins"}, Delete: []string{"admins"}}})
	f.Sim.ResetCalls()
	if next, err := stricter.Restores.Advance(ctx, id, servicestest.AliceToken); err != nil || !next.Done {
		t.Fatalf("advance: %+v %v", next, err)
	}
	end, _ := f.Store.Restores().Get(ctx, id)
	if end.State != restores.Stopped || !strings.Contains(end.Detail, "refused by Snapdash before the restore: Restores are limited to the admins group.") {
		t.Errorf("the restore ended %q: %q", end.State, end.Detail)
	}
	if _, n := first(f, restoreKey); n != 0 {
		t.Errorf("%d restores sent", n)
	}
	// The restore has ended, so its snapshots are no longer in use.
	for range 5 {
		if next, err := stricter.Bulk.Advance(ctx, bulkID, servicestest.AliceToken); err != nil || next.Done {
			break
		}
	}
	b, _ := f.Store.Bulk().Get(ctx, bulkID)
	if len(b.Items) != 1 || b.Items[0].State != bulk.Refused || !strings.Contains(b.Items[0].Detail, "Deletes and unpins are limited to the admins group.") {
		t.Errorf("the bulk delete: %+v", b.Items)
	}
	if n := f.Sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 0 {
		t.Errorf("%d deletes sent", n)
	}
}

// Signing out while the restore's call is on its way neither cuts it short
// nor records a guess: the call ends, and the record says VPS.org accepted
// the restore and the server restores.
func TestSignOutDuringTheRestoreCallRecordsWhatHappened(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Hour})
	f.Sim.SetFault(simulator.Fault{Match: restoreKey, Delay: 3 * time.Second, Times: 1})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 30*time.Second, func() bool { return f.Sim.Calls(restoreKey) == 1 }) // on its way
	if _, err := f.SignOut.StopJobs(context.Background(), "alice-session"); err != nil {
		t.Fatal(err)
	}
	end := ended(f, t, r.ID, 30*time.Second)
	if end.State != restores.Stopped || !strings.Contains(end.Detail, "VPS.org accepted it: the server restores") {
		t.Errorf("the restore ended %s: %q", end.State, end.Detail)
	}
	if got := f.Sim.ServerStatus(f.Server); got != "restoring" {
		t.Errorf("the server is %q: the restore on its way was cut short", got)
	}
	// The sign-out records why the job stopped at once; the job adds what
	// it had done when its call comes back.
	var rec activity.Record
	if !wait.Within(10*time.Second, func() bool {
		rec = f.Final(t, 10*time.Second)
		return rec.FinalDetail != ""
	}) || rec.Final != activity.SignedOut || !strings.Contains(rec.FinalDetail, "VPS.org accepted it") {
		t.Errorf("the record says %q: %q", rec.Final, rec.FinalDetail)
	}
	if n := f.Sim.Calls(restoreKey); n != 1 {
		t.Errorf("%d restores sent", n)
	}
}
