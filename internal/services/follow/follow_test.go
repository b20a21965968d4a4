package follow_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/services/follow"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A create is followed until VPS.org completes the snapshot, whether or not
// a page watches it, looking every 2 s (follow.DefaultEvery): one list a
// look, at most 31 a minute for the busy server.
func TestCreateFollowedToCompletion(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 6 * time.Second, RestoreDelay: time.Second})
	f.Act(t, dashboard.Create)
	before := f.Sim.TokenCalls(servicestest.AliceToken)
	rec := f.Final(t, 40*time.Second)
	if rec.Final != activity.Completed || rec.SnapshotName != "nightly" || rec.Duration() < 6*time.Second {
		t.Errorf("record %+v, duration %s; want completed after the simulator's 6 s", rec, rec.Duration())
	}
	calls := f.Sim.TokenCalls(servicestest.AliceToken) - before
	if looks := int(rec.Duration()/follow.DefaultEvery) + 1; calls > looks {
		t.Errorf("the job made %d calls in %s; looking every %s makes at most %d", calls, rec.Duration(), follow.DefaultEvery, looks)
	}
	if calls == 0 {
		t.Error("the job made no calls")
	}
}

// A restore is followed until the server runs again.
func TestRestoreFollowedToCompletion(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: 5 * time.Second})
	f.Act(t, dashboard.Restore)
	rec := f.Final(t, 40*time.Second)
	if rec.Final != activity.Completed || rec.Action != activity.Restore || rec.Duration() < 5*time.Second {
		t.Errorf("record %+v, duration %s", rec, rec.Duration())
	}
}

// A token VPS.org refuses during the job ends it as "token refused".
func TestRevokedTokenEndsTheJob(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Minute, RestoreDelay: time.Second})
	f.Act(t, dashboard.Create)
	f.Sim.RevokeToken(servicestest.AliceToken)
	rec := f.Final(t, 20*time.Second)
	if rec.Final != activity.TokenRefused {
		t.Errorf("record %+v", rec)
	}
	readInCatalan(t, rec.FinalDetail, "the token")
}

// readInCatalan fails the test when what a job wrote reads in English to a
// Catalan reader.
func readInCatalan(t *testing.T, detail, english string) {
	t.Helper()
	langs, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if ca := langs.For("ca").Word(detail); ca == detail || strings.Contains(ca, english) {
		t.Errorf("%q reads in Catalan as %q", detail, ca)
	}
}

// Signing out stops the jobs following the person's actions.
func TestSignOutStopsFollowing(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Minute, RestoreDelay: time.Minute})
	f.Act(t, dashboard.Create)
	n, err := f.SignOut.StopJobs(context.Background(), "alice-session")
	if err != nil || n != 1 {
		t.Fatalf("stopped %d, %v", n, err)
	}
	if rec := f.Final(t, time.Second); rec.Final != activity.SignedOut {
		t.Errorf("record %+v", rec)
	}
}

// A create whose answer is lost (VPS.org made the snapshot, the connection
// dropped) is resolved by listing, never sent again: the job finds the
// snapshot and follows it to its end.
func TestLostCreateAnswerResolvedByListing(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 3 * time.Second, RestoreDelay: time.Second})
	f.Sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", LoseAnswer: true, Times: 1})
	if ex, err := f.Try(dashboard.Create); err == nil || ex.Why != dashboard.NotKnown {
		t.Fatalf("a lost answer reads %v (%v)", ex.Why, err)
	}
	rec := f.Final(t, 40*time.Second)
	if rec.Outcome != activity.Unknown || rec.Final != activity.Completed || rec.FinalDetail == "" {
		t.Errorf("record %+v", rec)
	}
	if n := f.Sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	if got := len(f.Sim.Snapshots(servicestest.AliceToken)); got != 2 {
		t.Errorf("%d snapshots, want the seeded one and the one created", got)
	}
}

// A create whose call never reached VPS.org is found not to have happened
// once the window for it to appear has passed.
func TestLostCreateThatDidNotHappen(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 3 * time.Second, RestoreDelay: time.Second, Now: now})
	f.Sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", Reset: true, Times: 1})
	if _, err := f.Try(dashboard.Create); err == nil {
		t.Fatal("the create went through")
	}
	calls := f.Sim.Calls("GET /api/v1/snapshots/")
	wait.Until(t, 30*time.Second, func() bool { return f.Sim.Calls("GET /api/v1/snapshots/") >= calls+2 }) // two checks within the window: nothing decided
	if recs, _ := f.Store.Activity().Recent(context.Background(), 1); recs[0].Final != "" {
		t.Fatalf("decided within the window: %+v", recs[0])
	}
	offset.Store(int64(2 * time.Minute))
	rec := f.Final(t, 40*time.Second)
	if rec.Final != activity.NotCreated {
		t.Errorf("record %+v", rec)
	}
	readInCatalan(t, rec.FinalDetail, "was lost")
	if n := f.Sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
}

