// Package dashboard holds what Snapdash's features share: reading a
// person's servers and snapshots (the cards, the table, Activity), the one
// action path (guard the form, record the action before its call, call
// VPS.org, complete the record, have it followed), the one rule of what
// must not be deleted, pins and notes, roles, and the words for every
// action's outcome. The features (internal/services/...) build on it. Its
// outcomes carry reasons, never HTTP statuses; it knows nothing of HTTP,
// sessions or views.
package dashboard

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/live"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/vpsapi"
)

// Limit is the number of snapshots VPS.org allows per server.
const Limit = vpsapi.SnapshotLimit

// Follower has a job follow an accepted create or restore, recorded as r,
// with the token of the person who started it (internal/services/follow).
type Follower interface {
	Start(ctx context.Context, r activity.Record, session string, token vpsapi.Token) error
}

// Dashboard runs the shared use cases for every signed-in person; each call
// carries the person's token.
type Dashboard struct {
	api       vpsapi.API
	activity  activity.Store
	follow    Follower
	restores  restores.Store  // read: the cards' running restores, what is in use
	schedules schedules.Store // read: the cards' schedules
	marks     marks.Store
	roles     Roles
	guard     *submitguard.Guard
	log       *slog.Logger
	now       func() time.Time
	kept      annotations
	changes   Changes
	views     *live.Views
	seen      *live.Seen
}

// Options are a Dashboard's collaborators; all but Roles, Log and Now are
// required.
type Options struct {
	API       vpsapi.API
	Activity  activity.Store
	Claims    submitguard.Claimer // the double-submit guard shared by replicas
	Follow    Follower
	Restores  restores.Store
	Schedules schedules.Store
	Marks     marks.Store
	Changes   Changes          // the store's change feed: while it stands still, annotations are kept
	Seen      *live.Seen       // which servers each token saw; nil: a new one
	Views     *live.Views      // what the jobs saw of servers; nil: polls ask VPS.org
	Roles     Roles            // who may restore and delete; zero: everyone
	Log       *slog.Logger     // default: discard
	Now       func() time.Time // default: time.Now
}

// New returns a Dashboard.
func New(o Options) *Dashboard {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Seen == nil {
		o.Seen = live.NewSeen()
	}
	if o.Changes == nil {
		o.Changes = noFeed{}
	}
	guard := submitguard.New(15*time.Minute, 10000, o.Now)
	if o.Claims != nil {
		guard.WithClaims(o.Claims)
	}
	return &Dashboard{api: o.API, activity: o.Activity, follow: o.Follow, restores: o.Restores, schedules: o.Schedules, marks: o.Marks,
		roles: o.Roles, guard: guard, log: o.Log, now: o.Now, views: o.Views, seen: o.Seen, changes: o.Changes}
}

// API is VPS.org, for the features.
func (d *Dashboard) API() vpsapi.API { return d.api }

// Log is where the features log.
func (d *Dashboard) Log() *slog.Logger { return d.log }

// Guard is the double-submit guard every form shares.
func (d *Dashboard) Guard() *submitguard.Guard { return d.guard }

// Now is the dashboard's clock.
func (d *Dashboard) Now() time.Time { return d.now() }

// Activity is the team's record, nil when none is kept.
func (d *Dashboard) Activity() activity.Store { return d.activity }

// noFeed is no change feed: nothing is kept, every page reads the store.
type noFeed struct{}

func (noFeed) Last(context.Context) (int64, error) { return 0, errors.New("dashboard: no change feed") }
