// Package dashboard holds Snapdash's use cases: loading a person's servers
// and snapshots and acting on them (guard the form, record the action,
// call VPS.org, complete the record); the steps of the jobs that carry out
// restores with a safety snapshot, new snapshots that make room, bulk
// deletes, scheduled runs and following; the one rule of what must not be
// deleted; pins and notes; roles; and the words for every outcome. Its
// outcomes carry reasons, never HTTP statuses; it knows nothing of HTTP,
// sessions or views.
package dashboard

import (
	"context"
	"log/slog"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/vpsapi"
)

// API is what the dashboard needs of the VPS.org API.
type API interface {
	ListSnapshots(ctx context.Context, token vpsapi.Token, serverID int64) ([]vpsapi.Snapshot, error)
	ListServers(ctx context.Context, token vpsapi.Token) ([]vpsapi.Server, error)
	GetServer(ctx context.Context, token vpsapi.Token, id int64) (vpsapi.Server, error)
	CreateSnapshot(ctx context.Context, token vpsapi.Token, req vpsapi.CreateRequest) (vpsapi.Created, error)
	RestoreSnapshot(ctx context.Context, token vpsapi.Token, snapshotID int64) (vpsapi.Restored, error)
	DeleteSnapshot(ctx context.Context, token vpsapi.Token, snapshotID int64) error
}

// DefaultMaxFailures is how many runs of a schedule may fail in a row
// before it pauses itself.
const DefaultMaxFailures = 3

// Limit is the number of snapshots VPS.org allows per server.
const Limit = 5

// Dashboard runs the use cases for every signed-in person; each call
// carries the person's token.
type Dashboard struct {
	api      API
	activity activity.Store // nil: nothing recorded
	jobs     *jobs.Runner   // nil: actions are not followed
	restores restores.Store // nil: no restores with a safety snapshot
	marks    marks.Store    // nil: no pins or notes
	roles    Roles
	bulk     bulk.Store // nil: no bulk deletes
	// schedules run with the operator's automation token, never a person's.
	schedules  schedules.Store // nil: no schedules
	automation vpsapi.Token    // "": schedules cannot run
	// maxFailures: runs failed (or skipped) in a row before a schedule
	// pauses itself (or says so).
	maxFailures int
	observeRun  func(outcome string, took time.Duration)
	guard       *SubmitGuard
	log         *slog.Logger
	now         func() time.Time
	recent      attributionCache
}

// Options are a Dashboard's collaborators. API is required.
type Options struct {
	API      API
	Activity activity.Store // nil: nothing recorded
	Claims   Claimer        // the double-submit guard shared by replicas; nil: this process only
	Jobs     *jobs.Runner   // follows accepted actions to their end; nil: not followed
	Restores restores.Store // restores with a safety snapshot (with Jobs); nil: none
	Marks    marks.Store    // pins and notes; nil: none
	Roles    Roles          // who may restore and delete; zero: everyone
	Bulk     bulk.Store     // bulk deletes (with Jobs); nil: none
	// Schedules keeps schedules (with Jobs); nil: none.
	Schedules schedules.Store
	// Automation is the operator's token that schedules run with; "": none run.
	Automation vpsapi.Token
	// MaxFailures is how many runs of a schedule may fail in a row before
	// it pauses itself, and be skipped in a row before it says so; default
	// DefaultMaxFailures.
	MaxFailures int
	// ObserveRun counts a scheduled run started ("started", 0) and ended
	// (its state, how long it took); nil: not counted.
	ObserveRun func(outcome string, took time.Duration)
	Log        *slog.Logger     // default: discard
	Now        func() time.Time // default: time.Now
}

// New returns a Dashboard.
func New(o Options) *Dashboard {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = DefaultMaxFailures
	}
	guard := NewSubmitGuard(15*time.Minute, 10000, o.Now)
	if o.Claims != nil {
		guard.WithClaims(o.Claims)
	}
	return &Dashboard{api: o.API, activity: o.Activity, jobs: o.Jobs, restores: o.Restores, marks: o.Marks, roles: o.Roles, bulk: o.Bulk,
		schedules: o.Schedules, automation: o.Automation, maxFailures: o.MaxFailures, observeRun: o.ObserveRun, guard: guard, log: o.Log, now: o.Now}
}

// Now is the dashboard's clock.
func (d *Dashboard) Now() time.Time { return d.now() }

// Activity is the team's record, nil when none is kept.
func (d *Dashboard) Activity() activity.Store { return d.activity }
