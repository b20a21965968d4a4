// Package follow follows a create or restore VPS.org accepted to its end:
// one job per action (FollowArgs, FollowWorker) looks at VPS.org at the
// pace an open page polls, with the token of the person who started it,
// and writes the end it saw on the action's record, once.
package follow

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/snapdash/snapdash/internal/i18n"

	"github.com/riverqueue/river"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/live"
	"github.com/snapdash/snapdash/vpsapi"
)

// API is what following needs of VPS.org.
type API interface {
	ListSnapshots(ctx context.Context, token vpsapi.Token, serverID int64) ([]vpsapi.Snapshot, error)
	GetServer(ctx context.Context, token vpsapi.Token, id int64) (vpsapi.Server, error)
}

// DefaultLimit is how long a followed action may take by default.
const DefaultLimit = time.Hour

// DefaultEvery is how often a follower looks by default: a page shows what
// it saw within its own 2 s.
const DefaultEvery = 2 * time.Second

// Options are a Service's collaborators; all but Limit, Log and Now are
// required.
type Options struct {
	API      API
	Activity activity.Store
	Jobs     *jobs.Runner
	// Views keep what the followers see of each server, for the pages and
	// for each other; nil: nothing kept.
	Views *live.Views
	// Every is how often a follower looks while its action is in
	// progress; default DefaultEvery.
	Every time.Duration
	// Limit is how long an action may run before its record says "still
	// running after N min"; default DefaultLimit.
	Limit time.Duration
	Log   *slog.Logger
	Now   func() time.Time
}

// Service starts and carries out follow jobs.
type Service struct {
	api      API
	activity activity.Store
	jobs     *jobs.Runner
	views    *live.Views
	every    time.Duration
	limit    time.Duration
	log      *slog.Logger
	now      func() time.Time
}

// New returns a Service and adds its worker to the job engine.
func New(o Options) *Service {
	if o.Limit <= 0 {
		o.Limit = DefaultLimit
	}
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{api: o.API, activity: o.Activity, jobs: o.Jobs, views: o.Views, every: o.Every, limit: o.Limit, log: o.Log, now: o.Now}
	jobs.AddWorker(o.Jobs, &FollowWorker{Service: s})
	return s
}

// TokenLife is how long a follow job's token is kept at most: the limit
// and a margin for a job waiting on a replica that died.
func (s *Service) TokenLife() time.Duration { return s.limit + 15*time.Minute }

// FollowArgs are a follow job's arguments. River stores them in clear:
// TokenKey names the sealed token, it is not the token.
type FollowArgs struct {
	ActivityID   int64     `json:"activity_id"`
	Action       string    `json:"action"` // activity.Create or activity.Restore
	ServerID     int64     `json:"server_id"`
	ServerName   string    `json:"server_name"`
	Actor        string    `json:"actor"` // who started it, for the notice
	SnapshotID   int64     `json:"snapshot_id"`
	SnapshotName string    `json:"snapshot_name"`
	Started      time.Time `json:"started"`
	// Accepted is when VPS.org's answer came: only what was seen of the
	// server after it tells how the action goes.
	Accepted time.Time `json:"accepted"`
	TokenKey string    `json:"token_key"`
}

// Kind names the job in River.
func (FollowArgs) Kind() string { return "follow_action" }

// Start has a job follow an accepted create or restore (or a create whose
// answer was lost, to learn whether it happened), recorded as r, with the
// token of the person who started it in session. Its first look is at
// once: what it sees answers the pages watching the server from their
// first poll, so none of them asks VPS.org.
func (s *Service) Start(ctx context.Context, r activity.Record, session string, token vpsapi.Token) error {
	f := FollowArgs{
		ActivityID: r.ID, Action: r.Action, ServerID: r.ServerID, ServerName: r.ServerName, Actor: r.Actor,
		SnapshotID: r.SnapshotID, SnapshotName: r.SnapshotName, Started: r.Time, Accepted: s.now(),
	}
	p := jobs.Person{Session: session, Token: token, ActivityID: r.ID, Life: s.TokenLife()}
	return s.jobs.InsertWithToken(ctx, p, func(key string) (river.JobArgs, *river.InsertOpts) {
		f.TokenKey = key
		return f, nil
	})
}

// FollowWorker works follow jobs.
type FollowWorker struct {
	river.WorkerDefaults[FollowArgs]
	Service *Service
}

// Work checks once, then snoozes until the next check is due, or records
// the final outcome.
func (w *FollowWorker) Work(ctx context.Context, job *river.Job[FollowArgs]) error {
	s, f := w.Service, job.Args
	elapsed := s.now().Sub(f.Started)
	if elapsed >= s.limit {
		s.finish(ctx, f, activity.StillRunning, i18n.Nf("still running after %d min", int(s.limit/time.Minute)))
		return nil
	}
	token, err := s.jobs.Token(ctx, f.TokenKey)
	switch {
	case errors.Is(err, jobs.ErrTokenGone):
		// Erased by a sign-out (recorded then) or by the job's end on
		// another replica: either way nothing is left to do.
		s.finish(ctx, f, activity.SignedOut, "")
		return nil
	case errors.Is(err, jobs.ErrTokenUnreadable):
		s.finish(ctx, f, activity.Stopped, err.Error())
		return nil
	case err != nil:
		return river.JobSnooze(failedPace(elapsed))
	}
	p, err := s.Check(ctx, f, token)
	if err != nil {
		s.log.DebugContext(ctx, "a followed action could not be checked", "activity_id", f.ActivityID, "error", err)
		return river.JobSnooze(failedPace(elapsed))
	}
	if !p.Done {
		return river.JobSnooze(cmp.Or(p.Wait, s.every))
	}
	s.finish(ctx, f, p.Final, p.Detail)
	return nil
}

// failedPace is the wait after a check that failed: as a page's poll, at
// least the third step.
func failedPace(elapsed time.Duration) time.Duration {
	return max(vpsapi.PaceAfter(elapsed), vpsapi.Pace(2))
}

// finish records a followed action's final outcome, once, tells the
// webhook, and erases its token.
func (s *Service) finish(ctx context.Context, f FollowArgs, final, detail string) {
	ctx = context.WithoutCancel(ctx)
	recorded, err := s.activity.Finish(ctx, f.ActivityID, final, detail, s.now().UTC())
	if err != nil {
		s.log.ErrorContext(ctx, "followed action's outcome not stored", "activity_id", f.ActivityID, "error", err)
	} else if recorded {
		took := s.now().Sub(f.Started)
		s.log.InfoContext(ctx, "followed action ended", "activity_id", f.ActivityID, "action", f.Action,
			"server_id", f.ServerID, "snapshot_id", f.SnapshotID, "outcome", final, "detail", detail,
			"duration", took.Round(time.Second).String())
		s.jobs.Notify(ctx, jobs.Notice{Action: f.Action, Server: f.ServerName, ServerID: f.ServerID, Snapshot: f.SnapshotName,
			Person: f.Actor, Outcome: final, Detail: detail, Duration: took})
	}
	s.jobs.EraseToken(ctx, f.TokenKey)
}
