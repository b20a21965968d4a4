package dashboard_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// following is a dashboard whose accepted actions jobs follow, on SQLite,
// calling the simulator over HTTP; alice is signed in with one server.
type following struct {
	api    *vpsapi.Client // a client of the same simulator, for the test's own calls
	dash   *dashboard.Dashboard
	st     *store.Store
	sim    *simulator.Simulator
	server int64
	snap   int64 // a completed snapshot of the server
	jobs   *jobs.Runner
}

const aliceToken = "tok_alice_follow"

func newFollowing(t *testing.T, snapshotDelay, restoreDelay time.Duration) *following {
	return newFollowingAt(t, snapshotDelay, restoreDelay, time.Now)
}

// newFollowingAt is newFollowing with the dashboard's clock set to now.
func newFollowingAt(t *testing.T, snapshotDelay, restoreDelay time.Duration, now func() time.Time) *following {
	return newFollowingWith(t, snapshotDelay, restoreDelay, now, "")
}

// newFollowingWith is newFollowingAt with jobs' outcomes posted to webhook.
func newFollowingWith(t *testing.T, snapshotDelay, restoreDelay time.Duration, now func() time.Time, webhook string) *following {
	t.Helper()
	sim := simulator.New(simulator.Options{SnapshotDelay: snapshotDelay, RestoreDelay: restoreDelay, NoDemo: true})
	ids := sim.AddAccount(aliceToken, simulator.ServerSeed{Name: "web-server-01", Snapshots: []simulator.SnapshotSeed{{Name: "pre-migration-snapshot"}}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	api, err := vpsapi.New(srv.URL, vpsapi.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.SQLite(t)
	runner, err := jobs.New(context.Background(), jobs.Options{Store: st, Webhook: webhook, Keys: [][]byte{
		[]byte("hash-key-0123456789abcdef0123456789abcdef"), []byte("block-key-0123456789abcdef012345"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	dash := dashboard.New(dashboard.Options{API: api, Activity: st.Activity(), Claims: st.Claims(), Jobs: runner, Restores: st.Restores(), Marks: st.Marks(), Bulk: st.Bulk(), Now: now})
	if err := runner.Start(context.Background(), dash); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = runner.Stop(ctx)
	})
	if err := st.Sessions().Create(context.Background(), "alice-session", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	f := &following{api: api, dash: dash, st: st, sim: sim, server: ids[0], jobs: runner}
	for _, s := range sim.Snapshots(aliceToken) {
		f.snap = s.ID
	}
	return f
}

func (f *following) act(t *testing.T, kind string) {
	t.Helper()
	if _, err := f.try(kind); err != nil {
		t.Fatal(err)
	}
}

// try sends an action, and returns Explain's verdict on it.
func (f *following) try(kind string) (dashboard.Explanation, error) {
	a := dashboard.Action{
		Kind: kind, Actor: "alice", Token: aliceToken, Session: "alice-session", FormID: dashboard.NewFormID(),
		ServerID: f.server, ServerName: "web-server-01", SnapshotName: "nightly",
	}
	if kind == dashboard.Restore {
		a.SnapshotID, a.SnapshotName = f.snap, "pre-migration-snapshot"
	}
	_, err := f.dash.Act(context.Background(), a)
	return dashboard.Explain(a, err), err
}

// final waits for the newest record to have a final outcome.
func (f *following) final(t *testing.T, within time.Duration) activity.Record {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		recs, err := f.st.Activity().Recent(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 1 && recs[0].Final != "" {
			return recs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no final outcome after %s: %+v", within, recs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A create is followed until VPS.org completes the snapshot, whether or not
// a page watches it, and costs no more calls than a page polling it.
func TestCreateFollowedToCompletion(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, 6*time.Second, time.Second)
	f.act(t, dashboard.Create)
	before := f.sim.TokenCalls(aliceToken)
	rec := f.final(t, 40*time.Second)
	if rec.Final != activity.Completed || rec.SnapshotName != "nightly" || rec.Duration() < 6*time.Second {
		t.Errorf("record %+v, duration %s; want completed after the simulator's 6 s", rec, rec.Duration())
	}
	calls := f.sim.TokenCalls(aliceToken) - before
	// A page watching the snapshot polls at vpsapi.Pace, each poll at least
	// one call; the job must not ask more often.
	polls, spent := 0, time.Duration(0)
	for spent+vpsapi.Pace(polls) <= rec.Duration() {
		spent += vpsapi.Pace(polls)
		polls++
	}
	if calls > polls {
		t.Errorf("the job made %d calls in %s; a page polling would make %d", calls, rec.Duration(), polls)
	}
	if calls == 0 {
		t.Error("the job made no calls")
	}
}

// A restore is followed until the server runs again.
func TestRestoreFollowedToCompletion(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, time.Second, 5*time.Second)
	f.act(t, dashboard.Restore)
	rec := f.final(t, 40*time.Second)
	if rec.Final != activity.Completed || rec.Action != activity.Restore || rec.Duration() < 5*time.Second {
		t.Errorf("record %+v, duration %s", rec, rec.Duration())
	}
}

// A token VPS.org refuses during the job ends it as "token refused".
func TestRevokedTokenEndsTheJob(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, time.Minute, time.Second)
	f.act(t, dashboard.Create)
	f.sim.RevokeToken(aliceToken)
	rec := f.final(t, 20*time.Second)
	if rec.Final != activity.TokenRefused {
		t.Errorf("record %+v", rec)
	}
}

// Signing out stops the jobs following the person's actions.
func TestSignOutStopsFollowing(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, time.Minute, time.Minute)
	f.act(t, dashboard.Create)
	n, err := f.dash.StopJobs(context.Background(), "alice-session")
	if err != nil || n != 1 {
		t.Fatalf("stopped %d, %v", n, err)
	}
	if rec := f.final(t, time.Second); rec.Final != activity.SignedOut {
		t.Errorf("record %+v", rec)
	}
}

// A create whose answer is lost (VPS.org made the snapshot, the connection
// dropped) is resolved by listing, never sent again: the job finds the
// snapshot and follows it to its end.
func TestLostCreateAnswerResolvedByListing(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, 3*time.Second, time.Second)
	f.sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", LoseAnswer: true, Times: 1})
	if ex, err := f.try(dashboard.Create); err == nil || ex.Why != dashboard.NotKnown {
		t.Fatalf("a lost answer reads %v (%v)", ex.Why, err)
	}
	rec := f.final(t, 40*time.Second)
	if rec.Outcome != activity.Unknown || rec.Final != activity.Completed || rec.FinalDetail == "" {
		t.Errorf("record %+v", rec)
	}
	if n := f.sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	if got := len(f.sim.Snapshots(aliceToken)); got != 2 {
		t.Errorf("%d snapshots, want the seeded one and the one created", got)
	}
}

// A create whose call never reached VPS.org is found not to have happened
// once the window for it to appear has passed.
func TestLostCreateThatDidNotHappen(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	f := newFollowingAt(t, 3*time.Second, time.Second, now)
	f.sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", Reset: true, Times: 1})
	if _, err := f.try(dashboard.Create); err == nil {
		t.Fatal("the create went through")
	}
	calls := f.sim.Calls("GET /api/v1/snapshots/")
	waitUntil(t, func() bool { return f.sim.Calls("GET /api/v1/snapshots/") >= calls+2 }) // two checks within the window: nothing decided
	if recs, _ := f.st.Activity().Recent(context.Background(), 1); recs[0].Final != "" {
		t.Fatalf("decided within the window: %+v", recs[0])
	}
	offset.Store(int64(2 * time.Minute))
	rec := f.final(t, 40*time.Second)
	if rec.Final != activity.NotCreated {
		t.Errorf("record %+v", rec)
	}
	if n := f.sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
}

// A snapshot VPS.org reports failed is recorded as failed, in its words,
// with what to do next (not "failed (failed)").
func TestFailedSnapshotRecordedAsFailed(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, 3*time.Second, time.Second)
	f.sim.FailSnapshotsNamed("nightly")
	f.act(t, dashboard.Create)
	rec := f.final(t, 40*time.Second)
	if rec.Final != activity.Failed || rec.FinalDetail != "VPS.org reports the snapshot as failed. It still takes one of the server's 5 slots: delete it to free the slot, then try again." {
		t.Errorf("record %+v", rec)
	}
}

// Deleting a snapshot while it is being taken is recorded as deleted, by
// the person who deleted it, not as lost.
func TestSnapshotDeletedWhileTakenIsRecordedAsDeleted(t *testing.T) {
	t.Parallel()
	f := newFollowing(t, time.Hour, time.Second)
	f.act(t, dashboard.Create)
	var id int64
	for _, s := range f.sim.Snapshots(aliceToken) {
		if s.Name == "nightly" {
			id = s.ID
		}
	}
	if _, err := f.dash.Act(context.Background(), dashboard.Action{Kind: dashboard.Delete, Actor: "bob", Token: aliceToken, FormID: dashboard.NewFormID(),
		ServerID: f.server, ServerName: "web-server-01", SnapshotID: id, SnapshotName: "nightly"}); err != nil {
		t.Fatal(err)
	}
	recs, _, err := f.st.Activity().Query(context.Background(), activity.Query{Servers: []int64{f.server}, SnapshotID: id, Action: activity.Create, Limit: 1})
	if err != nil || len(recs) != 1 {
		t.Fatalf("the create's record: %v %v", recs, err)
	}
	waitUntil(t, func() bool {
		recs, _, _ = f.st.Activity().Query(context.Background(), activity.Query{Servers: []int64{f.server}, SnapshotID: id, Action: activity.Create, Limit: 1})
		return recs[0].Final != ""
	})
	if recs[0].Final != activity.Deleted || recs[0].FinalDetail != "deleted by bob while it was being taken" {
		t.Errorf("the create ended %q: %q", recs[0].Final, recs[0].FinalDetail)
	}
}
