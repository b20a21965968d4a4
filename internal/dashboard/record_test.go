package dashboard_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/submitguard"
)

// flakyRecord is the activity record with a database that goes away: Add
// fails while down, Complete fails its first failCompletes times.
type flakyRecord struct {
	activity.Store
	down          atomic.Bool
	failCompletes atomic.Int32
}

var errDown = errors.New("database is gone")

func (f *flakyRecord) Add(ctx context.Context, r activity.Record) (int64, error) {
	if f.down.Load() {
		return 0, errDown
	}
	return f.Store.Add(ctx, r)
}

func (f *flakyRecord) Complete(ctx context.Context, id int64, outcome, detail, serverName string, snapshotID int64) error {
	if f.failCompletes.Add(-1) >= 0 {
		return errDown
	}
	return f.Store.Complete(ctx, id, outcome, detail, serverName, snapshotID)
}

// An action that cannot be recorded first is not sent: VPS.org sees nothing,
// and the words say why.
func TestActionNotRecordableIsNotSent(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Second})
	rec := &flakyRecord{Store: f.Store.Activity()}
	rec.down.Store(true)
	dash := dashboard.New(dashboard.Options{API: f.API, Activity: rec, Claims: f.Store.Claims(), Follow: f.Follow})
	f.Sim.ResetCalls()
	a := dashboard.Action{Kind: dashboard.Create, Actor: "alice", Token: servicestest.AliceToken, Session: "alice-session", FormID: submitguard.NewFormID(),
		ServerID: f.Server, ServerName: "web-server-01", SnapshotName: "unrecorded"}
	_, err := dash.Act(context.Background(), a)
	if !errors.Is(err, dashboard.ErrNoRecord) {
		t.Fatalf("err %v", err)
	}
	if n := f.Sim.Calls("POST /api/v1/snapshots/"); n != 0 {
		t.Errorf("%d creates sent without a record", n)
	}
	if ex := dashboard.Explain(context.Background(), a, err); ex.Why != dashboard.NotSent || ex.Reason != dashboard.ReasonUnavailable {
		t.Errorf("explained as %+v", ex)
	}
}

// The database lost between the call and its record: the create that
// VPS.org accepted is recorded once the database is back, and followed to
// its end.
func TestAcceptedActionIsRecordedWhenTheDatabaseComesBack(t *testing.T) {
	t.Parallel()
	f := servicestest.NewTeam(t, servicestest.TeamOptions{SnapshotDelay: time.Second, RestoreDelay: time.Second})
	rec := &flakyRecord{Store: f.Store.Activity()}
	rec.failCompletes.Store(3)
	dash := dashboard.New(dashboard.Options{API: f.API, Activity: rec, Claims: f.Store.Claims(), Follow: f.Follow})
	if _, err := dash.Act(context.Background(), dashboard.Action{Kind: dashboard.Create, Actor: "alice", Token: servicestest.AliceToken, Session: "alice-session",
		FormID: submitguard.NewFormID(), ServerID: f.Server, ServerName: "web-server-01", SnapshotName: "while-db-away"}); err != nil {
		t.Fatal(err)
	}
	r := f.Final(t, 30*time.Second)
	if r.SnapshotName != "while-db-away" || r.Outcome != activity.Started || r.Final != activity.Completed || r.SnapshotID == 0 {
		t.Errorf("the record: %+v", r)
	}
	if n := f.Sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d creates sent", n)
	}
}
