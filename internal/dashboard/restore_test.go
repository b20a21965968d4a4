package dashboard_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

const (
	createKey  = "POST /api/v1/snapshots/"
	restoreKey = "POST /api/v1/snapshots/{id}/restore/"
	deleteKey  = "DELETE /api/v1/snapshots/{id}/"
)

// safeRestore asks for a restore of the seeded snapshot with a safety
// snapshot first, deleting deleteFirst to free a slot when not 0.
func (f *following) safeRestore(t *testing.T, deleteFirst int64) (restores.Restore, error) {
	t.Helper()
	res, err := f.dash.Act(context.Background(), dashboard.Action{
		Kind: dashboard.Restore, Actor: "alice", Token: aliceToken, Session: "alice-session", FormID: dashboard.NewFormID(),
		ServerID: f.server, ServerName: "web-server-01", SnapshotID: f.snap, SnapshotName: "pre-migration-snapshot",
		Safety: true, DeleteFirst: deleteFirst,
	})
	return res.SafeRestore, err
}

// ended waits for the restore to end.
func (f *following) ended(t *testing.T, id int64, within time.Duration) restores.Restore {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r, err := f.st.Restores().Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != restores.Running {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("restore still running after %s: %+v", within, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// first is when the simulator first received key, and how many times.
func (f *following) first(key string) (time.Time, int) {
	var at time.Time
	n := 0
	for _, r := range f.sim.Requests() {
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
	f := newFollowing(t, 3*time.Second, 3*time.Second)
	r, err := f.safeRestore(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.SafetyName, "before-restore-") {
		t.Errorf("safety snapshot named %q", r.SafetyName)
	}
	end := f.ended(t, r.ID, time.Minute)
	if end.State != restores.Done || end.SafetyDone.IsZero() || end.RestoreSent.Before(end.SafetyDone) {
		t.Errorf("restore ended %+v", end)
	}
	created, creates := f.first(createKey)
	restored, restoresSent := f.first(restoreKey)
	if creates != 1 || restoresSent != 1 {
		t.Fatalf("%d creates and %d restores sent, want one each", creates, restoresSent)
	}
	if restored.Sub(created) < 3*time.Second {
		t.Errorf("the restore was sent %s after the safety snapshot's create: before it could complete", restored.Sub(created))
	}
	var safety *simulator.SnapshotState
	for _, s := range f.sim.Snapshots(aliceToken) {
		if s.Name == r.SafetyName {
			safety = &s
		}
	}
	if safety == nil || safety.Status != "completed" {
		t.Errorf("the safety snapshot: %+v", safety)
	}
	rec := f.final(t, time.Second)
	if rec.Final != activity.Completed || !strings.Contains(rec.Detail, r.SafetyName) {
		t.Errorf("record %+v", rec)
	}
}

// A safety snapshot that fails sends no restore, and says so.
func TestFailedSafetySnapshotSendsNoRestore(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, 2*time.Second, time.Second)
	f.sim.FailSnapshotsNamed("before-restore-")
	r, err := f.safeRestore(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	end := f.ended(t, r.ID, time.Minute)
	if end.State != restores.Failed || !strings.Contains(end.Detail, "failed, so nothing was restored") {
		t.Errorf("restore ended %+v", end)
	}
	if _, n := f.first(restoreKey); n != 0 {
		t.Errorf("%d restores sent after the safety snapshot failed", n)
	}
	if rec := f.final(t, time.Second); rec.Final != activity.Failed {
		t.Errorf("record %+v", rec)
	}
}

// VPS.org refusing the restore is recorded in its words; the safety
// snapshot stays.
func TestRefusedRestoreKeepsTheSafetySnapshot(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, 2*time.Second, time.Second)
	f.sim.SetFault(simulator.Fault{Match: restoreKey, Status: 400})
	r, err := f.safeRestore(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	end := f.ended(t, r.ID, time.Minute)
	if end.State != restores.Failed || !strings.Contains(end.Detail, "VPS.org refused the restore") || !strings.Contains(end.Detail, r.SafetyName+" stays") {
		t.Errorf("restore ended %+v", end)
	}
	if _, n := f.first(restoreKey); n != 1 {
		t.Errorf("%d restores sent, want the one refused", n)
	}
	if len(f.sim.Snapshots(aliceToken)) != 2 {
		t.Error("the safety snapshot did not stay")
	}
}

// Cancelled while the safety snapshot is taken: no restore is sent; once
// the restore is sent, cancelling is refused.
func TestCancelBeforeTheRestore(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, 5*time.Second, time.Second)
	r, err := f.safeRestore(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { // the safety snapshot is in progress
		x, _ := f.st.Restores().Get(context.Background(), r.ID)
		return x.Step == restores.StepSafety
	})
	if err := f.dash.CancelRestore(context.Background(), aliceToken, f.server+1, r.ID); !errors.Is(err, restores.ErrNotFound) {
		t.Errorf("cancel naming another server: %v", err)
	}
	f.sim.AddAccount("tok_mallory", simulator.ServerSeed{Name: "mallorys"})
	if err := f.dash.CancelRestore(context.Background(), "tok_mallory", f.server, r.ID); !errors.Is(err, restores.ErrNotFound) {
		t.Errorf("cancel by someone who cannot see the server: %v", err)
	}
	if err := f.dash.CancelRestore(context.Background(), aliceToken, f.server, r.ID); err != nil {
		t.Fatal(err)
	}
	end := f.ended(t, r.ID, time.Minute)
	if end.State != restores.Cancelled || !strings.Contains(end.Detail, "stays") {
		t.Errorf("restore ended %+v", end)
	}
	// The job has ended and erased its token: nothing more can be sent.
	waitUntil(t, func() bool { return jobTokenCount(t, f) == 0 })
	if _, n := f.first(restoreKey); n != 0 {
		t.Errorf("%d restores sent after a cancel", n)
	}
	if err := f.dash.CancelRestore(context.Background(), aliceToken, f.server, r.ID); !errors.Is(err, restores.ErrTooLate) {
		t.Errorf("cancel of an ended restore: %v", err)
	}
}

// Two restores of one server cannot run at once.
func TestOneRestorePerServer(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, time.Minute, time.Second)
	if _, err := f.safeRestore(t, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.safeRestore(t, 0); !errors.Is(err, restores.ErrAlreadyRunning) {
		t.Errorf("a second restore of the server: %v", err)
	}
}

// Lost answers are resolved by listing and by the server's status: one
// create and one restore are sent, and the restore still completes.
func TestSafeRestoreLostAnswers(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, 2*time.Second, 6*time.Second)
	f.sim.SetFault(simulator.Fault{Match: createKey, LoseAnswer: true, Times: 1})
	r, err := f.safeRestore(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool {
		x, _ := f.st.Restores().Get(context.Background(), r.ID)
		return x.Step == restores.StepSafety
	})
	f.sim.SetFault(simulator.Fault{Match: restoreKey, LoseAnswer: true, Times: 1})
	end := f.ended(t, r.ID, time.Minute)
	if end.State != restores.Done {
		t.Errorf("restore ended %+v", end)
	}
	if _, n := f.first(createKey); n != 1 {
		t.Errorf("%d creates sent", n)
	}
	if _, n := f.first(restoreKey); n != 1 {
		t.Errorf("%d restores sent", n)
	}
}

// At 5 of 5 a safety snapshot needs a snapshot deleted first, chosen by the
// person: never the one being restored; the chosen one is deleted, then
// the safety snapshot taken, then the restore sent.
func TestSafeRestoreAtTheLimit(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, 2*time.Second, 2*time.Second)
	for _, name := range []string{"a", "b", "c", "d"} {
		if err := f.sim.AddSnapshot(f.server, simulator.SnapshotSeed{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	var victim, pinned int64
	for _, s := range f.sim.Snapshots(aliceToken) {
		switch s.Name {
		case "b":
			victim = s.ID
		case "c":
			pinned = s.ID
		}
	}
	if _, err := f.dash.MarkSnapshot(context.Background(), dashboard.Mark{Kind: activity.Pin, Actor: "bob", Token: aliceToken,
		ServerID: f.server, SnapshotID: pinned, Text: "golden"}); err != nil {
		t.Fatal(err)
	}
	plan, err := f.dash.PlanRestore(context.Background(), aliceToken, f.server, f.snap)
	if err != nil || plan.FreeSlot || len(plan.Deletable) != 3 {
		t.Fatalf("plan %+v, %v; want the 3 snapshots neither restored nor pinned", plan, err)
	}
	for _, s := range plan.Deletable {
		if s.ID == f.snap {
			t.Error("the snapshot being restored is offered for deletion")
		}
	}
	if _, err := f.safeRestore(t, 0); !errors.Is(err, dashboard.ErrNoFreeSlot) {
		t.Errorf("no slot, nothing chosen: %v", err)
	}
	if _, err := f.safeRestore(t, f.snap); !errors.Is(err, dashboard.ErrBadDeleteChoice) {
		t.Errorf("deleting the snapshot being restored: %v", err)
	}
	if _, err := f.safeRestore(t, pinned); !errors.Is(err, dashboard.ErrBadDeleteChoice) {
		t.Errorf("deleting a pinned snapshot: %v", err)
	}
	if _, n := f.first(deleteKey); n != 0 {
		t.Fatalf("%d deletes before any confirmation", n)
	}
	r, err := f.safeRestore(t, victim)
	if err != nil {
		t.Fatal(err)
	}
	end := f.ended(t, r.ID, time.Minute)
	deleted, deletes := f.first(deleteKey)
	created, _ := f.first(createKey)
	if end.State != restores.Done || deletes != 1 || created.Before(deleted) {
		t.Errorf("restore %+v; %d deletes, the create at %s, the delete at %s", end, deletes, created, deleted)
	}
	for _, s := range f.sim.Snapshots(aliceToken) {
		if s.ID == victim {
			t.Error("the chosen snapshot is still there")
		}
	}
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A safety snapshot still in progress past the limit sends no restore, and
// the record says what state it was in.
func TestSafetySnapshotPastTheLimitSendsNoRestore(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	f := newFollowingAt(t, time.Hour, time.Second, now)
	r, err := f.safeRestore(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool {
		x, _ := f.st.Restores().Get(context.Background(), r.ID)
		return x.Step == restores.StepSafety
	})
	offset.Store(int64(dashboard.SafetyLimit + time.Minute))
	end := f.ended(t, r.ID, time.Minute)
	if end.State != restores.Failed || !strings.Contains(end.Detail, "was still in progress after 30 min, so nothing was restored") {
		t.Errorf("restore ended %+v", end)
	}
	if _, n := f.first(restoreKey); n != 0 {
		t.Errorf("%d restores sent", n)
	}
}

// A restore with a safety snapshot that ends is posted to the webhook once,
// with the person, the server and the outcome, and no token.
func TestSafeRestoreNotifies(t *testing.T) {
	t.Parallel()
	hook, received := newHook(t)
	f := newFollowingWith(t, 2*time.Second, 2*time.Second, time.Now, hook)
	r, err := f.safeRestore(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.ended(t, r.ID, time.Minute)
	waitUntil(t, func() bool { return len(received()) == 1 })
	// River holds every notice as delivered: nothing more comes.
	waitUntil(t, func() bool {
		return storetest.Jobs(t, f.st, "notify_webhook", "available", "scheduled", "running", "retryable") == 0
	})
	bodies := received()
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"action":"restore with a safety snapshot"`) || !strings.Contains(bodies[0], `"person":"alice"`) ||
		!strings.Contains(bodies[0], `"outcome":"completed"`) || strings.Contains(bodies[0], aliceToken) {
		t.Errorf("webhook got %q", bodies)
	}
}

// newHook is a webhook receiver: its address, and what it received so far.
func newHook(t *testing.T) (string, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, string(b))
	}))
	t.Cleanup(hook.Close)
	return hook.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(bodies)
	}
}