// A snapshot VPS.org reports failed is recorded as failed, in its words,
// with what to do next (not "failed (failed)").
func TestFailedSnapshotRecordedAsFailed(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: 3 * time.Second, RestoreDelay: time.Second})
	f.Sim.FailSnapshotsNamed("nightly")
	f.Act(t, dashboard.Create)
	rec := f.Final(t, 40*time.Second)
	if rec.Final != activity.Failed || rec.FinalDetail != "VPS.org reports the snapshot as failed. It still takes one of the server's 5 slots: delete it to free the slot, then try again." {
		t.Errorf("record %+v", rec)
	}
}

// Deleting a snapshot while it is being taken is recorded as deleted, by
// the person who deleted it, not as lost.
func TestSnapshotDeletedWhileTakenIsRecordedAsDeleted(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Second})
	f.Act(t, dashboard.Create)
	var id int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "nightly" {
			id = s.ID
		}
	}
	if _, err := f.Dash.Act(context.Background(), dashboard.Action{Kind: dashboard.Delete, Actor: "bob", Token: servicestest.AliceToken, FormID: submitguard.NewFormID(),
		ServerID: f.Server, ServerName: "web-server-01", SnapshotID: id, SnapshotName: "nightly"}); err != nil {
		t.Fatal(err)
	}
	recs, _, err := f.Store.Activity().Query(context.Background(), activity.Query{Servers: []int64{f.Server}, SnapshotID: id, Action: activity.Create, Limit: 1})
	if err != nil || len(recs) != 1 {
		t.Fatalf("the create's record: %v %v", recs, err)
	}
	wait.Until(t, 30*time.Second, func() bool {
		recs, _, _ = f.Store.Activity().Query(context.Background(), activity.Query{Servers: []int64{f.Server}, SnapshotID: id, Action: activity.Create, Limit: 1})
		return recs[0].Final != ""
	})
	if recs[0].Final != activity.Deleted || recs[0].FinalDetail != "deleted by bob while it was being taken" {
		t.Errorf("the create ended %q: %q", recs[0].Final, recs[0].FinalDetail)
	}
}

// A job that outlives the follow limit records "still running after N min"
// and asks VPS.org nothing more.
func TestFollowGivesUpAfterTheLimit(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, FollowLimit: 10 * time.Minute})
	rec := activity.Record{Time: time.Now().Add(-11 * time.Minute), Actor: "alice", Action: activity.Create, ServerID: f.Server,
		ServerName: "web-server-01", SnapshotID: f.Snap, SnapshotName: "pre-migration-snapshot", Outcome: activity.Started}
	var err error
	if rec.ID, err = f.Store.Activity().Add(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	f.Sim.ResetCalls()
	if err := f.Follow.Start(context.Background(), rec, servicestest.AliceSession, servicestest.AliceToken); err != nil {
		t.Fatal(err)
	}
	end := f.Final(t, 20*time.Second)
	if end.Final != activity.StillRunning || end.FinalDetail != "still running after 10 min" {
		t.Errorf("record %+v", end)
	}
	if n := len(f.Sim.Requests()); n != 0 {
		t.Errorf("%d calls to VPS.org past the limit", n)
	}
}

