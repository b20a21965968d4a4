package restore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// What must not be deleted is one rule (dashboard.Protection); a restore
// that makes room asks it when it offers, when it starts and when its job
// deletes.

// The snapshot a plain restore Snapdash sent reads from, while its server
// restores, is not offered to make room for another restore's safety
// snapshot, and is refused when chosen: the restore asks the one rule of
// what must not be deleted, as every other path does.
func TestRestoreDoesNotDeleteWhatAnotherRestoreReads(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour})
	for _, name := range []string{"a", "b", "c", "d"} {
		if err := f.Sim.AddSnapshot(f.Server, simulator.SnapshotSeed{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	var source int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "b" {
			source = s.ID
		}
	}
	plain := f.Action(dashboard.Restore)
	plain.SnapshotID, plain.SnapshotName = source, "b"
	if _, err := f.Dash.Act(context.Background(), plain); err != nil {
		t.Fatal(err)
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
	if _, err := safeRestore(f, t, source); !errors.Is(err, dashboard.ErrBadDeleteChoice) {
		t.Errorf("deleting the snapshot the server is restoring from: %v", err)
	}
	if _, n := first(f, deleteKey); n != 0 {
		t.Errorf("%d deletes sent", n)
	}
}

// The job asks the rule again just before it deletes: a snapshot that a
// plain restore began reading from after the choice was made (the server
// now restores from it) is not deleted, the record says why, and nothing
// more is sent.
func TestRestoreJobAsksTheRuleBeforeItDeletes(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true})
	for _, name := range []string{"a", "b", "c", "d"} {
		if err := f.Sim.AddSnapshot(f.Server, simulator.SnapshotSeed{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	var victim int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "a" {
			victim = s.ID
		}
	}
	r, err := safeRestore(f, t, victim)
	if err != nil {
		t.Fatal(err)
	}
	plain := f.Action(dashboard.Restore)
	plain.SnapshotID, plain.SnapshotName = victim, "a"
	if _, err := f.Dash.Act(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	before := map[string]int{}
	for _, key := range []string{deleteKey, createKey, restoreKey} {
		_, before[key] = first(f, key)
	}
	if _, err := f.Restores.Advance(context.Background(), r.ID, servicestest.AliceToken); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Store.Restores().Get(context.Background(), r.ID)
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
