package jobs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// DefaultTokenLife bounds how long a job's sealed token opens: the
// longest job (a restore with a safety snapshot) and a margin for a job
// waiting on a replica that died.
const DefaultTokenLife = 2*time.Hour + 15*time.Minute

// ErrTokenGone: the job's token was erased (its person signed out, or the
// job ended on another replica).
var ErrTokenGone = errors.New("the job's token is gone")

// ErrTokenUnreadable: the job's token cannot be opened (the session keys
// changed).
var ErrTokenUnreadable = errors.New("the job's token could not be read: the session keys changed")

// Person is whose token a job acts with, and what the job is recorded as.
type Person struct {
	Session    string // the session it came from: its sign-out stops the job
	Token      vpsapi.Token
	ActivityID int64         // the job's activity record, if it has one
	BulkID     int64         // the bulk delete it carries out, if it is one
	Life       time.Duration // how long the token is kept at most
}

// InsertWithToken keeps the person's token sealed under a new key for its
// life and inserts the job build makes with that key (its arguments hold
// the key, never the token), in one transaction. The job is stopped at once
// when the session ended meanwhile.
func (r *Runner) InsertWithToken(ctx context.Context, p Person, build func(key string) (river.JobArgs, *river.InsertOpts)) error {
	if err := r.store.InTx(ctx, func(tx *store.Store) error { return r.InsertWithTokenTx(ctx, tx, p, build) }); err != nil {
		return err
	}
	return r.StopIfSessionEnded(ctx, p.Session)
}

// InsertWithTokenTx is InsertWithToken in the store transaction tx, with
// the rows the job acts on; the caller calls StopIfSessionEnded once it is
// committed.
func (r *Runner) InsertWithTokenTx(ctx context.Context, tx *store.Store, p Person, build func(key string) (river.JobArgs, *river.InsertOpts)) error {
	key := rand.Text()
	sealed, err := r.vault.seal(key, string(p.Token))
	if err != nil {
		return fmt.Errorf("jobs: sealing the token: %w", err)
	}
	tokens := tx.JobTokens()
	if err := tokens.Put(ctx, key, p.Session, p.ActivityID, p.BulkID, sealed, p.Life); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	args, opts := build(key)
	id, err := r.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return err
	}
	return tokens.SetJob(ctx, key, id)
}

// StopIfSessionEnded stops the jobs of a session that ended: a sign-out
// that finished while an action was still running erased the session
// before its jobs' tokens, so it could not see the action's job.
func (r *Runner) StopIfSessionEnded(ctx context.Context, sessionID string) error {
	if _, err := r.store.Sessions().Load(ctx, sessionID); errors.Is(err, session.ErrNotFound) {
		_, err = r.StopFor(ctx, sessionID, activity.SignedOut)
		return err
	}
	return nil
}

// Token opens the token a job's key names: ErrTokenGone when it was
// erased, ErrTokenUnreadable when it cannot be opened; any other error
// means the store could not be read (try again later).
func (r *Runner) Token(ctx context.Context, key string) (vpsapi.Token, error) {
	sealed, err := r.tokens.Get(ctx, key)
	if errors.Is(err, store.ErrNoJobToken) {
		return "", ErrTokenGone
	}
	if err != nil {
		return "", err
	}
	token, err := r.vault.open(key, sealed)
	if err != nil {
		return "", ErrTokenUnreadable
	}
	return vpsapi.Token(token), nil
}

// EraseToken erases a job's token at its end.
func (r *Runner) EraseToken(ctx context.Context, key string) {
	if err := r.tokens.Delete(context.WithoutCancel(ctx), key); err != nil {
		r.log.ErrorContext(ctx, "a finished job's token was not erased; it expires on its own", "error", err)
	}
}

// Next is what one step of a job says: done, or when to look again.
type Next struct {
	Done bool
	Wait time.Duration
}

