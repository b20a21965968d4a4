package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// Prune removes activity records past the retention, and the change feed's
// past the hour pages may ask about. River's leader inserts it at start and
// hourly, so one replica does it.
type Prune struct{}

// Kind names the job in River.
func (Prune) Kind() string { return "prune_activity" }

// ChangesKept is how long the change feed keeps a change: a page that
// asks about an older one reads its servers again.
const ChangesKept = time.Hour

type pruneWorker struct {
	river.WorkerDefaults[Prune]
	r    *Runner
	keep time.Duration // 0: keep everything
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[Prune]) error {
	if _, err := w.r.store.Changes().Prune(ctx, w.r.now().Add(-ChangesKept)); err != nil {
		return err // River retries it
	}
	if w.keep <= 0 {
		return nil
	}
	n, err := w.r.activity.Prune(ctx, w.r.now().Add(-w.keep))
	if err != nil {
		return err // River retries it
	}
	if n > 0 {
		w.r.log.InfoContext(ctx, "activity records past the retention removed", "count", n, "retention", w.keep.String())
	}
	return nil
}

// Sweep removes expired sessions, and the tokens of jobs that died without
// ending, every five minutes.
type Sweep struct{}

// Kind names the job in River.
func (Sweep) Kind() string { return "sweep_expired" }

type sweepWorker struct {
	river.WorkerDefaults[Sweep]
	r *Runner
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[Sweep]) error {
	sessions, err := w.r.store.Sessions().Sweep(ctx)
	if err != nil {
		return err
	}
	tokens, err := w.r.tokens.Sweep(ctx)
	if err != nil {
		return err
	}
	if sessions+tokens > 0 {
		w.r.log.DebugContext(ctx, "expired sessions and job tokens removed", "sessions", sessions, "job_tokens", tokens)
	}
	return nil
}
