// Package store is Snapdash's one durable store: SQLite (a file, the default)
// or PostgreSQL (when replicas share state), through database/sql with pure-Go
// drivers. It holds sessions (already encrypted by the session package), the
// activity record, the double-submit claims, jobs' sealed tokens, restores,
// pins and notes, bulk deletes and schedules with their runs; River's tables
// live beside them. Its schema comes from embedded, forward-only
// migrations, each file applied whole, under a lock.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/snapdash/snapdash/internal/store/private"
	"github.com/snapdash/snapdash/internal/store/stmtcache"
	"modernc.org/sqlite"
)

//go:embed migrations
var migrations embed.FS

// Engine is the database behind a Store.
type Engine string

// Engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Store is an open database, or one transaction on it (InTx).
type Store struct {
	pool   *sql.DB
	db     querier // pool, or the transaction
	tx     *sql.Tx // nil outside InTx
	engine Engine
	url    string // PostgreSQL's URL
	path   string // SQLite's file
	now    func() time.Time
}

// querier is what reads and writes: the database, or a transaction on it.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// InTx runs fn with a Store whose every read and write is one transaction,
// committed when fn returns nil and rolled back otherwise: rows and the
// job that acts on them are written together or not at all (River's
// InsertTx takes Tx).
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	sqlTx, err := s.pool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := *s
	tx.db, tx.tx = sqlTx, sqlTx
	if err := fn(&tx); err != nil {
		return errors.Join(err, ignoreDone(sqlTx.Rollback()))
	}
	return sqlTx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// Tx is the transaction of a Store InTx gave; nil outside one.
func (s *Store) Tx() *sql.Tx { return s.tx }

// DB is the database, for River's inserts in the store's transactions on
// PostgreSQL.
func (s *Store) DB() *sql.DB { return s.pool }

// FileName is the SQLite file's name in the data directory.
const FileName = "snapdash.db"

// Open opens the database that databaseURL names: postgres:// or
// postgresql:// for PostgreSQL; empty for the SQLite file FileName in
// dataDir (created 0700, the file 0600). It does not migrate.
func Open(ctx context.Context, databaseURL, dataDir string) (*Store, error) {
	s := &Store{now: time.Now}
	switch {
	case strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://"):
		db, err := sql.Open("pgx", databaseURL)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
		s.pool, s.db, s.engine, s.url = db, db, Postgres, databaseURL
	case databaseURL == "":
		path := filepath.Join(dataDir, FileName)
		if err := private.Files(dataDir, path); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		// Each connection keeps its statements: SQLite parses every query
		// otherwise, a fifth of a poll's CPU.
		// Its transactions (InTx) write: each takes the write lock as it
		// begins, waiting its turn, since one that read first could not
		// take it later once another had written (SQLITE_BUSY at once).
		db := sql.OpenDB(stmtcache.New(&sqlite.Driver{}, SQLiteDSN(path)+"&_txlock=immediate"))
		// Opening a SQLite connection costs more than a page's queries:
		// keep as many idle as pages may use at once.
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
		s.pool, s.db, s.engine, s.path = db, db, SQLite, path
	default:
		return nil, errors.New("store: the database URL must start with postgres:// or postgresql://, or be empty for SQLite")
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		err := s.pool.PingContext(pingCtx)
		if err == nil {
			return s, nil
		}
		// A new SQLite connection switching to WAL while another process
		// migrates is refused at once (SQLITE_BUSY), not after the busy
		// timeout: try again for a while.
		if s.engine == SQLite && strings.Contains(err.Error(), "SQLITE_BUSY") && pingCtx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		s.pool.Close()
		return nil, fmt.Errorf("store: %s does not answer: %w", s.engine, err)
	}
}

// SQLiteDSN is how Snapdash opens the SQLite file at path: writers wait for
// each other rather than fail, and readers do not block the writer.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
}

// SetClock makes the store read time from now, for tests of expiry.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Engine says which database this is.
func (s *Store) Engine() Engine { return s.engine }

// URL is the PostgreSQL database's URL, "" on SQLite: for the job engine,
// which opens its own connections.
func (s *Store) URL() string { return s.url }

// Path is the SQLite file, "" on PostgreSQL.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.PingContext(ctx) }

// q rewrites a query written with ? placeholders for the engine.
func (s *Store) q(query string) string {
	if s.engine != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migrationLock is the PostgreSQL advisory lock key held while migrating.
const migrationLock = 0x534e4150 // "SNAP"

// Migrate applies the embedded migrations not yet applied, in order, each in
// its own transaction, under a lock: replicas starting together do not race.
// It returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	files, err := fs.Glob(migrations, "migrations/"+string(s.engine)+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	conn, err := s.pool.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if s.engine == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) //nolint:errcheck // released with the connection anyway
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	var applied []int
	for _, f := range files {
		base := filepath.Base(f)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return applied, fmt.Errorf("store: migration %s has no version number", base)
		}
		body, err := migrations.ReadFile(f)
		if err != nil {
			return applied, err
		}
		done, err := s.migrateOne(ctx, conn, version, string(body))
		if err != nil {
			return applied, fmt.Errorf("store: migration %s: %w", base, err)
		}
		if done {
			applied = append(applied, version)
		}
	}
	return applied, nil
}

// Locked runs fn under the migration lock (PostgreSQL; SQLite's migrations
// lock with their transactions): for the job engine's own migrations.
func (s *Store) Locked(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.engine != Postgres {
		return fn(ctx)
	}
	conn, err := s.pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("store: migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) //nolint:errcheck // released with the connection anyway
	return fn(ctx)
}

// migrateOne applies one migration unless it is recorded as applied. On
// SQLite the write transaction starts at once (BEGIN IMMEDIATE), which is the
// lock there.
func (s *Store) migrateOne(ctx context.Context, conn *sql.Conn, version int, body string) (bool, error) {
	begin := "BEGIN"
	if s.engine == SQLite {
		begin = "BEGIN IMMEDIATE"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return false, err
	}
	rollback := func(err error) (bool, error) {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return false, err
	}
	var n int
	if err := conn.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), version).Scan(&n); err != nil {
		return rollback(err)
	}
	if n > 0 {
		_, err := conn.ExecContext(ctx, "COMMIT")
		return false, err
	}
	// The file as a whole, never split on ";" (which a string or a
	// function body may hold): both drivers run several statements in one
	// call without arguments (pgx with the simple protocol).
	if _, err := conn.ExecContext(ctx, body); err != nil {
		return rollback(err)
	}
	if _, err := conn.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"), version, s.now().Unix()); err != nil {
		return rollback(err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return rollback(err)
	}
	return true, nil
}

// Version is the newest migration applied, 0 for an empty database.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v)
	return int(v.Int64), err
}
