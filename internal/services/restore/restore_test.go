package restore_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/services/mark"
	"github.com/snapdash/snapdash/internal/services/restore"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

const (
	createKey  = "POST /api/v1/snapshots/"
	restoreKey = "POST /api/v1/snapshots/{id}/restore/"
	deleteKey  = "DELETE /api/v1/snapshots/{id}/"
)

// safeRestore asks for a restore of the seeded snapshot with a safety
// snapshot first, deleting deleteFirst to free a slot when not 0.
func safeRestore(f *servicestest.Team, t *testing.T, deleteFirst int64) (restores.Restore, error) {
	t.Helper()
	res, err := f.Restores.Restore(context.Background(), dashboard.Action{
		Kind: dashboard.Restore, Actor: "alice", Token: servicestest.AliceToken, Session: "alice-session", FormID: submitguard.NewFormID(),
		ServerID: f.Server, ServerName: "web-server-01", SnapshotID: f.Snap, SnapshotName: "pre-migration-snapshot",
		Safety: true, DeleteFirst: deleteFirst,
	})
	return res.SafeRestore, err
}

// ended waits for the restore to end.
func ended(f *servicestest.Team, t *testing.T, id int64, within time.Duration) restores.Restore {
	t.Helper()
	var r restores.Restore
	if !wait.Within(within, func() bool {
		var err error
		if r, err = f.Store.Restores().Get(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		return r.State != restores.Running
	}) {
		t.Fatalf("restore still running after %s: %+v", within, r)
	}
	return r
}

// first is when the simulator first received key, and how many times.
func first(f *servicestest.Team, key string) (time.Time, int) {
	var at time.Time
	n := 0
	for _, r := range f.Sim.Requests() {
		if r.Key == key {
			if n == 0 {
				at = r.Time
			}
			n++
		}
	}
	return at, n
}

// The safety snapshot is taken first; the restore is sent once, only after
// the safety snapshot completed; then followed until the server runs.
func TestSafeRestoreSnapshotsFirst(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 3 * time.Second, RestoreDelay: 3 * time.Second})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.SafetyName, "before-restore-") {
		t.Errorf("safety snapshot named %q", r.SafetyName)
	}
	end := ended(f, t, r.ID, time.Minute)
	if end.State != restores.Done || end.SafetyDone.IsZero() || end.RestoreSent.Before(end.SafetyDone) {
		t.Errorf("restore ended %+v", end)
	}
	created, creates := first(f, createKey)
	restored, restoresSent := first(f, restoreKey)
	if creates != 1 || restoresSent != 1 {
		t.Fatalf("%d creates and %d restores sent, want one each", creates, restoresSent)
	}
	if restored.Sub(created) < 3*time.Second {
		t.Errorf("the restore was sent %s after the safety snapshot's create: before it could complete", restored.Sub(created))
	}
	var safety *simulator.SnapshotState
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == r.SafetyName {
			safety = &s
		}
	}
	if safety == nil || safety.Status != "completed" {
		t.Errorf("the safety snapshot: %+v", safety)
	}
	rec := f.Final(t, time.Second)
	if rec.Final != activity.Completed || !strings.Contains(rec.Detail, r.SafetyName) {
		t.Errorf("record %+v", rec)
	}
}

// A safety snapshot that fails sends no restore, and says so.
func TestFailedSafetySnapshotSendsNoRestore(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 2 * time.Second, RestoreDelay: time.Second})
	f.Sim.FailSnapshotsNamed("before-restore-")
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	end := ended(f, t, r.ID, time.Minute)
	if end.State != restores.Failed || !strings.Contains(end.Detail, "failed, so nothing was restored") {
		t.Errorf("restore ended %+v", end)
	}
	if _, n := first(f, restoreKey); n != 0 {
		t.Errorf("%d restores sent after the safety snapshot failed", n)
	}
	if rec := f.Final(t, time.Second); rec.Final != activity.Failed {
		t.Errorf("record %+v", rec)
	}
}

// VPS.org refusing the restore is recorded in its words; the safety
// snapshot stays.
func TestRefusedRestoreKeepsTheSafetySnapshot(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 2 * time.Second, RestoreDelay: time.Second})
	f.Sim.SetFault(simulator.Fault{Match: restoreKey, Status: 400})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	end := ended(f, t, r.ID, time.Minute)
	if end.State != restores.Failed || !strings.Contains(end.Detail, "VPS.org refused the restore") || !strings.Contains(end.Detail, r.SafetyName+" stays") {
		t.Errorf("restore ended %+v", end)
	}
	if _, n := first(f, restoreKey); n != 1 {
		t.Errorf("%d restores sent, want the one refused", n)
	}
	if len(f.Sim.Snapshots(servicestest.AliceToken)) != 2 {
		t.Error("the safety snapshot did not stay")
	}
}

