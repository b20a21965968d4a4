package bulkdelete_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertest"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/services/bulkdelete"
	"github.com/snapdash/snapdash/internal/services/fleet"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A bulk delete resumed by another replica deletes nothing twice: an item
// left "sending" is looked for first; one already gone is not sent again.
func TestBulkDeleteResumesWithoutDeletingTwice(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Second})
	for _, name := range []string{"a", "b"} {
		if err := f.Sim.AddSnapshot(f.Server, simulator.SnapshotSeed{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		ids[s.Name] = s.ID
	}
	ctx := context.Background()
	id, err := f.Store.Bulk().Add(ctx, bulk.Delete{Actor: "alice", Started: time.Now(), Items: []bulk.Item{
		{SnapshotID: ids["a"], ServerID: f.Server, ServerName: "web-server-01", SnapshotName: "a"},
		{SnapshotID: ids["b"], ServerID: f.Server, ServerName: "web-server-01", SnapshotName: "b"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// A replica recorded both as sending and died: "a" had been deleted, "b" not.
	for _, name := range []string{"a", "b"} {
		if _, err := f.Store.Bulk().Move(ctx, id, ids[name], bulk.Pending, bulk.Sending, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.API.DeleteSnapshot(ctx, servicestest.AliceToken, ids["a"]); err != nil {
		t.Fatal(err)
	}
	f.Sim.ResetCalls()
	advanceAll(t, f, id)
	b, _ := f.Store.Bulk().Get(ctx, id)
	if !b.Done || b.Counts()[bulk.Deleted] != 2 {
		t.Errorf("bulk %+v", b)
	}
	if n := f.Sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 1 {
		t.Errorf("%d deletes sent on resume, want 1 (only b)", n)
	}
}

// VPS.org refusing one delete of a bulk delete does not stop the others.
func TestBulkDeleteGoesOnPastARefusal(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Second})
	for _, name := range []string{"a", "b"} {
		if err := f.Sim.AddSnapshot(f.Server, simulator.SnapshotSeed{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		ids[s.Name] = s.ID
	}
	ctx := context.Background()
	id, err := f.Store.Bulk().Add(ctx, bulk.Delete{Actor: "alice", Started: time.Now(), Items: []bulk.Item{
		{SnapshotID: ids["a"], ServerID: f.Server, ServerName: "web-server-01", SnapshotName: "a"},
		{SnapshotID: ids["b"], ServerID: f.Server, ServerName: "web-server-01", SnapshotName: "b"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.Sim.SetFault(simulator.Fault{Match: "DELETE /api/v1/snapshots/{id}/", Status: 400, Times: 1})
	advanceAll(t, f, id)
	b, _ := f.Store.Bulk().Get(ctx, id)
	n := b.Counts()
	if !b.Done || n[bulk.Failed] != 1 || n[bulk.Deleted] != 1 {
		t.Errorf("bulk %+v", b)
	}
}

// advanceAll runs a bulk delete's steps, as its job would, to the end.
func advanceAll(t *testing.T, f *servicestest.Team, id int64) {
	t.Helper()
	for range 10 {
		next, err := f.Bulk.Advance(context.Background(), id, servicestest.AliceToken)
		if err != nil {
			t.Fatal(err)
		}
		if next.Done {
			return
		}
	}
	t.Fatal("the bulk delete did not end in 10 steps")
}

// A snapshot a running restore uses cannot be part of a bulk delete: the
// plan leaves it out, saying why.
func TestBulkDeleteLeavesOutASnapshotInUse(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Second})
	if err := f.Sim.AddSnapshot(f.Server, simulator.SnapshotSeed{Name: "spare"}); err != nil {
		t.Fatal(err)
	}
	var spare int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "spare" {
			spare = s.ID
		}
	}
	ctx := context.Background()
	if _, err := f.Store.Restores().Add(ctx, restores.Restore{Actor: "bob", ServerID: f.Server, ServerName: "web-server-01", SnapshotID: f.Snap,
		SnapshotName: "pre-migration-snapshot", SafetyName: "before-restore-x", Step: restores.StepSafety, Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	c, err := f.Bulk.Plan(ctx, servicestest.AliceToken, []int64{f.Snap, spare})
	if err != nil {
		t.Fatal(err)
	}
	if c.Refused[f.Snap] != "used by a running restore" || c.Refused[spare] != "" {
		t.Errorf("refused %v", c.Refused)
	}
}

// The one rule of what must not be deleted counts a plain restore's
// snapshot (no job, the server restoring) on every path: the table, the
// bulk plan and each bulk delete.
func TestAPlainRestoresSnapshotIsKeptByEveryPath(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Hour})
	f.Act(t, dashboard.Restore) // plain: no safety snapshot
	ctx := context.Background()
	fl, err := f.Fleet.Table(ctx, servicestest.AliceToken, fleet.Query{Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range fl.Rows {
		if r.ID == f.Snap && fleet.LockedWhy(r) != "used by a running restore" {
			t.Errorf("the table says %q of the snapshot being restored", fleet.LockedWhy(r))
		}
	}
	c, err := f.Bulk.Plan(ctx, servicestest.AliceToken, []int64{f.Snap})
	if err != nil {
		t.Fatal(err)
	}
	if c.Refused[f.Snap] != "used by a running restore" {
		t.Errorf("the plan refuses %v", c.Refused)
	}
	id := f.AddBulk(t, f.Snap, "pre-migration-snapshot")
	f.Sim.ResetCalls()
	advanceAll(t, f, id)
	b, _ := f.Store.Bulk().Get(ctx, id)
	if b.Counts()[bulk.Refused] != 1 || f.Sim.Calls("DELETE /api/v1/snapshots/{id}/") != 0 {
		t.Errorf("the snapshot being restored: %+v, %d deletes sent", b.Items, f.Sim.Calls("DELETE /api/v1/snapshots/{id}/"))
	}
}

// The rule fails closed: when the pins or the running restores cannot be
// read, a bulk delete deletes nothing and says why, and the table lets
// nothing be selected.
func TestUnreadableRulesDeleteNothing(t *testing.T) {
	t.Parallel()
	for _, table := range []string{"pins", "restores"} {
		t.Run(table, func(t *testing.T) {
			t.Parallel()
			f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Second})
			ctx := context.Background()
			id := f.AddBulk(t, f.Snap, "pre-migration-snapshot")
			db, err := sql.Open("sqlite", store.SQLiteDSN(f.Store.Path()))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("ALTER TABLE " + table + " RENAME TO away"); err != nil {
				t.Fatal(err)
			}
			fl, err := f.Fleet.Table(ctx, servicestest.AliceToken, fleet.Query{Page: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range fl.Rows {
				if fleet.LockedWhy(r) == "" {
					t.Errorf("%s can be selected while the rules cannot be read", r.Name)
				}
			}
			f.Sim.ResetCalls()
			advanceAll(t, f, id)
			b, _ := f.Store.Bulk().Get(ctx, id)
			if n := f.Sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 0 || b.Counts()[bulk.Refused] != 1 ||
				!strings.Contains(b.Items[0].Detail, "could not read its pins and running restores") {
				t.Errorf("%d deletes sent; items %+v", n, b.Items)
			}
		})
	}
}

// Just before each delete, a bulk delete checks again that the snapshot was
// not pinned since the plan was made: a pending one, and one resumed at
// "sending" (its DELETE got no answer, or a replica died) and still listed.
func TestBulkDeleteChecksPinsBeforeEachDelete(t *testing.T) {
	t.Parallel()
	for _, resumed := range []bool{false, true} {
		t.Run(fmt.Sprintf("resumed %v", resumed), func(t *testing.T) {
			t.Parallel()
			f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Second})
			ctx := context.Background()
			c, err := f.Bulk.Plan(ctx, servicestest.AliceToken, []int64{f.Snap})
			if err != nil || len(c.Rows) != 1 {
				t.Fatalf("plan %+v, %v", c, err)
			}
			id := f.AddBulk(t, f.Snap, "pre-migration-snapshot")
			if resumed {
				if _, err := f.Store.Bulk().Move(ctx, id, f.Snap, bulk.Pending, bulk.Sending, ""); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.Store.Marks().Pin(ctx, marks.Pin{SnapshotID: f.Snap, ServerID: f.Server, Actor: "bob", Reason: "keep", At: time.Now()}); err != nil {
				t.Fatal(err)
			}
			f.Sim.ResetCalls()
			advanceAll(t, f, id)
			b, _ := f.Store.Bulk().Get(ctx, id)
			if b.Items[0].State != bulk.Refused || !strings.Contains(b.Items[0].Detail, "pinned by bob meanwhile") {
				t.Errorf("the item: %+v", b.Items[0])
			}
			langs, err := i18n.Load()
			if err != nil {
				t.Fatal(err)
			}
			if ca := langs.For("ca").Word(b.Items[0].Detail); ca != "fixada per bob mentrestant" {
				t.Errorf("said in Catalan as %q", ca)
			}
			if n := f.Sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 0 {
				t.Errorf("%d deletes sent for a snapshot pinned meanwhile", n)
			}
		})
	}
}

// A snapshot someone deleted elsewhere before the bulk delete reached it is
// gone, as asked, but not by this delete: the item and Activity say it was
// already gone, not that Snapdash deleted it.
func TestBulkDeleteSaysWhatWasAlreadyGone(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Second})
	ctx := context.Background()
	id := f.AddBulk(t, f.Snap, "pre-migration-snapshot")
	if err := f.API.DeleteSnapshot(ctx, servicestest.AliceToken, f.Snap); err != nil {
		t.Fatal(err)
	}
	advanceAll(t, f, id)
	b, _ := f.Store.Bulk().Get(ctx, id)
	if b.Items[0].State != bulk.Deleted || !strings.Contains(b.Items[0].Detail, "already gone") {
		t.Errorf("the item: %+v", b.Items[0])
	}
	recs, err := f.Store.Activity().Recent(ctx, 1)
	if err != nil || len(recs) != 1 || !strings.Contains(recs[0].Detail, "already gone") {
		t.Errorf("Activity keeps %+v (%v)", recs, err)
	}
}

// The worker, worked by hand (rivertest, no River timers): each run of the
// job deletes one snapshot, recorded, and snoozes; the run that finds
// nothing left ends the bulk delete, completes the job and erases its
// token. A snapshot already gone counts as deleted, without a second try.
func TestBulkDeleteWorkerDeletesOneSnapshotAStep(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, DatabaseURL: pgtest.Start(t).URL, Idle: true})
	ctx := context.Background()
	id, err := f.Store.Bulk().Add(ctx, bulk.Delete{Actor: "alice", Started: time.Now(), Items: []bulk.Item{
		{SnapshotID: f.Snap, ServerID: f.Server, ServerName: "web-server-01", SnapshotName: "pre-migration-snapshot"},
		{SnapshotID: 999999, ServerID: f.Server, ServerName: "web-server-01", SnapshotName: "gone-already"}}})
	if err != nil {
		t.Fatal(err)
	}
	var args bulkdelete.BulkDeleteArgs
	p := jobs.Person{Session: servicestest.AliceSession, Token: servicestest.AliceToken, BulkID: id, Life: time.Hour}
	if err := f.Jobs.InsertWithToken(ctx, p, func(key string) (river.JobArgs, *river.InsertOpts) {
		args = bulkdelete.BulkDeleteArgs{BulkID: id, TokenKey: key}
		return args, nil
	}); err != nil {
		t.Fatal(err)
	}
	w := rivertest.NewWorker(t, riverdatabasesql.New(f.Store.DB()), &river.Config{}, &bulkdelete.BulkDeleteWorker{Service: f.Bulk})
	tx, err := f.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // the test's jobs go with it
	f.Sim.ResetCalls()
	for i, want := range []struct {
		event   river.EventKind
		deletes int
		states  []string
	}{
		{river.EventKindJobSnoozed, 1, []string{bulk.Deleted, bulk.Pending}},
		{river.EventKindJobSnoozed, 2, []string{bulk.Deleted, bulk.Deleted}},
		{river.EventKindJobCompleted, 2, []string{bulk.Deleted, bulk.Deleted}},
	} {
		res, err := w.Work(ctx, t, tx, args, nil)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		b, err := f.Store.Bulk().Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, it := range b.Items {
			states = append(states, it.State)
		}
		if res.EventKind != want.event || f.Sim.Calls("DELETE /api/v1/snapshots/{id}/") != want.deletes || !slices.Equal(states, want.states) {
			t.Errorf("run %d: %s, %d deletes, items %q; want %s, %d, %q", i+1, res.EventKind, f.Sim.Calls("DELETE /api/v1/snapshots/{id}/"), states,
				want.event, want.deletes, want.states)
		}
		if want.event == river.EventKindJobCompleted && !b.Done {
			t.Error("the bulk delete is not marked done")
		}
	}
	if n := storetest.Count(t, f.Store, "SELECT COUNT(*) FROM job_tokens"); n != 0 {
		t.Errorf("%d tokens kept after the bulk delete ended", n)
	}
}
