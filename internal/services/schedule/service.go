// Package schedule keeps a server's snapshots taken on a schedule, with the
// operator's automation token: schedules changed by people allowed to, a
// tick that opens each due run once across replicas (ScheduleTickArgs), and
// one job per run (ScheduledRunArgs, ScheduledRunWorker) that makes room,
// creates, waits and deletes the schedule's own snapshots beyond its keep
// count, one step at a time, each recorded before and after its call.
package schedule

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// DefaultMaxFailures is how many runs of a schedule may fail in a row
// before it pauses itself.
const DefaultMaxFailures = 3

// DefaultTick is how often due schedules are looked for.
const DefaultTick = time.Minute

// Options are a Service's settings beyond its collaborators.
type Options struct {
	// Automation is the operator's token that schedules run with; "": none run.
	Automation vpsapi.Token
	// MaxFailures is how many runs of a schedule may fail in a row before
	// it pauses itself, and be skipped in a row before it says so; default
	// DefaultMaxFailures.
	MaxFailures int
	// Tick is how often due schedules are looked for; default DefaultTick.
	Tick time.Duration
	// ObserveRun counts a run started ("started", 0) and ended (its state,
	// how long it took); nil: not counted.
	ObserveRun func(outcome string, took time.Duration)
}

// Service changes schedules and carries out their runs.
type Service struct {
	dash        *dashboard.Dashboard
	api         vpsapi.API   // for the pages
	job         vpsapi.API   // for its runs: what they see is kept for the pages
	store       *store.Store // opening a run and inserting its job is one transaction
	schedules   schedules.Store
	activity    activity.Store
	jobs        *jobs.Runner
	roles       dashboard.Roles
	automation  vpsapi.Token
	maxFailures int
	observeRun  func(outcome string, took time.Duration)
	log         *slog.Logger
	now         func() time.Time
}

// New returns a Service, adds its workers to the job engine and has River's
// leader tick every o.Tick.
func New(dash *dashboard.Dashboard, st *store.Store, engine *jobs.Runner, o Options) *Service {
	if o.MaxFailures <= 0 {
		o.MaxFailures = DefaultMaxFailures
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	svc := &Service{dash: dash, api: dash.API(), job: dash.Seeing(), store: st, schedules: st.Schedules(), activity: st.Activity(), jobs: engine, roles: dash.Roles(),
		automation: o.Automation, maxFailures: o.MaxFailures, observeRun: o.ObserveRun, log: dash.Log(), now: dash.Now}
	jobs.AddWorker(engine, &ScheduleTickWorker{Service: svc})
	jobs.AddWorker(engine, &ScheduledRunWorker{Service: svc})
	engine.AddPeriodic("schedule_tick", o.Tick, true, func() river.JobArgs { return ScheduleTickArgs{} })
	return svc
}

// ScheduleTickArgs start the runs that are due. River's leader inserts one
// every tick, so one replica starts each run.
type ScheduleTickArgs struct{}

// Kind names the job in River.
func (ScheduleTickArgs) Kind() string { return "schedule_tick" }

// ScheduleTickWorker opens the due runs.
type ScheduleTickWorker struct {
	river.WorkerDefaults[ScheduleTickArgs]
	Service *Service
}

// Work opens every due run and starts its job.
func (w *ScheduleTickWorker) Work(ctx context.Context, _ *river.Job[ScheduleTickArgs]) error {
	return w.Service.StartDueRuns(ctx)
}

// ScheduledRunArgs name one run of a schedule. The run acts with the
// operator's automation token, which each replica reads from its
// configuration: the arguments hold no token.
type ScheduledRunArgs struct {
	RunID int64 `json:"run_id"`
}

// Kind names the job in River.
func (ScheduledRunArgs) Kind() string { return "scheduled_run" }

// ScheduledRunWorker moves a run on by one step a run of the job.
type ScheduledRunWorker struct {
	river.WorkerDefaults[ScheduledRunArgs]
	Service *Service
}

// Work takes one step, then snoozes until the next.
func (w *ScheduledRunWorker) Work(ctx context.Context, job *river.Job[ScheduledRunArgs]) error {
	next, err := w.Service.AdvanceRun(ctx, job.Args.RunID)
	if err != nil || !next.Done {
		return w.Service.jobs.Later(ctx, next, err)
	}
	return nil
}

// runJob is the job of a run: unique by its arguments, so a run with a
// job already (by any replica) gets no second.
func runJob(runID int64) (river.JobArgs, *river.InsertOpts) {
	return ScheduledRunArgs{RunID: runID}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}
