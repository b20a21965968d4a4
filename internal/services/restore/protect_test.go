package restore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// What must not be deleted is one rule (dashboard.Protection); a restore
// that makes room asks it when it offers, when it starts and when its job
// deletes.

// The snapshot a plain restore Snapdash sent reads from, while its server
// restores, is not offered to make room for another restore's safety
// snapshot, and is refused when chosen: the restore asks the one rule of
// what must not be deleted, as every other path does. The start is refused
// sooner, the server being seen restoring, or, without a Servers API
// (VPS.org answers 404 for a server), a restore of it being still open.
func TestRestoreDoesNotDeleteWhatAnotherRestoreReads(t *testing.T) {
	t.Parallel()
	for _, serversAPI := range []bool{true, false} {
		t.Run(fmt.Sprintf("servers API %v", serversAPI), func(t *testing.T) {
			t.Parallel()
			f, source := fullTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour})
			plain := f.Action(dashboard.Restore)
			plain.SnapshotID, plain.SnapshotName = source, "a"
			if _, err := f.Dash.Act(context.Background(), plain); err != nil {
				t.Fatal(err)
			}
			if !serversAPI {
				f.Sim.SetFault(simulator.Fault{Match: "GET /api/v1/servers/{id}/", Status: http.StatusNotFound})
			}
			plan, err := f.Restores.Plan(context.Background(), servicestest.AliceToken, f.Server, f.Snap)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range plan.Deletable {
				if s.ID == source {
					t.Errorf("the snapshot the server is restoring from is offered for deletion: %+v", plan.Deletable)
				}
			}
			if _, err := safeRestore(f, t, source); !errors.Is(err, restores.ErrAlreadyRunning) {
				t.Errorf("deleting the snapshot the server is restoring from: %v", err)
			}
			if _, n := first(f, deleteKey); n != 0 {
				t.Errorf("%d deletes sent", n)
			}
		})
	}
}

// The job asks the rule again just before it deletes: a snapshot that a
// plain restore began reading from after the choice was made is not
// deleted, the record says why, and nothing more is sent. One Snapdash
// refuses that plain restore while the job runs (below); two replicas can
// still race, each checking before the other wrote: that is staged here
// by writing the other replica's record and sending its restore. VPS.org
// has no Servers API here: with one, the job sees the server restoring and
// stops sooner (TestRoomJobLooksBeforeItDeletes); without, only the rule
// can tell.
func TestRestoreJobAsksTheRuleBeforeItDeletes(t *testing.T) {
	t.Parallel()
	f, victim := fullTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true})
	r, err := safeRestore(f, t, victim)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := f.Store.Activity().Add(ctx, activity.Record{Time: time.Now(), Actor: "bob", Action: dashboard.Restore, ServerID: f.Server,
		ServerName: "web-server-01", SnapshotID: victim, SnapshotName: "a", Outcome: activity.Started}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.API.RestoreSnapshot(ctx, servicestest.AliceToken, victim); err != nil {
		t.Fatal(err)
	}
	f.Sim.SetFault(simulator.Fault{Match: "GET /api/v1/servers/{id}/", Status: http.StatusNotFound})
	before := map[string]int{}
	for _, key := range []string{deleteKey, createKey, restoreKey} {
		_, before[key] = first(f, key)
	}
	if _, err := f.Restores.Advance(ctx, r.ID, servicestest.AliceToken); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Store.Restores().Get(ctx, r.ID)
	if got.State == restores.Running || !strings.Contains(got.Detail, "used by a running restore") {
		t.Errorf("the restore went on or did not say why: %s, %q", got.State, got.Detail)
	}
	langs, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if ca := langs.For("ca").Word(got.Detail); !strings.Contains(ca, "no s’ha suprimit") || strings.Contains(ca, "used by") {
		t.Errorf("said in Catalan as %q", ca)
	}
	for key, n := range before {
		if _, after := first(f, key); after != n {
			t.Errorf("%d calls %s after the snapshot came into use", after-n, key)
		}
	}
}

// One restore of a server at a time, whichever way it is asked: a plain
// restore (a confirmation opened before a teammate's restore with a safety
// snapshot started) is refused while that job runs, and nothing is sent.
func TestPlainRestoreWaitsForTheRunningOne(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true})
	if _, err := safeRestore(f, t, 0); err != nil {
		t.Fatal(err)
	}
	_, sent := first(f, restoreKey)
	_, err := f.Restores.Restore(context.Background(), f.Action(dashboard.Restore))
	if !errors.Is(err, restores.ErrAlreadyRunning) {
		t.Errorf("a plain restore while one runs: %v", err)
	}
	if ex := dashboard.Explain(context.Background(), f.Action(dashboard.Restore), err); !strings.Contains(ex.Text, "already running, so nothing was sent") {
		t.Errorf("said as %q", ex.Text)
	}
	if _, n := first(f, restoreKey); n != sent {
		t.Errorf("%d restores sent", n-sent)
	}
}