// Cancelled while the safety snapshot is taken: no restore is sent; once
// the restore is sent, cancelling is refused.
func TestCancelBeforeTheRestore(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 5 * time.Second, RestoreDelay: time.Second})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 30*time.Second, func() bool { // the safety snapshot is in progress
		x, _ := f.Store.Restores().Get(context.Background(), r.ID)
		return x.Step == restores.StepSafety
	})
	if _, err := f.Restores.Cancel(context.Background(), servicestest.AliceToken, f.Server+1, r.ID); !errors.Is(err, restores.ErrNotFound) {
		t.Errorf("cancel naming another server: %v", err)
	}
	f.Sim.AddAccount("tok_mallory", simulator.ServerSeed{Name: "mallorys"})
	if _, err := f.Restores.Cancel(context.Background(), "tok_mallory", f.Server, r.ID); !errors.Is(err, restores.ErrNotFound) {
		t.Errorf("cancel by someone who cannot see the server: %v", err)
	}
	if _, err := f.Restores.Cancel(context.Background(), servicestest.AliceToken, f.Server, r.ID); err != nil {
		t.Fatal(err)
	}
	end := ended(f, t, r.ID, time.Minute)
	if end.State != restores.Cancelled || !strings.Contains(end.Detail, "stays") {
		t.Errorf("restore ended %+v", end)
	}
	// The job has ended and erased its token: nothing more can be sent.
	wait.Until(t, 30*time.Second, func() bool { return jobTokenCount(t, f) == 0 })
	if _, n := first(f, restoreKey); n != 0 {
		t.Errorf("%d restores sent after a cancel", n)
	}
	if _, err := f.Restores.Cancel(context.Background(), servicestest.AliceToken, f.Server, r.ID); !errors.Is(err, restores.ErrTooLate) {
		t.Errorf("cancel of an ended restore: %v", err)
	}
}

// Two restores of one server cannot run at once.
func TestOneRestorePerServer(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Minute, RestoreDelay: time.Second})
	if _, err := safeRestore(f, t, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := safeRestore(f, t, 0); !errors.Is(err, restores.ErrAlreadyRunning) {
		t.Errorf("a second restore of the server: %v", err)
	}
}

// Lost answers are resolved by listing and by the server's status: one
// create and one restore are sent, and the restore still completes.
func TestSafeRestoreLostAnswers(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 2 * time.Second, RestoreDelay: 6 * time.Second})
	f.Sim.SetFault(simulator.Fault{Match: createKey, LoseAnswer: true, Times: 1})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 30*time.Second, func() bool {
		x, _ := f.Store.Restores().Get(context.Background(), r.ID)
		return x.Step == restores.StepSafety
	})
	f.Sim.SetFault(simulator.Fault{Match: restoreKey, LoseAnswer: true, Times: 1})
	end := ended(f, t, r.ID, time.Minute)
	if end.State != restores.Done {
		t.Errorf("restore ended %+v", end)
	}
	if _, n := first(f, createKey); n != 1 {
		t.Errorf("%d creates sent", n)
	}
	if _, n := first(f, restoreKey); n != 1 {
		t.Errorf("%d restores sent", n)
	}
}

// At 5 of 5 a safety snapshot needs a snapshot deleted first, chosen by the
// person: never the one being restored; the chosen one is deleted, then
// the safety snapshot taken, then the restore sent.
func TestSafeRestoreAtTheLimit(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 2 * time.Second, RestoreDelay: 2 * time.Second})
	for _, name := range []string{"a", "b", "c", "d"} {
		if err := f.Sim.AddSnapshot(f.Server, simulator.SnapshotSeed{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	var victim, pinned int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		switch s.Name {
		case "b":
			victim = s.ID
		case "c":
			pinned = s.ID
		}
	}
	if _, err := f.Marks.Snapshot(context.Background(), mark.Mark{Kind: activity.Pin, Actor: "bob", Token: servicestest.AliceToken,
		ServerID: f.Server, SnapshotID: pinned, Text: "golden"}); err != nil {
		t.Fatal(err)
	}
	plan, err := f.Restores.Plan(context.Background(), servicestest.AliceToken, f.Server, f.Snap)
	if err != nil || plan.FreeSlot || len(plan.Deletable) != 3 {
		t.Fatalf("plan %+v, %v; want the 3 snapshots neither restored nor pinned", plan, err)
	}
	for _, s := range plan.Deletable {
		if s.ID == f.Snap {
			t.Error("the snapshot being restored is offered for deletion")
		}
	}
	if _, err := safeRestore(f, t, 0); !errors.Is(err, dashboard.ErrNoFreeSlot) {
		t.Errorf("no slot, nothing chosen: %v", err)
	}
	if _, err := safeRestore(f, t, f.Snap); !errors.Is(err, dashboard.ErrBadDeleteChoice) {
		t.Errorf("deleting the snapshot being restored: %v", err)
	}
	if _, err := safeRestore(f, t, pinned); !errors.Is(err, dashboard.ErrBadDeleteChoice) {
		t.Errorf("deleting a pinned snapshot: %v", err)
	}
	if _, n := first(f, deleteKey); n != 0 {
		t.Fatalf("%d deletes before any confirmation", n)
	}
	r, err := safeRestore(f, t, victim)
	if err != nil {
		t.Fatal(err)
	}
	end := ended(f, t, r.ID, time.Minute)
	deleted, deletes := first(f, deleteKey)
	created, _ := first(f, createKey)
	if end.State != restores.Done || deletes != 1 || created.Before(deleted) {
		t.Errorf("restore %+v; %d deletes, the create at %s, the delete at %s", end, deletes, created, deleted)
	}
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.ID == victim {
			t.Error("the chosen snapshot is still there")
		}
	}
}

