package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// SafeRestore is a job taking a restore with a safety snapshot through its
// steps. The restore and its steps live in the store; the arguments only
// name it and the token's key.
type SafeRestore struct {
	RestoreID  int64  `json:"restore_id"`
	ActivityID int64  `json:"activity_id"`
	TokenKey   string `json:"token_key"`
}

// Kind names the job in River.
func (SafeRestore) Kind() string { return "safe_restore" }

// Next is what a restore's step says: done, or when to look again.
type Next struct {
	Done bool
	Wait time.Duration
}

// Restorer moves a restore with a safety snapshot on by one step (see
// dashboard.AdvanceRestore), and stops one whose person signed out.
type Restorer interface {
	AdvanceRestore(ctx context.Context, id int64, token vpsapi.Token) (Next, error)
	StopRestore(ctx context.Context, id int64, final string)
}

// Work is what the jobs call on: the dashboard.
type Work interface {
	Follower
	Restorer
	Deleter
	Scheduler
}

// Restore starts the job of a restore with a safety snapshot, with the
// token of the session's person kept encrypted for its life.
func (r *Runner) Restore(ctx context.Context, restoreID, activityID int64, sessionID string, token vpsapi.Token) error {
	return r.insertWithToken(ctx, sessionID, activityID, 0, token, tokenLife(restoreLife), func(key string) (river.JobArgs, *river.InsertOpts) {
		return SafeRestore{RestoreID: restoreID, ActivityID: activityID, TokenKey: key}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
	})
}

// restoreLife bounds a restore job: the safety snapshot's limit, the
// restore's, and some.
const restoreLife = 2 * time.Hour

type restoreWorker struct {
	river.WorkerDefaults[SafeRestore]
	r *Runner
}

func (w *restoreWorker) Work(ctx context.Context, job *river.Job[SafeRestore]) error {
	a := job.Args
	return w.r.step(ctx, a.TokenKey,
		func(final string) { w.r.work.StopRestore(ctx, a.RestoreID, final) },
		func(token vpsapi.Token) (Next, error) { return w.r.work.AdvanceRestore(ctx, a.RestoreID, token) })
}

// step runs one step of a job that acts with its person's token: the token
// gone (a sign-out) or unreadable stops the job, with the final outcome to
// record; otherwise the step runs and the job snoozes until the next, or
// ends and erases its token.
func (r *Runner) step(ctx context.Context, key string, stop func(final string), advance func(vpsapi.Token) (Next, error)) error {
	sealed, err := r.tokens.Get(ctx, key)
	if errors.Is(err, store.ErrNoJobToken) {
		stop(activity.SignedOut)
		return nil
	}
	if err != nil {
		return river.JobSnooze(vpsapi.Pace(2))
	}
	token, err := r.vault.open(key, sealed)
	if err != nil {
		stop(activity.Stopped)
		_ = r.tokens.Delete(context.WithoutCancel(ctx), key)
		return nil
	}
	next, err := advance(vpsapi.Token(token))
	if err != nil || !next.Done {
		return r.later(ctx, next, err)
	}
	if err := r.tokens.Delete(context.WithoutCancel(ctx), key); err != nil {
		r.log.ErrorContext(ctx, "a finished job's token was not erased; it expires on its own", "error", err)
	}
	return nil
}

// later snoozes a job that moved one step on (until next.Wait) or could not
// (a little longer); the next step may be taken by any replica.
func (r *Runner) later(ctx context.Context, next Next, err error) error {
	if err != nil {
		r.log.DebugContext(ctx, "a job could not move on", "error", err)
		return river.JobSnooze(max(next.Wait, vpsapi.Pace(2)))
	}
	return river.JobSnooze(max(next.Wait, 10*time.Millisecond))
}