// And the other way round: while the server restores (a plain restore a
// teammate sent), a restore with a safety snapshot is refused before it
// snapshots, deletes or restores anything.
func TestSafeRestoreWaitsForARestoringServer(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true})
	f.Act(t, dashboard.Restore)
	_, created := first(f, createKey)
	if _, err := safeRestore(f, t, 0); !errors.Is(err, restores.ErrAlreadyRunning) {
		t.Errorf("a restore with a safety snapshot of a restoring server: %v", err)
	}
	if running, err := f.Store.Restores().Running(context.Background(), []int64{f.Server}); err != nil || len(running) != 0 {
		t.Errorf("a job was started: %+v, %v", running, err)
	}
	if _, n := first(f, createKey); n != created {
		t.Errorf("%d snapshots created", n-created)
	}
}

// A single delete asks the one rule when it is sent, inside the guard, not
// only when its dialog was read: a snapshot that a restore job began reading
// from after the person confirmed is not deleted, nothing reaches VPS.org,
// the person is told why, and Activity keeps the refusal.
func TestSingleDeleteAsksTheRuleWhenSent(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true})
	if _, err := safeRestore(f, t, 0); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	del := f.Action(dashboard.Delete) // the restore's source, f.Snap
	_, err := f.Dash.Act(ctx, del)
	if !errors.Is(err, dashboard.ErrInUse) {
		t.Fatalf("deleting the snapshot a restore reads from: %v, want %v", err, dashboard.ErrInUse)
	}
	if _, n := first(f, deleteKey); n != 0 {
		t.Errorf("%d deletes sent", n)
	}
	if ex := dashboard.Explain(ctx, del, err); ex.Why != dashboard.NotSent || ex.Reason != dashboard.ReasonConflict ||
		!strings.Contains(ex.Text, "used by a running restore") {
		t.Errorf("told %+v", ex)
	}
	recs, err := f.Store.Activity().Recent(ctx, 1)
	if err != nil || len(recs) != 1 || recs[0].Action != dashboard.Delete || recs[0].Outcome != activity.Refused ||
		!strings.Contains(recs[0].Detail, "used by a running restore") {
		t.Errorf("Activity keeps %+v (%v)", recs, err)
	}
}

// A single delete fails closed: when the pins cannot be read nothing is
// sent, and the person is told it was Snapdash's store, not VPS.org.
func TestSingleDeleteFailsClosed(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{})
	db, err := sql.Open("sqlite", store.SQLiteDSN(f.Store.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("ALTER TABLE pins RENAME TO away"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	del := f.Action(dashboard.Delete)
	_, err = f.Dash.Act(ctx, del)
	if !errors.Is(err, dashboard.ErrUnprotected) {
		t.Fatalf("deleting with the pins unreadable: %v", err)
	}
	if _, n := first(f, deleteKey); n != 0 {
		t.Errorf("%d deletes sent", n)
	}
	if ex := dashboard.Explain(ctx, del, err); ex.Reason != dashboard.ReasonUnavailable || !strings.Contains(ex.Text, "could not read its pins") {
		t.Errorf("told %+v", ex)
	}
}

// A restore is not sent when Snapdash cannot read whether a restore
// of the server is running, and the person is told it was Snapdash's
// database, not VPS.org, that did not answer.
func TestRestoreWhenRunningRestoresCannotBeRead(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{})
	db, err := sql.Open("sqlite", store.SQLiteDSN(f.Store.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("ALTER TABLE restores RENAME TO away"); err != nil {
		t.Fatal(err)
	}
	ex, err := f.Try(dashboard.Restore)
	if err == nil || ex.Reason != dashboard.ReasonUnavailable || !strings.Contains(ex.Text, "database") {
		t.Errorf("told %+v (%v)", ex, err)
	}
	a := f.Action(dashboard.Restore)
	a.Safety = true
	_, err = f.Restores.Restore(context.Background(), a)
	if ex := dashboard.Explain(context.Background(), a, err); err == nil || ex.Reason != dashboard.ReasonUnavailable || !strings.Contains(ex.Text, "database") {
		t.Errorf("with a safety snapshot, told %+v (%v)", ex, err)
	}
	if _, n := first(f, restoreKey); n != 0 {
		t.Errorf("%d restores sent", n)
	}
}
