package jobs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// Follow is a job following a create or restore VPS.org accepted until it
// ends. Its arguments are stored in clear by River: TokenKey names the
// encrypted token, it is not the token.
type Follow struct {
	ActivityID   int64     `json:"activity_id"`
	Action       string    `json:"action"` // activity.Create or activity.Restore
	ServerID     int64     `json:"server_id"`
	ServerName   string    `json:"server_name"`
	Actor        string    `json:"actor"` // who started it, for the notice
	SnapshotID   int64     `json:"snapshot_id"`
	SnapshotName string    `json:"snapshot_name"`
	Started      time.Time `json:"started"`
	TokenKey     string    `json:"token_key"`
}

// Kind names the job in River.
func (Follow) Kind() string { return "follow_action" }

// Progress is how a followed action stands after one check.
type Progress struct {
	Done   bool
	Final  string // an activity final outcome, when Done
	Detail string // VPS.org's words or ours, when Done
}

// Follower looks once at how a followed action is doing, with the token of
// the person who started it. An error means the check could not tell (VPS.org
// unavailable, say): the job checks again later.
type Follower interface {
	Check(ctx context.Context, f Follow, token vpsapi.Token) (Progress, error)
}

// tokenLife is how long a job's token is kept at most: the follow limit and
// a margin for a job waiting on a replica that died.
func tokenLife(limit time.Duration) time.Duration { return limit + 15*time.Minute }

// Follow starts a job following an action the session's person started:
// their token is kept encrypted for the job's life, and the job's first
// check comes at the pace an open page would poll.
func (r *Runner) Follow(ctx context.Context, f Follow, sessionID string, token vpsapi.Token) error {
	return r.insertWithToken(ctx, sessionID, f.ActivityID, 0, token, tokenLife(r.limit), func(key string) (river.JobArgs, *river.InsertOpts) {
		f.TokenKey = key
		return f, &river.InsertOpts{ScheduledAt: r.now().Add(vpsapi.Pace(0))}
	})
}

// insertWithToken keeps the token of the session's person sealed under a
// new key for life, then inserts the job job builds with that key. The job
// is stopped at once when the session ended meanwhile.
func (r *Runner) insertWithToken(ctx context.Context, sessionID string, activityID, bulkID int64, token vpsapi.Token, life time.Duration,
	job func(key string) (river.JobArgs, *river.InsertOpts)) error {
	key := rand.Text()
	sealed, err := r.vault.seal(key, string(token))
	if err != nil {
		return fmt.Errorf("jobs: sealing the token: %w", err)
	}
	if err := r.tokens.Put(ctx, key, sessionID, activityID, bulkID, sealed, life); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	args, opts := job(key)
	res, err := r.client.Insert(ctx, args, opts)
	if err != nil {
		_ = r.tokens.Delete(context.WithoutCancel(ctx), key)
		return fmt.Errorf("jobs: %w", err)
	}
	if err := r.tokens.SetJob(ctx, key, res.Job.ID); err != nil {
		// Not fatal: a sign-out still erases the token, and the job stops
		// at its next run.
		r.log.WarnContext(ctx, "a job's id was not noted beside its token", "job_id", res.Job.ID, "error", err)
	}
	// A sign-out that finished while this action was still running erased
	// the session before its jobs' tokens: it could not see this one.
	if _, err := r.store.Sessions().Load(ctx, sessionID); errors.Is(err, session.ErrNotFound) {
		_, err = r.StopFor(ctx, sessionID, activity.SignedOut)
		return err
	}
	return nil
}

type followWorker struct {
	river.WorkerDefaults[Follow]
	r *Runner
}

// Work checks once, then snoozes until the next check is due, or records
// the final outcome.
func (w *followWorker) Work(ctx context.Context, job *river.Job[Follow]) error {
	r, f := w.r, job.Args
	elapsed := r.now().Sub(f.Started)
	if elapsed >= r.limit {
		r.finish(ctx, f, activity.StillRunning, fmt.Sprintf("still running after %d min", int(r.limit/time.Minute)))
		return nil
	}
	sealed, err := r.tokens.Get(ctx, f.TokenKey)
	if errors.Is(err, store.ErrNoJobToken) {
		// Erased by a sign-out (recorded then) or by the job's end on
		// another replica: either way nothing is left to do.
		r.finish(ctx, f, activity.SignedOut, "")
		return nil
	}
	if err != nil {
		return river.JobSnooze(failedPace(elapsed))
	}
	token, err := r.vault.open(f.TokenKey, sealed)
	if err != nil {
		r.finish(ctx, f, activity.Stopped, "its token could not be read: the session keys changed")
		return nil
	}
	p, err := r.work.Check(ctx, f, vpsapi.Token(token))
	if err != nil {
		r.log.DebugContext(ctx, "a followed action could not be checked", "activity_id", f.ActivityID, "error", err)
		return river.JobSnooze(failedPace(elapsed))
	}
	if !p.Done {
		return river.JobSnooze(vpsapi.PaceAfter(elapsed))
	}
	r.finish(ctx, f, p.Final, p.Detail)
	return nil
}

// failedPace is the wait after a check that failed: as a page's poll, at
// least the third step.
func failedPace(elapsed time.Duration) time.Duration {
	return max(vpsapi.PaceAfter(elapsed), vpsapi.Pace(2))
}
