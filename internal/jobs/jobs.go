// Package jobs runs Snapdash's background work on River, in the store's
// database (riversqlite on SQLite, riverpgxv5 on PostgreSQL; the same
// workers on both): following an accepted create or restore to its end,
// restores with a safety snapshot (and new snapshots that make room first),
// bulk deletes, scheduled runs and their ticks, webhook notifications,
// pruning the activity record and sweeping expired sessions. The steps of
// each are the dashboard's (Work); the jobs hold when and how often. A job
// that acts for a person carries a reference to their token, never the
// token: the token is kept encrypted with the session keys, for the job's
// life only, and erased when the job ends or the person signs out (unless
// they let it finish).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/snapdash/snapdash/internal/store"
)

// Options configure a Runner. Store and Keys are required.
type Options struct {
	Store *store.Store
	Keys  [][]byte // the session keys' hash/block pairs, newest first
	// ID names this process's worker in River's records; default: River's.
	ID string
	// FollowLimit is how long a followed action may run before its record
	// says "still running after N min"; default DefaultFollowLimit.
	FollowLimit time.Duration
	// Retention is how long activity records are kept; 0 keeps them all.
	Retention time.Duration
	// Webhook receives a JSON POST for every job that ends; "" sends none.
	Webhook string
	// PublicURL is Snapdash's address as people open it, for links in
	// notifications; "" leaves links out.
	PublicURL string
	// ObserveNotify counts notifications delivered (true) and failed.
	ObserveNotify func(delivered bool)
	// ScheduleTick is how often due schedules are looked for; default
	// DefaultScheduleTick.
	ScheduleTick time.Duration
	Log          *slog.Logger
	Now          func() time.Time
}

// DefaultFollowLimit is how long a followed action may take by default.
const DefaultFollowLimit = time.Hour