// What another job saw of the server just before a create was accepted
// (no such snapshot yet) does not stand in for the follower's own look: the
// snapshot being taken is not "gone".
func TestAFollowerDoesNotTakeALookFromBeforeItsAction(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Second})
	ctx := context.Background()
	before, err := json.Marshal(f.Sim.Snapshots(servicestest.AliceToken))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Store.ServerViews().Put(ctx, store.ServerView{ServerID: f.Server, Snapshots: before, ReadAt: time.Now().Add(-100 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	f.Act(t, dashboard.Create)
	var id int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "nightly" {
			id = s.ID
		}
	}
	p, err := f.Follow.Check(ctx, follow.FollowArgs{Action: activity.Create, ServerID: f.Server, SnapshotID: id, SnapshotName: "nightly",
		Started: time.Now(), Accepted: time.Now()}, servicestest.AliceToken)
	if err != nil || p.Done {
		t.Errorf("the snapshot being taken was judged from a look before its create: %+v %v", p, err)
	}
}

// A look that was asked before a create was accepted, but answered after,
// does not stand in for the create's follower either: what it saw is as
// old as its question.
func TestALookAskedBeforeAnActionIsNotTakenForIt(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Second})
	ctx := context.Background()
	asked := f.Sim.Calls("GET /api/v1/snapshots/")
	f.Sim.SetFault(simulator.Fault{Match: "GET /api/v1/snapshots/", Late: 2 * time.Second, Times: 1})
	slow := make(chan struct{})
	go func() {
		defer close(slow)
		_, _ = f.Follow.Check(ctx, follow.FollowArgs{Action: activity.Create, ServerID: f.Server, SnapshotID: f.Snap, Accepted: time.Now()}, servicestest.AliceToken)
	}()
	wait.Until(t, 5*time.Second, func() bool { return f.Sim.Calls("GET /api/v1/snapshots/") > asked }) // asked
	f.Act(t, dashboard.Create)
	accepted := time.Now()
	<-slow // answered after the create, without it
	var id int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "nightly" {
			id = s.ID
		}
	}
	p, err := f.Follow.Check(ctx, follow.FollowArgs{Action: activity.Create, ServerID: f.Server, SnapshotID: id, SnapshotName: "nightly",
		Started: accepted, Accepted: accepted}, servicestest.AliceToken)
	if err != nil || p.Done {
		t.Errorf("the new snapshot was judged from a look asked before its create: %+v %v", p, err)
	}
}

// A look asked at the very instant a create was accepted (as a clock that
// stands still, or the store's milliseconds, make them) may have been asked
// before it: it does not stand in for the create's follower. Two creates on
// one server under a test clock had the second judged lost from the first's
// look.
func TestALookAskedAtTheSameInstantIsNotTakenForIt(t *testing.T) {
	t.Parallel()
	at := time.Now().Truncate(time.Millisecond)
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Second, Now: func() time.Time { return at }})
	ctx := context.Background()
	before, err := json.Marshal(f.Sim.Snapshots(servicestest.AliceToken))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Store.ServerViews().Put(ctx, store.ServerView{ServerID: f.Server, Snapshots: before, ReadAt: at}); err != nil {
		t.Fatal(err)
	}
	f.Act(t, dashboard.Create)
	var id int64
	for _, s := range f.Sim.Snapshots(servicestest.AliceToken) {
		if s.Name == "nightly" {
			id = s.ID
		}
	}
	p, err := f.Follow.Check(ctx, follow.FollowArgs{Action: activity.Create, ServerID: f.Server, SnapshotID: id, SnapshotName: "nightly",
		Started: at, Accepted: at}, servicestest.AliceToken)
	if err != nil || p.Done {
		t.Errorf("the snapshot being taken was judged from a look of the same instant: %+v %v", p, err)
	}
}

// Two followers of one server cost VPS.org one follower's calls: a look
// asked after an action was accepted, less than 1.5 s ago, stands in for
// the other follower's own; an older one does not.
func TestFollowersOfOneServerShareALook(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	accepted := time.Now().Truncate(time.Millisecond)
	now.Store(accepted.UnixNano())
	at := func(d time.Duration) { now.Store(accepted.Add(d).UnixNano()) }
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Second, Idle: true,
		Now: func() time.Time { return time.Unix(0, now.Load()) }})
	ctx := context.Background()
	args := follow.FollowArgs{Action: activity.Create, ServerID: f.Server, SnapshotID: f.Snap, SnapshotName: "pre-migration-snapshot",
		Started: accepted, Accepted: accepted}
	check := func(d time.Duration) (follow.Progress, int) {
		t.Helper()
		at(d)
		before := f.Sim.TokenCalls(servicestest.AliceToken)
		p, err := f.Follow.Check(ctx, args, servicestest.AliceToken)
		if err != nil {
			t.Fatalf("check at +%s: %v", d, err)
		}
		return p, f.Sim.TokenCalls(servicestest.AliceToken) - before
	}
	if p, calls := check(10 * time.Millisecond); calls != 1 || p.Final != activity.Completed {
		t.Fatalf("the first follower's look: %d calls, %+v", calls, p)
	}
	if p, calls := check(time.Second); calls != 0 || p.Final != activity.Completed {
		t.Errorf("a second follower 1 s later: %d calls to VPS.org, %+v; want the first's look", calls, p)
	}
	if p, calls := check(3 * time.Second); calls != 1 || p.Final != activity.Completed {
		t.Errorf("a follower 3 s later: %d calls to VPS.org, %+v; want its own look", calls, p)
	}
}
