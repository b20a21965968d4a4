package follow_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/services/follow"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Without a Servers API nothing tells when a restore ends: its record stays
// open as long as VPS.org says a restore may take, asking nothing meanwhile
// (what it reads from is not deleted while it is open), then ends saying
// VPS.org does not tell how it went. It used to end at the first look,
// and with it the protection of the snapshot the server was restoring from.
func TestRestoreWithoutServersAPIStaysOpenAsLongAsARestoreMayTake(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	started := time.Now().Truncate(time.Millisecond)
	now.Store(started.UnixNano())
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Idle: true,
		Now: func() time.Time { return time.Unix(0, now.Load()) }})
	f.Sim.SetFault(simulator.Fault{Match: "GET /api/v1/servers/{id}/", Status: http.StatusNotFound})
	args := follow.FollowArgs{Action: activity.Restore, ServerID: f.Server, SnapshotID: f.Snap, Started: started, Accepted: started}
	ctx := context.Background()
	now.Store(started.Add(time.Minute).UnixNano())
	p, err := f.Follow.Check(ctx, args, servicestest.AliceToken)
	if err != nil || p.Done || p.Wait != vpsapi.RestoreTakes-time.Minute {
		t.Errorf("a minute in: %+v, %v; want it open, the next look due when a restore must have ended", p, err)
	}
	now.Store(started.Add(vpsapi.RestoreTakes).UnixNano())
	p, err = f.Follow.Check(ctx, args, servicestest.AliceToken)
	if err != nil || !p.Done || p.Final != activity.Stopped || p.Detail != "VPS.org does not tell how the restore went" {
		t.Errorf("once a restore must have ended: %+v, %v", p, err)
	}
}

// A restore still running when its follow gives up keeps the snapshot the
// server restores from: the follow's end ("still running") is not the
// restore's. It used to free the snapshot for any delete at once. Once the
// server no longer restores, it is free again.
func TestSnapshotStaysInUseWhileARestorePastTheFollowLimitRuns(t *testing.T) {
	t.Parallel()
	for _, restoring := range []bool{true, false} {
		f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, FollowLimit: 10 * time.Minute})
		ctx := context.Background()
		if restoring {
			if _, err := f.API.RestoreSnapshot(ctx, servicestest.AliceToken, f.Snap); err != nil {
				t.Fatal(err)
			}
		}
		givenUp(t, f, 11*time.Minute)
		_, err := f.Dash.Act(ctx, f.Action(dashboard.Delete))
		if restoring && !errors.Is(err, dashboard.ErrInUse) {
			t.Errorf("deleting the snapshot a server still restores from: %v", err)
		}
		if !restoring && err != nil {
			t.Errorf("deleting the snapshot once the server no longer restores: %v", err)
		}
	}
}

// Without a Servers API a restore given up by a follow limit shorter than
// a restore may take keeps its snapshot as long as the restore may run,
// no longer: nothing else will ever tell it ended.
func TestGivenUpRestoreWithoutServersAPIKeepsItsSnapshotAsLongAsARestoreMayTake(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		age   time.Duration
		inUse bool
	}{{6 * time.Minute, true}, {vpsapi.RestoreTakes + time.Minute, false}} {
		f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Hour, RestoreDelay: time.Hour, FollowLimit: 5 * time.Minute})
		f.Sim.SetFault(simulator.Fault{Match: "GET /api/v1/servers/{id}/", Status: http.StatusNotFound})
		ctx := context.Background()
		givenUp(t, f, c.age)
		_, err := f.Dash.Act(ctx, f.Action(dashboard.Delete))
		if c.inUse != errors.Is(err, dashboard.ErrInUse) || (!c.inUse && err != nil) {
			t.Errorf("deleting the snapshot %s after the restore was sent: %v", c.age, err)
		}
	}
}

// givenUp follows a restore of f's snapshot VPS.org accepted age ago, past
// the follow limit, until the follow gives up ("still running").
func givenUp(t *testing.T, f *servicestest.Team, age time.Duration) {
	t.Helper()
	ctx := context.Background()
	rec := activity.Record{Time: time.Now().Add(-age), Actor: "alice", Action: activity.Restore, ServerID: f.Server,
		ServerName: "web-server-01", SnapshotID: f.Snap, SnapshotName: "pre-migration-snapshot", Outcome: activity.Started}
	var err error
	if rec.ID, err = f.Store.Activity().Add(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := f.Follow.Start(ctx, rec, servicestest.AliceSession, servicestest.AliceToken); err != nil {
		t.Fatal(err)
	}
	if end := f.Final(t, 20*time.Second); end.Final != activity.StillRunning {
		t.Fatalf("the follow ended %+v", end)
	}
}
