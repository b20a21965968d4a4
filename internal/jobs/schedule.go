package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// ScheduleTick starts the scheduled runs that are due. River's leader
// inserts it every tick, so one replica starts each run.
type ScheduleTick struct{}

// Kind names the job in River.
func (ScheduleTick) Kind() string { return "schedule_tick" }

// ScheduledRun is the job taking one run of a schedule through its steps,
// with the operator's automation token (which each replica read from its
// configuration: the arguments hold no token).
type ScheduledRun struct {
	RunID int64 `json:"run_id"`
}

// Kind names the job in River.
func (ScheduledRun) Kind() string { return "scheduled_run" }

// Scheduler starts due runs and moves a run on by one step (see
// dashboard.StartDueRuns and dashboard.AdvanceRun).
type Scheduler interface {
	StartDueRuns(ctx context.Context) error
	AdvanceRun(ctx context.Context, id int64) (Next, error)
}

// DefaultScheduleTick is how often due schedules are looked for.
const DefaultScheduleTick = time.Minute

// ScheduledRun starts the job of a run; a run with a job already (by any
// replica) gets no second.
func (r *Runner) ScheduledRun(ctx context.Context, runID int64) error {
	_, err := r.client.Insert(context.WithoutCancel(ctx), ScheduledRun{RunID: runID}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

type tickWorker struct {
	river.WorkerDefaults[ScheduleTick]
	r *Runner
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[ScheduleTick]) error {
	return w.r.work.StartDueRuns(ctx)
}

type runWorker struct {
	river.WorkerDefaults[ScheduledRun]
	r *Runner
}

func (w *runWorker) Work(ctx context.Context, job *river.Job[ScheduledRun]) error {
	next, err := w.r.work.AdvanceRun(ctx, job.Args.RunID)
	if err != nil || !next.Done {
		return w.r.later(ctx, next, err)
	}
	return nil
}
