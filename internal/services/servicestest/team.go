package servicestest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/services"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// AliceToken is the token of the Team's one person, alice.
const AliceToken = "tok_alice_follow"

// AliceSession is alice's session: her jobs stop at its sign-out.
const AliceSession = "alice-session"

// Team is the use cases working jobs on SQLite (or PostgreSQL), calling the simulator over
// HTTP, for alice, signed in, whose account has one server with one
// completed snapshot.
type Team struct {
	*services.Services
	API    *vpsapi.Client // a client of the same simulator, for the test's own calls
	Store  *store.Store
	Sim    *simulator.Simulator
	Server int64
	Snap   int64 // the server's completed snapshot
}

// TeamOptions change a Team.
type TeamOptions struct {
	SnapshotDelay, RestoreDelay time.Duration // the simulator's
	Now                         func() time.Time
	Webhook                     string
	Roles                       dashboard.Roles
	FollowLimit                 time.Duration
	DatabaseURL                 string // "": SQLite in a temporary folder
	Idle                        bool   // jobs are inserted but not worked (a test works them itself)
}

// NewTeam builds a Team.
func NewTeam(t testing.TB, o TeamOptions) *Team {
	t.Helper()
	sim := simulator.New(simulator.Options{SnapshotDelay: o.SnapshotDelay, RestoreDelay: o.RestoreDelay, NoDemo: true})
	ids := sim.AddAccount(AliceToken, simulator.ServerSeed{Name: "web-server-01", Snapshots: []simulator.SnapshotSeed{{Name: "pre-migration-snapshot"}}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	api, err := vpsapi.New(srv.URL, vpsapi.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t, o.DatabaseURL)
	svc := New(t, st, api, Options{Webhook: o.Webhook, Now: o.Now, Roles: o.Roles, FollowLimit: o.FollowLimit, Work: !o.Idle})
	if err := st.Sessions().Create(context.Background(), AliceSession, []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	team := &Team{Services: svc, API: api, Store: st, Sim: sim, Server: ids[0]}
	for _, s := range sim.Snapshots(AliceToken) {
		team.Snap = s.ID
	}
	return team
}

// Action is alice's action of kind on the server: a snapshot named
// "nightly", or a restore of (or delete of) the completed snapshot.
func (f *Team) Action(kind string) dashboard.Action {
	a := dashboard.Action{
		Kind: kind, Actor: "alice", Token: AliceToken, Session: AliceSession, FormID: submitguard.NewFormID(),
		ServerID: f.Server, ServerName: "web-server-01", SnapshotName: "nightly",
	}
	if kind != dashboard.Create {
		a.SnapshotID, a.SnapshotName = f.Snap, "pre-migration-snapshot"
	}
	return a
}

// Act sends alice's action of kind, failing the test on an error.
func (f *Team) Act(t testing.TB, kind string) {
	t.Helper()
	if _, err := f.Try(kind); err != nil {
		t.Fatal(err)
	}
}

// Try sends alice's action of kind, and returns Explain's verdict on it.
func (f *Team) Try(kind string) (dashboard.Explanation, error) {
	a := f.Action(kind)
	_, err := f.Dash.Act(context.Background(), a)
	return dashboard.Explain(context.Background(), a, err), err
}

// Final waits for the newest record to have a final outcome.
func (f *Team) Final(t testing.TB, within time.Duration) activity.Record {
	t.Helper()
	var last []activity.Record
	wait.Until(t, within, func() bool {
		recs, err := f.Store.Activity().Recent(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		last = recs
		return len(recs) == 1 && recs[0].Final != ""
	})
	return last[0]
}

// AddBulk records a bulk delete of alice's snapshot snap (named name), as
// if she had confirmed it; no job is started.
func (f *Team) AddBulk(t testing.TB, snap int64, name string) int64 {
	t.Helper()
	id, err := f.Store.Bulk().Add(context.Background(), bulk.Delete{Actor: "alice", Started: time.Now(), Items: []bulk.Item{
		{SnapshotID: snap, ServerID: f.Server, ServerName: "web-server-01", SnapshotName: name}}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
