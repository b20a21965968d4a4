// Package storetest opens migrated stores for tests: SQLite in a temporary
// folder, or PostgreSQL on a server pgtest started.
package storetest

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/store"
)

// SQLite is a fresh, migrated SQLite store, closed when the test ends.
func SQLite(t testing.TB) *store.Store { return Open(t, "") }

// Open opens and migrates the store at databaseURL ("" for SQLite in a
// temporary folder), closed when the test ends.
func Open(t testing.TB, databaseURL string) *store.Store {
	t.Helper()
	return open(t, databaseURL, t.TempDir())
}

// SQLiteIn is a fresh, migrated SQLite store in dir, for tests that read its files.
func SQLiteIn(t testing.TB, dir string) *store.Store {
	t.Helper()
	return open(t, "", dir)
}

func open(t testing.TB, databaseURL, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), databaseURL, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// SQLiteAt is SQLite with the store's clock set to now.
func SQLiteAt(t testing.TB, now func() time.Time) *store.Store {
	s := SQLite(t)
	s.SetClock(now)
	return s
}

// RawDB is a connection of the test's own to the store's database, closed
// when the test ends.
func RawDB(t testing.TB, st *store.Store) *sql.DB {
	t.Helper()
	db := openRaw(t, st)
	t.Cleanup(func() { db.Close() })
	return db
}

func openRaw(t testing.TB, st *store.Store) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", store.SQLiteDSN(st.Path())
	if st.Engine() == store.Postgres {
		driver, dsn = "pgx", st.URL()
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// Count runs a query counting rows (written with $1, $2 … placeholders on
// both engines) in the store's database.
func Count(t testing.TB, st *store.Store, query string, args ...any) int {
	t.Helper()
	if st.Engine() != store.Postgres {
		for i := len(args); i >= 1; i-- {
			query = strings.ReplaceAll(query, "$"+strconv.Itoa(i), "?")
		}
	}
	// Its own connection, closed at once: tests count while they wait.
	db := openRaw(t, st)
	defer db.Close()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Jobs counts River's jobs of kind in one of states (any state when none).
func Jobs(t testing.TB, st *store.Store, kind string, states ...string) int {
	t.Helper()
	if len(states) == 0 {
		return Count(t, st, "SELECT COUNT(*) FROM river_job WHERE kind = $1", kind)
	}
	n := 0
	for _, s := range states {
		n += Count(t, st, "SELECT COUNT(*) FROM river_job WHERE kind = $1 AND state = $2", kind, s)
	}
	return n
}
