package dashboard_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A bulk delete resumed by another replica deletes nothing twice: an item
// left "sending" is looked for first; one already gone is not sent again.
func TestBulkDeleteResumesWithoutDeletingTwice(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, time.Second, time.Second)
	for _, name := range []string{"a", "b"} {
		if err := f.sim.AddSnapshot(f.server, simulator.SnapshotSeed{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	for _, s := range f.sim.Snapshots(aliceToken) {
		ids[s.Name] = s.ID
	}
	ctx := context.Background()
	id, err := f.st.Bulk().Add(ctx, bulk.Delete{Actor: "alice", Started: time.Now(), Items: []bulk.Item{
		{SnapshotID: ids["a"], ServerID: f.server, ServerName: "web-server-01", SnapshotName: "a"},
		{SnapshotID: ids["b"], ServerID: f.server, ServerName: "web-server-01", SnapshotName: "b"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// A replica recorded both as sending and died: "a" had been deleted, "b" not.
	for _, name := range []string{"a", "b"} {
		if _, err := f.st.Bulk().Move(ctx, id, ids[name], bulk.Pending, bulk.Sending, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.api.DeleteSnapshot(ctx, aliceToken, ids["a"]); err != nil {
		t.Fatal(err)
	}
	f.sim.ResetCalls()
	advanceAll(t, f, id)
	b, _ := f.st.Bulk().Get(ctx, id)
	if !b.Done || b.Counts()[bulk.Deleted] != 2 {
		t.Errorf("bulk %+v", b)
	}
	if n := f.sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 1 {
		t.Errorf("%d deletes sent on resume, want 1 (only b)", n)
	}
}

// VPS.org refusing one delete of a bulk delete does not stop the others.
func TestBulkDeleteGoesOnPastARefusal(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, time.Second, time.Second)
	for _, name := range []string{"a", "b"} {
		if err := f.sim.AddSnapshot(f.server, simulator.SnapshotSeed{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	for _, s := range f.sim.Snapshots(aliceToken) {
		ids[s.Name] = s.ID
	}
	ctx := context.Background()
	id, err := f.st.Bulk().Add(ctx, bulk.Delete{Actor: "alice", Started: time.Now(), Items: []bulk.Item{
		{SnapshotID: ids["a"], ServerID: f.server, ServerName: "web-server-01", SnapshotName: "a"},
		{SnapshotID: ids["b"], ServerID: f.server, ServerName: "web-server-01", SnapshotName: "b"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.sim.SetFault(simulator.Fault{Match: "DELETE /api/v1/snapshots/{id}/", Status: 400, Times: 1})
	advanceAll(t, f, id)
	b, _ := f.st.Bulk().Get(ctx, id)
	n := b.Counts()
	if !b.Done || n[bulk.Failed] != 1 || n[bulk.Deleted] != 1 {
		t.Errorf("bulk %+v", b)
	}
}

// advanceAll runs a bulk delete's steps, as its job would, to the end.
func advanceAll(t *testing.T, f *following, id int64) {
	t.Helper()
	for range 10 {
		next, err := f.dash.AdvanceBulk(context.Background(), id, aliceToken)
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
	f := newFollowing(t, time.Second, time.Second)
	if err := f.sim.AddSnapshot(f.server, simulator.SnapshotSeed{Name: "spare"}); err != nil {
		t.Fatal(err)
	}
	var spare int64
	for _, s := range f.sim.Snapshots(aliceToken) {
		if s.Name == "spare" {
			spare = s.ID
		}
	}
	ctx := context.Background()
	if _, err := f.st.Restores().Add(ctx, restores.Restore{Actor: "bob", ServerID: f.server, ServerName: "web-server-01", SnapshotID: f.snap,
		SnapshotName: "pre-migration-snapshot", SafetyName: "before-restore-x", Step: restores.StepSafety, Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	c, err := f.dash.PlanBulkDelete(ctx, aliceToken, []int64{f.snap, spare})
	if err != nil {
		t.Fatal(err)
	}
	if c.Refused[f.snap] != "used by a running restore" || c.Refused[spare] != "" {
		t.Errorf("refused %v", c.Refused)
	}
}

// The one rule of what must not be deleted counts a plain restore's
// snapshot (no job, the server restoring) on every path: the table, the
// bulk plan and each bulk delete.
func TestAPlainRestoresSnapshotIsKeptByEveryPath(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, time.Second, time.Hour)
	f.act(t, dashboard.Restore) // plain: no safety snapshot
	ctx := context.Background()
	fl, err := f.dash.Fleet(ctx, aliceToken, dashboard.FleetQuery{Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range fl.Rows {
		if r.ID == f.snap && dashboard.LockedWhy(r) != "used by a running restore" {
			t.Errorf("the table says %q of the snapshot being restored", dashboard.LockedWhy(r))
		}
	}
	c, err := f.dash.PlanBulkDelete(ctx, aliceToken, []int64{f.snap})
	if err != nil {
		t.Fatal(err)
	}
	if c.Refused[f.snap] != "used by a running restore" {
		t.Errorf("the plan refuses %v", c.Refused)
	}
	id := addBulk(t, f, f.snap, "pre-migration-snapshot")
	f.sim.ResetCalls()
	advanceAll(t, f, id)
	b, _ := f.st.Bulk().Get(ctx, id)
	if b.Counts()[bulk.Refused] != 1 || f.sim.Calls("DELETE /api/v1/snapshots/{id}/") != 0 {
		t.Errorf("the snapshot being restored: %+v, %d deletes sent", b.Items, f.sim.Calls("DELETE /api/v1/snapshots/{id}/"))
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
			f := newFollowing(t, time.Second, time.Second)
			ctx := context.Background()
			id := addBulk(t, f, f.snap, "pre-migration-snapshot")
			db, err := sql.Open("sqlite", store.SQLiteDSN(f.st.Path()))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("ALTER TABLE " + table + " RENAME TO away"); err != nil {
				t.Fatal(err)
			}
			fl, err := f.dash.Fleet(ctx, aliceToken, dashboard.FleetQuery{Page: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range fl.Rows {
				if dashboard.LockedWhy(r) == "" {
					t.Errorf("%s can be selected while the rules cannot be read", r.Name)
				}
			}
			f.sim.ResetCalls()
			advanceAll(t, f, id)
			b, _ := f.st.Bulk().Get(ctx, id)
			if n := f.sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 0 || b.Counts()[bulk.Refused] != 1 ||
				!strings.Contains(b.Items[0].Detail, "could not read its pins and running restores") {
				t.Errorf("%d deletes sent; items %+v", n, b.Items)
			}
		})
	}
}

// addBulk records a bulk delete of one snapshot of f's server.
func addBulk(t *testing.T, f *following, snap int64, name string) int64 {
	t.Helper()
	id, err := f.st.Bulk().Add(context.Background(), bulk.Delete{Actor: "alice", Started: time.Now(), Items: []bulk.Item{
		{SnapshotID: snap, ServerID: f.server, ServerName: "web-server-01", SnapshotName: name}}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
