// Package jobs is Snapdash's job engine: River in the store's database
// (riversqlite on SQLite, riverpgxv5 on PostgreSQL), the sealed vault of
// the tokens jobs act with, the periodic upkeep (pruning the activity
// record, sweeping expired sessions) and webhook notifications. It knows
// no feature: each feature package adds its own River worker (AddWorker)
// and periodic jobs before Start. A job that acts for a person carries a
// reference to their token, never the token: the token is kept encrypted
// with the session keys, for the job's life only, and erased when the job
// ends or the person signs out (unless they let it finish).
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/store"
)

// Options configure a Runner. Store and Keys are required.
type Options struct {
	Store *store.Store
	Keys  [][]byte // the session keys' hash/block pairs, newest first
	// ID names this process's worker in River's records; default: River's.
	ID string
	// TokenLife is the longest any job's sealed token opens: the longest a
	// job may take, and some; default DefaultTokenLife.
	TokenLife time.Duration
	// Retention is how long activity records are kept; 0 keeps them all.
	Retention time.Duration
	// Webhook receives a JSON POST for every job that ends; "" sends none.
	Webhook string
	// PublicURL is Snapdash's address as people open it, for links in
	// notifications; "" leaves links out.
	PublicURL string
	// Language is the webhook's language ("en", "ca"; SNAPDASH_LANGUAGE).
	Language string
	// ObserveNotify counts notifications delivered (true) and failed.
	ObserveNotify func(delivered bool)
	Log           *slog.Logger
	Now           func() time.Time
}

// engine is what the Runner uses of a River client, whatever its driver.
type engine interface {
	Start(context.Context) error
	Stop(context.Context) error
	Insert(context.Context, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobCancel(context.Context, int64) (*rivertype.JobRow, error)
	JobGet(context.Context, int64) (*rivertype.JobRow, error)
	PeriodicJobs() *river.PeriodicJobBundle
}

// txInserter inserts a job in a database/sql transaction.
type txInserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Runner inserts and works Snapdash's jobs.
type Runner struct {
	client engine
	// inTx inserts jobs in a store transaction: the worker client itself
	// on SQLite, an insert-only client on the store's database/sql
	// connections on PostgreSQL.
	inTx     txInserter
	started  bool
	closeDB  func()
	store    *store.Store
	tokens   store.JobTokens
	activity store.Activity
	vault    vault
	log      *slog.Logger
	now      func() time.Time
	workers  *river.Workers
	// stoppers say, by job kind, how a job that acts with a person's token
	// ends when its person signs out (see Stopper).
	stoppers map[string]func(ctx context.Context, args []byte, final string)

	webhook       string
	words         *i18n.Translator // the webhook's language
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
	langs, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	r := &Runner{
		words: langs.For(o.Language),
		store: o.Store, tokens: o.Store.JobTokens(), activity: o.Store.Activity(),
		log: o.Log, now: o.Now, workers: river.NewWorkers(), stoppers: map[string]func(context.Context, []byte, string){},
		webhook: o.Webhook, publicURL: o.PublicURL, observeNotify: o.ObserveNotify,
		webhookClient: &http.Client{Timeout: 10 * time.Second,
			// A webhook that redirects is failing: a redirect could carry
			// the notice somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	if o.TokenLife <= 0 {
		o.TokenLife = DefaultTokenLife
	}
	r.vault = newVault(o.TokenLife, o.Keys...)
	river.AddWorker(r.workers, &notifyWorker{r: r})
	river.AddWorker(r.workers, &pruneWorker{r: r, keep: o.Retention})
	river.AddWorker(r.workers, &sweepWorker{r: r})
	cfg := &river.Config{
		ID:      o.ID,
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
		Workers: r.workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return Prune{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true, ID: "prune"}),
			river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return Sweep{}, nil
			}, &river.PeriodicJobOpts{ID: "sweep"}),
		},
		// A check is one call to VPS.org (or one list); a job held longer
		// than this by a replica that died is given to another.
		JobTimeout:           time.Minute,
		RescueStuckJobsAfter: 2 * time.Minute,
		Logger:               quiet(o.Log),
	}
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
	inTx, err := river.NewClient(riverdatabasesql.New(r.store.DB()), &river.Config{Logger: cfg.Logger})
	if err != nil {
		pool.Close()
		return fmt.Errorf("jobs: %w", err)
	}
	r.client, r.inTx, r.closeDB = client, inTx, pool.Close
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
	r.client, r.inTx, r.closeDB = client, client, func() { _ = db.Close() }
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

// AddWorker adds a feature's worker, before Start. A worker whose jobs act
// with a person's token and must say how they ended when that person signs
// out implements Stopper for its arguments.
func AddWorker[T river.JobArgs](r *Runner, w river.Worker[T]) {
	river.AddWorker(r.workers, w)
	if s, ok := w.(Stopper[T]); ok {
		var zero T
		r.stoppers[zero.Kind()] = func(ctx context.Context, raw []byte, final string) {
			var args T
			if err := json.Unmarshal(raw, &args); err != nil {
				r.log.ErrorContext(ctx, "a stopped job's arguments not read", "kind", zero.Kind(), "error", err)
				return
			}
			s.Stop(ctx, args, final)
		}
	}
}

// Stopper ends a job's work when its person signs out (its token erased)
// while the job waits between steps: it records what the job had done.
// final is the activity outcome the sign-out recorded.
type Stopper[T river.JobArgs] interface {
	Stop(ctx context.Context, args T, final string)
}

// AddPeriodic has River's leader insert a job every interval (and at
// start, with runOnStart), so one replica works each; before Start.
func (r *Runner) AddPeriodic(id string, every time.Duration, runOnStart bool, args func() river.JobArgs) {
	r.client.PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return args(), nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart, ID: id}))
}

// Insert inserts a job; one already there with the same unique options
// is not inserted twice.
func (r *Runner) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := r.client.Insert(ctx, args, opts)
	return err
}

// InsertTx inserts a job in the store transaction tx (store.InTx): the job
// exists if, and only if, the rows written with it do.
func (r *Runner) InsertTx(ctx context.Context, tx *store.Store, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	if tx.Tx() == nil {
		return 0, errors.New("jobs: InsertTx outside a transaction")
	}
	res, err := r.inTx.InsertTx(ctx, tx.Tx(), args, opts)
	if err != nil {
		return 0, fmt.Errorf("jobs: %w", err)
	}
	return res.Job.ID, nil
}

// Now is the engine's clock.
func (r *Runner) Now() time.Time { return r.now() }

// Start works jobs until ctx ends or Stop is called, with the workers
// added so far.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	r.started = true
	return nil
}

// Stop lets jobs being worked finish (within ctx), then closes River's
// connections. Jobs not finished are worked by another replica or after a
// restart.
func (r *Runner) Stop(ctx context.Context) error {
	var err error
	if r.started {
		err = r.client.Stop(ctx)
	}
	r.closeDB()
	return err
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
