package restore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// fullTeam is a Team whose server holds 5 of 5 snapshots: the seeded one and
// a, b, c, d; it returns a's id.
func fullTeam(t *testing.T, o servicestest.TeamOptions) (*servicestest.Team, int64) {
	t.Helper()
	f := servicestest.NewTeam(t, o)
	for _, name := range []string{"a", "b", "c", "d"} {
		if err := f.Sim.AddSnapshot(f.Server, simulator.SnapshotSeed{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	var a int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "a" {
			a = s.ID
		}
	}
	return f, a
}

// makeRoom asks for a new snapshot "nightly" deleting deleteFirst first.
func makeRoom(f *servicestest.Team, deleteFirst int64) (dashboard.Result, error) {
	a := f.Action(dashboard.Create)
	a.DeleteFirst = deleteFirst
	return f.Restores.Create(context.Background(), a)
}

// VPS.org takes no snapshot of a server while it restores: a new snapshot
// that deletes one to make room would lose that one for nothing. Asked
// while the server restores, it is refused with nothing deleted.
// Without a Servers API the status cannot tell; a restore Snapdash sent
// that is still open (it may run for vpsapi.RestoreTakes) does.
func TestNoRoomIsMadeWhileTheServerRestores(t *testing.T) {
	t.Parallel()
	for _, serversAPI := range []bool{true, false} {
		t.Run(fmt.Sprintf("servers API %v", serversAPI), func(t *testing.T) {
			t.Parallel()
			f, a := fullTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour})
			if !serversAPI {
				f.Sim.SetFault(simulator.Fault{Match: "GET /api/v1/servers/{id}/", Status: http.StatusNotFound})
			}
			f.Act(t, dashboard.Restore)
			if _, err := makeRoom(f, a); !errors.Is(err, restores.ErrAlreadyRunning) {
				t.Errorf("making room on a restoring server: %v", err)
			}
			if _, err := safeRestore(f, t, a); !errors.Is(err, restores.ErrAlreadyRunning) {
				t.Errorf("a safe restore of a restoring server: %v", err)
			}
			if _, n := first(f, deleteKey); n != 0 {
				t.Errorf("%d deletes sent", n)
			}
		})
	}
}

// The server may begin restoring after the choice (from VPS.org's console):
// the job looks before it deletes, and deletes nothing.
func TestRoomJobLooksBeforeItDeletes(t *testing.T) {
	t.Parallel()
	f, a := fullTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true})
	res, err := makeRoom(f, a)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := f.API.RestoreSnapshot(ctx, servicestest.AliceToken, f.Snap); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Restores.Advance(ctx, res.SafeRestore.ID, servicestest.AliceToken); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Store.Restores().Get(ctx, res.SafeRestore.ID)
	if got.State == restores.Running {
		t.Errorf("the job goes on: %+v", got)
	}
	if _, n := first(f, deleteKey); n != 0 {
		t.Errorf("%d deletes sent while the server restores", n)
	}
}

// A delete step found again after its DELETE went through (a replica died
// before recording it) does not ask what may be deleted, and never ends
// saying the snapshot was not deleted: the list shows it gone, and the job
// moves on to the snapshot. Here the server has meanwhile begun restoring
// too, which would have stopped a delete not yet sent.
func TestResumedDeleteStepTellsWhatHappened(t *testing.T) {
	t.Parallel()
	f, a := fullTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true})
	res, err := makeRoom(f, a)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.API.DeleteSnapshot(ctx, servicestest.AliceToken, a); err != nil { // the step's DELETE, its answer lost
		t.Fatal(err)
	}
	if _, err := f.API.RestoreSnapshot(ctx, servicestest.AliceToken, f.Snap); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Restores.Advance(ctx, res.SafeRestore.ID, servicestest.AliceToken); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Store.Restores().Get(ctx, res.SafeRestore.ID)
	if got.Step != restores.StepCreateSending || got.State != restores.Running {
		t.Errorf("after finding the snapshot already deleted: step %s, %s, %q; want the create next", got.Step, got.State, got.Detail)
	}
}

// While a new snapshot makes room on a server, a plain restore of it is
// refused (VPS.org would then refuse the snapshot, after its delete), and
// the words say what runs: not only "a restore".
func TestPlainRestoreWaitsForTheRoomBeingMade(t *testing.T) {
	t.Parallel()
	f, a := fullTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true})
	if _, err := makeRoom(f, a); err != nil {
		t.Fatal(err)
	}
	_, sent := first(f, restoreKey)
	restore := f.Action(dashboard.Restore)
	_, err := f.Restores.Restore(context.Background(), restore)
	if ex := dashboard.Explain(context.Background(), restore, err); !errors.Is(err, restores.ErrAlreadyRunning) || !strings.Contains(ex.Text, "or a new snapshot making room on it") {
		t.Errorf("a plain restore while room is made: %v, said as %q", err, ex.Text)
	}
	if _, n := first(f, restoreKey); n != sent {
		t.Errorf("%d restores sent", n-sent)
	}
}

// A cancel that finds the delete step's DELETE already gone through (its
// answer lost) does not say nothing was deleted: the list tells, and the
// end names what was deleted. A cancel before any DELETE went out still
// says nothing was deleted.
func TestCancelAfterTheDeleteSaysWhatWasDeleted(t *testing.T) {
	t.Parallel()
	for _, sent := range []bool{false, true} {
		t.Run(fmt.Sprintf("delete sent %v", sent), func(t *testing.T) {
			t.Parallel()
			f, a := fullTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true})
			res, err := makeRoom(f, a)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			id := res.SafeRestore.ID
			if sent {
				f.Sim.SetFault(simulator.Fault{Match: deleteKey, LoseAnswer: true, Times: 1})
				if _, err := f.Restores.Advance(ctx, id, servicestest.AliceToken); err != nil {
					t.Fatal(err)
				}
				if got, _ := f.Store.Restores().Get(ctx, id); got.Step != restores.StepDeleteSending {
					t.Fatalf("the step after a lost answer: %s", got.Step)
				}
			}
			if _, err := f.Restores.Cancel(ctx, servicestest.AliceToken, f.Server, id); err != nil {
				t.Fatal(err)
			}
			if _, err := f.Restores.Advance(ctx, id, servicestest.AliceToken); err != nil {
				t.Fatal(err)
			}
			end, _ := f.Store.Restores().Get(ctx, id)
			words, _ := end.EndWords(nil)
			said := strings.Contains(words, "nothing was deleted")
			if end.State == restores.Running || said == sent || sent && !strings.Contains(words, "a was deleted") {
				t.Errorf("cancelled with the delete sent %v: %s, %q", sent, end.State, words)
			}
		})
	}
}