// A safety snapshot still in progress past the limit sends no restore, and
// the record says what state it was in.
func TestSafetySnapshotPastTheLimitSendsNoRestore(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Second, Now: now})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 30*time.Second, func() bool {
		x, _ := f.Store.Restores().Get(context.Background(), r.ID)
		return x.Step == restores.StepSafety
	})
	offset.Store(int64(restore.SafetyLimit + time.Minute))
	end := ended(f, t, r.ID, time.Minute)
	if end.State != restores.Failed || !strings.Contains(end.Detail, "was still in progress after 30 min, so nothing was restored") {
		t.Errorf("restore ended %+v", end)
	}
	if _, n := first(f, restoreKey); n != 0 {
		t.Errorf("%d restores sent", n)
	}
}

// A restore with a safety snapshot that ends is posted to the webhook once,
// with the person, the server and the outcome, and no token.
func TestSafeRestoreNotifies(t *testing.T) {
	t.Parallel()
	hook, received := servicestest.NewHook(t)
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 2 * time.Second, RestoreDelay: 2 * time.Second, Now: time.Now, Webhook: hook})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	ended(f, t, r.ID, time.Minute)
	wait.Until(t, 30*time.Second, func() bool { return len(received()) == 1 })
	// River holds every notice as delivered: nothing more comes.
	wait.Until(t, 30*time.Second, func() bool {
		return storetest.Jobs(t, f.Store, "notify_webhook", "available", "scheduled", "running", "retryable") == 0
	})
	bodies := received()
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"action":"restore with a safety snapshot"`) || !strings.Contains(bodies[0], `"person":"alice"`) ||
		!strings.Contains(bodies[0], `"outcome":"completed"`) || strings.Contains(bodies[0], servicestest.AliceToken) {
		t.Errorf("webhook got %q", bodies)
	}
}

// A restore's record, its row and its job are written together: when the
// job cannot be written, nothing is left behind (no record saying it
// started, no row holding the server) and nothing is sent.
func TestRestoreAndItsJobAreWrittenTogether(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Second})
	db := storetest.RawDB(t, f.Store)
	if _, err := db.Exec("ALTER TABLE river_job RENAME TO river_job_away"); err != nil {
		t.Fatal(err)
	}
	f.Sim.ResetCalls()
	_, err := safeRestore(f, t, 0)
	if _, rerr := db.Exec("ALTER TABLE river_job_away RENAME TO river_job"); rerr != nil {
		t.Fatal(rerr)
	}
	if ex := dashboard.Explain(context.Background(), f.Action(dashboard.Restore), err); err == nil || ex.Why != dashboard.NotSent {
		t.Fatalf("a restore whose job could not be written: %v (%+v)", err, ex)
	}
	if n := storetest.Count(t, f.Store, "SELECT COUNT(*) FROM restores"); n != 0 {
		t.Errorf("%d restore rows left behind", n)
	}
	if n := storetest.Count(t, f.Store, "SELECT COUNT(*) FROM activity WHERE action = 'restore'"); n != 0 {
		t.Errorf("%d restore records left behind", n)
	}
	if n := f.Sim.ChangingCalls(); n != 0 {
		t.Errorf("%d changing calls sent", n)
	}
}

// The moment the restore is sent, a page watching the server can be answered
// "restoring" from the store: the restore's own answer is kept for the
// pages (live.Seeing), before any follower gets the server's status (here
// VPS.org cannot tell it).
func TestSentRestoreIsKeptForThePages(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Hour})
	r, err := safeRestore(f, t, 0)
	if err != nil {
		t.Fatal(err)
	}
	// From now, well before the safety snapshot's second is up (the start
	// reads the status: a restoring server is waited for).
	f.Sim.SetFault(simulator.Fault{Match: "GET /api/v1/servers/{id}/", Status: http.StatusServiceUnavailable})
	ctx := context.Background()
	wait.Until(t, 30*time.Second, func() bool {
		got, err := f.Store.Restores().Get(ctx, r.ID)
		return err == nil && !got.RestoreSent.IsZero()
	})
	view, ok, err := f.Store.ServerViews().Get(ctx, f.Server)
	if err != nil || !ok || view.Status != "restoring" {
		t.Errorf("once the restore is sent, the store says the server is %q (kept: %v, %v); want restoring", view.Status, ok, err)
	}
}
