// Package storetest opens migrated stores for tests: SQLite in a temporary
// folder, or PostgreSQL on a server pgtest started.
package storetest

import (
	"context"
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