// Step runs one step of a job that acts with its person's token: the token
// gone (a sign-out) or unreadable stops the job, with the final outcome to
// record; otherwise the step runs and the job snoozes until the next, or
// ends and erases its token.
func (r *Runner) Step(ctx context.Context, key string, stop func(final string), advance func(vpsapi.Token) (Next, error)) error {
	token, err := r.Token(ctx, key)
	switch {
	case errors.Is(err, ErrTokenGone):
		stop(activity.SignedOut)
		return nil
	case errors.Is(err, ErrTokenUnreadable):
		stop(activity.Stopped)
		r.EraseToken(ctx, key)
		return nil
	case err != nil:
		return river.JobSnooze(vpsapi.Pace(2))
	}
	next, err := advance(token)
	if err != nil || !next.Done {
		return r.Later(ctx, next, err)
	}
	r.EraseToken(ctx, key)
	return nil
}

// Later snoozes a job that moved one step on (until next.Wait) or could not
// (a little longer); the next step may be taken by any replica.
func (r *Runner) Later(ctx context.Context, next Next, err error) error {
	if err != nil {
		r.log.DebugContext(ctx, "a job could not move on", "error", err)
		return river.JobSnooze(max(next.Wait, vpsapi.Pace(2)))
	}
	return river.JobSnooze(max(next.Wait, 10*time.Millisecond))
}

// StopFor erases the tokens of the jobs a session started, records final
// (activity.SignedOut, or why the session ended) as their outcome, and
// stops them. It returns how many it stopped.
//
// A job between steps is stopped through its worker's Stopper (which
// records what it had done) and cancelled. A job being worked right now
// whose worker is a Stopper (its call may be on its way: cancelling would
// leave its outcome unknown) is left to record what VPS.org answered; it
// finds its token gone at its next step and stops itself. A job that only
// reads is cancelled at once.
func (r *Runner) StopFor(ctx context.Context, sessionID, final string) (int, error) {
	if sessionID == "" {
		return 0, nil
	}
	ctx = context.WithoutCancel(ctx)
	erased, err := r.tokens.DeleteSession(ctx, sessionID)
	if err != nil {
		return 0, fmt.Errorf("jobs: %w", err)
	}
	stopped := 0
	for _, e := range erased {
		if e.ActivityID == 0 {
			stopped++ // a bulk delete: its items say how it stopped
		} else if ok, err := r.activity.Finish(ctx, e.ActivityID, final, "", r.now().UTC()); err != nil {
			r.log.ErrorContext(ctx, "a stopped job's outcome not stored", "activity_id", e.ActivityID, "error", err)
		} else if ok || r.saidSo(ctx, e.ActivityID, final) {
			stopped++
		}
		if e.JobID == 0 {
			continue // the job finds its token gone at its next step
		}
		row, err := r.client.JobGet(ctx, e.JobID)
		if errors.Is(err, river.ErrNotFound) {
			continue
		}
		if err != nil {
			r.log.WarnContext(ctx, "a stopped job not read; it stops at its next step", "job_id", e.JobID, "error", err)
			continue
		}
		stop, acts := r.stoppers[row.Kind]
		if acts && row.State == rivertype.JobStateRunning {
			continue
		}
		if acts {
			stop(ctx, row.EncodedArgs, final)
		}
		if _, err := r.client.JobCancel(ctx, e.JobID); err != nil && !errors.Is(err, river.ErrNotFound) {
			r.log.WarnContext(ctx, "a job was not cancelled; it stops at its next step", "job_id", e.JobID, "error", err)
		}
	}
	return stopped, nil
}

// saidSo tells whether a record's final outcome is already final: its job
// found its token erased, between the erasing and the record, and said so.
func (r *Runner) saidSo(ctx context.Context, activityID int64, final string) bool {
	recs, err := r.activity.Get(ctx, []int64{activityID})
	return err == nil && len(recs) == 1 && recs[0].Final == final
}

// Underway says which jobs a session started are still under way (they
// hold its person's token).
func (r *Runner) Underway(ctx context.Context, sessionID string) ([]store.Erased, error) {
	if sessionID == "" {
		return nil, nil
	}
	return r.tokens.OfSession(ctx, sessionID)
}

// Release lets a session's jobs outlive it, at its person's choice: their
// tokens stay sealed, each until its job ends, and a sign-out no longer
// erases them.
func (r *Runner) Release(ctx context.Context, sessionID string) ([]store.Erased, error) {
	if sessionID == "" {
		return nil, nil
	}
	return r.tokens.Release(ctx, sessionID)
}