// engine is what the Runner uses of a River client, whatever its driver.
type engine interface {
	Start(context.Context) error
	Stop(context.Context) error
	Insert(context.Context, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobCancel(context.Context, int64) (*rivertype.JobRow, error)
	JobGet(context.Context, int64) (*rivertype.JobRow, error)
}

// Runner inserts and works Snapdash's jobs.
type Runner struct {
	client   engine
	closeDB  func()
	store    *store.Store
	tokens   store.JobTokens
	activity store.Activity
	vault    vault
	limit    time.Duration
	log      *slog.Logger
	now      func() time.Time
	work     Work // set by Start, before any job is worked

	webhook       string
	publicURL     string
	webhookClient *http.Client
	observeNotify func(bool)
}

// New opens River's connections to the store's database and brings River's
// tables up to date (under the store's migration lock on PostgreSQL). Jobs
// can be inserted at once; they are worked once Start is called.
func New(ctx context.Context, o Options) (*Runner, error) {
	if o.Store == nil || len(o.Keys) < 2 {
		return nil, errors.New("jobs: a store and the session keys are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FollowLimit <= 0 {
		o.FollowLimit = DefaultFollowLimit
	}
	if o.ScheduleTick <= 0 {
		o.ScheduleTick = DefaultScheduleTick
	}
	r := &Runner{
		store: o.Store, tokens: o.Store.JobTokens(), activity: o.Store.Activity(),
		limit: o.FollowLimit, log: o.Log, now: o.Now,
		webhook: o.Webhook, publicURL: o.PublicURL, observeNotify: o.ObserveNotify,
		webhookClient: &http.Client{Timeout: 10 * time.Second,
			// A webhook that redirects is failing: a redirect could carry
			// the notice somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	r.vault = newVault(tokenLife(o.FollowLimit), o.Keys...)
	workers := river.NewWorkers()
	river.AddWorker(workers, &followWorker{r: r})
	river.AddWorker(workers, &restoreWorker{r: r})
	river.AddWorker(workers, &notifyWorker{r: r})
	river.AddWorker(workers, &bulkWorker{r: r})
	river.AddWorker(workers, &pruneWorker{r: r, keep: o.Retention})
	river.AddWorker(workers, &sweepWorker{r: r})
	river.AddWorker(workers, &tickWorker{r: r})
	river.AddWorker(workers, &runWorker{r: r})
	cfg := &river.Config{
		ID:      o.ID,
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return Prune{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true, ID: "prune"}),
			river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return Sweep{}, nil
			}, &river.PeriodicJobOpts{ID: "sweep"}),
			river.NewPeriodicJob(river.PeriodicInterval(o.ScheduleTick), func() (river.JobArgs, *river.InsertOpts) {
				return ScheduleTick{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true, ID: "schedule_tick"}),
		},
		// A check is one call to VPS.org (or one list); a job held longer
		// than this by a replica that died is given to another.
		JobTimeout:           time.Minute,
		RescueStuckJobsAfter: 2 * time.Minute,
		Logger:               quiet(o.Log),
	}
	var err error
	switch o.Store.Engine() {
	case store.Postgres:
		err = r.openPostgres(ctx, cfg)
	default:
		err = r.openSQLite(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Runner) openPostgres(ctx context.Context, cfg *river.Config) error {
	pool, err := pgxpool.New(ctx, r.store.URL())
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	driver := riverpgxv5.New(pool)
	if err := r.store.Locked(ctx, func(ctx context.Context) error { return migrate(ctx, driver) }); err != nil {
		pool.Close()
		return err
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		pool.Close()
		return fmt.Errorf("jobs: %w", err)
	}
	r.client, r.closeDB = client, pool.Close
	return nil
}

// openSQLite gives River one connection of its own to the SQLite file, as
// riversqlite advises: SQLite runs one writer at a time.
func (r *Runner) openSQLite(ctx context.Context, cfg *river.Config) error {
	db, err := openSQLite(r.store.Path())
	if err != nil {
		return err
	}
	driver := riversqlite.New(db)
	if err := r.store.Locked(ctx, func(ctx context.Context) error { return migrate(ctx, driver) }); err != nil {
		db.Close()
		return err
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		db.Close()
		return fmt.Errorf("jobs: %w", err)
	}
	r.client, r.closeDB = client, func() { _ = db.Close() }
	return nil
}

// Migrate brings River's tables in the store's database up to date, for
// snapdash migrate; New does it too.
func Migrate(ctx context.Context, st *store.Store) error {
	if st.Engine() == store.Postgres {
		pool, err := pgxpool.New(ctx, st.URL())
		if err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
		defer pool.Close()
		return st.Locked(ctx, func(ctx context.Context) error { return migrate(ctx, riverpgxv5.New(pool)) })
	}
	db, err := openSQLite(st.Path())
	if err != nil {
		return err
	}
	defer db.Close()
	return migrate(ctx, riversqlite.New(db))
}

func openSQLite(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", store.SQLiteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: River's migrations: %w", err)
	}
	return nil
}

// Start works jobs until ctx ends or Stop is called; work (the dashboard)
// checks on followed actions and moves restores on.
func (r *Runner) Start(ctx context.Context, work Work) error {
	r.work = work
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return nil
}

// Stop lets jobs being worked finish (within ctx), then closes River's
// connections. Jobs not finished are worked by another replica or after a
// restart.
func (r *Runner) Stop(ctx context.Context) error {
	err := r.client.Stop(ctx)
	r.closeDB()
	return err
}

// finish records a followed action's final outcome, once, and erases its
// token.
func (r *Runner) finish(ctx context.Context, f Follow, final, detail string) {
	ctx = context.WithoutCancel(ctx)
	recorded, err := r.activity.Finish(ctx, f.ActivityID, final, detail, r.now().UTC())
	if err != nil {
		r.log.ErrorContext(ctx, "followed action's outcome not stored", "activity_id", f.ActivityID, "error", err)
	} else if recorded {
		took := r.now().Sub(f.Started)
		r.log.InfoContext(ctx, "followed action ended", "activity_id", f.ActivityID, "action", f.Action,
			"server_id", f.ServerID, "snapshot_id", f.SnapshotID, "outcome", final, "detail", detail,
			"duration", took.Round(time.Second).String())
		r.Notify(ctx, Notice{Action: f.Action, Server: f.ServerName, ServerID: f.ServerID, Snapshot: f.SnapshotName,
			Person: f.Actor, Outcome: final, Detail: detail, Duration: took})
	}
	if err := r.tokens.Delete(ctx, f.TokenKey); err != nil {
		r.log.ErrorContext(ctx, "a finished job's token was not erased; it expires on its own", "activity_id", f.ActivityID, "error", err)
	}
}

// StopFor erases the tokens of the jobs a session started, records final
// (activity.SignedOut, or activity.TokenRefused when VPS.org's refusal ended
// the session) as their outcome, and cancels them. It returns how many it
// stopped.
func (r *Runner) StopFor(ctx context.Context, sessionID, final string) (int, error) {
	if sessionID == "" {
		return 0, nil
	}
	erased, err := r.tokens.DeleteSession(ctx, sessionID)
	if err != nil {
		return 0, fmt.Errorf("jobs: %w", err)
	}
	stopped := 0
	ids := make([]int64, 0, len(erased))
	for _, e := range erased {
		ids = append(ids, e.ActivityID)
	}
	// A restore's job stops with its token: its record must say so too, or
	// the server would keep a restore "running" that nothing moves on.
	restoresOf, err := r.store.Restores().Of(ctx, ids)
	if err != nil {
		r.log.ErrorContext(ctx, "restores of a sign-out not read", "error", err)
	}
	for _, e := range erased {
		_, isRestore := restoresOf[e.ActivityID]
		// A restore's or bulk delete's call may be on its way: cancelling
		// would cut it short and leave its outcome unknown. Its record says
		// why it stops; the job records what VPS.org answered, then finds
		// its token gone at its next step and says what it had done. (A
		// follow job only reads: it stops at once.)
		inFlight := (isRestore || e.BulkID != 0) && e.JobID != 0 && r.inFlight(ctx, e.JobID)
		if ok, err := r.activity.Finish(ctx, e.ActivityID, final, "", r.now().UTC()); err != nil {
			r.log.ErrorContext(ctx, "a stopped job's outcome not stored", "activity_id", e.ActivityID, "error", err)
		} else if ok {
			stopped++
		}
		if inFlight {
			if e.BulkID != 0 {
				stopped++
			}
			continue
		}
		if x, ok := restoresOf[e.ActivityID]; ok && r.work != nil {
			r.work.StopRestore(ctx, x.ID, final)
		}
		if e.BulkID != 0 && r.work != nil {
			r.work.StopBulk(ctx, e.BulkID)
			stopped++
		}
		if e.JobID != 0 {
			// A job being worked right now finds its token gone and stops itself.
			if _, err := r.client.JobCancel(ctx, e.JobID); err != nil && !errors.Is(err, river.ErrNotFound) {
				r.log.WarnContext(ctx, "a job was not cancelled; it stops at its next check", "job_id", e.JobID, "error", err)
			}
		}
	}
	return stopped, nil
}

// inFlight reports whether a job is being worked right now (or cannot be
// told otherwise): one of its calls to VPS.org may be on its way.
func (r *Runner) inFlight(ctx context.Context, jobID int64) bool {
	row, err := r.client.JobGet(ctx, jobID)
	if errors.Is(err, river.ErrNotFound) {
		return false
	}
	return err != nil || row.State == rivertype.JobStateRunning
}

// quiet is River's logger: warnings and errors only, River being chatty.
func quiet(log *slog.Logger) *slog.Logger {
	return slog.New(levelAtLeast{log.Handler(), slog.LevelWarn})
}

type levelAtLeast struct {
	slog.Handler
	min slog.Level
}

func (h levelAtLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelAtLeast) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelAtLeast{h.Handler.WithAttrs(attrs), h.min}
}

func (h levelAtLeast) WithGroup(name string) slog.Handler {
	return levelAtLeast{h.Handler.WithGroup(name), h.min}
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
