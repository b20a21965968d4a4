package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
)

// engines opens a fresh, migrated store on SQLite and on a real PostgreSQL.
func engines(t *testing.T) map[store.Engine]func(t *testing.T) *store.Store {
	return map[store.Engine]func(t *testing.T) *store.Store{
		store.SQLite:   func(t *testing.T) *store.Store { return storetest.SQLite(t) },
		store.Postgres: func(t *testing.T) *store.Store { return storetest.Open(t, pgtest.Start(t).URL) },
	}
}

func TestSessionsNeverReviveADeletedSession(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			b := open(t).Sessions()
			ctx := context.Background()
			if err := b.Update(ctx, "NEVERCREATED", []byte("x"), time.Hour); !isNotFound(err) {
				t.Errorf("update of a session never created: %v", err)
			}
			if _, err := b.Load(ctx, "NEVERCREATED"); err != session.ErrNotFound {
				t.Errorf("the update created it: %v", err)
			}
			if err := b.Create(ctx, "ALIVE", []byte("v1"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := b.Update(ctx, "ALIVE", []byte("v2"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if data, err := b.Load(ctx, "ALIVE"); err != nil || string(data) != "v2" {
				t.Errorf("after update: %q, %v", data, err)
			}
			if n, err := b.Count(); err != nil || n != 1 {
				t.Errorf("count %d, %v", n, err)
			}
			if err := b.Delete(ctx, "ALIVE"); err != nil {
				t.Fatal(err)
			}
			if err := b.Update(ctx, "ALIVE", []byte("v3"), time.Hour); !isNotFound(err) {
				t.Errorf("update after delete: %v, want not found", err)
			}
			if _, err := b.Load(ctx, "ALIVE"); err != session.ErrNotFound {
				t.Errorf("a deleted session came back: %v", err)
			}
			if err := b.Create(ctx, "SHORT", []byte("v1"), 50*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
			if err := b.Update(ctx, "SHORT", []byte("v2"), time.Hour); !isNotFound(err) {
				t.Errorf("update after expiry: %v, want not found", err)
			}
			if n, err := b.Sweep(ctx); err != nil || n != 1 {
				t.Errorf("sweep removed %d, %v; want the expired one", n, err)
			}
		})
	}
}

func isNotFound(err error) bool { return errors.Is(err, session.ErrNotFound) }

func TestActivityNewestFirst(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			a := open(t).Activity()
			ctx := context.Background()
			at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			for i, name := range []string{"first", "second", "third"} {
				r := activity.Record{Time: at.Add(time.Duration(i) * time.Minute), Actor: "alice", Action: activity.Create,
					ServerID: 12345, ServerName: "web-server-01", SnapshotID: int64(800 + i), SnapshotName: name, Outcome: activity.Started, Detail: "ok"}
				if _, err := a.Add(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			got, err := a.Recent(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].SnapshotName != "third" || got[1].SnapshotName != "second" || !got[0].Time.Equal(at.Add(2*time.Minute)) {
				t.Errorf("recent: %+v", got)
			}
		})
	}
}

// Of many replicas claiming one form at once exactly one wins; an expired
// claim can be taken again.
func TestClaimsOneWinner(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			c := open(t).Claims()
			var mu sync.Mutex
			wins := 0
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := c.Claim(context.Background(), "form-1", time.Hour)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						wins++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if wins != 1 {
				t.Errorf("%d replicas won one form, want 1", wins)
			}
			if ok, _ := c.Claim(context.Background(), "short", 30*time.Millisecond); !ok {
				t.Fatal("a new form was not claimed")
			}
			time.Sleep(60 * time.Millisecond)
			if ok, err := c.Claim(context.Background(), "short", time.Hour); !ok || err != nil {
				t.Errorf("an expired claim was not taken again: %v", err)
			}
		})
	}
}

// Migrations run from an empty database once, and two starting together do
// not race: one applies, the other finds it done.
// latest is the newest schema version.
const latest = 10

func TestMigrateOnceUnderALock(t *testing.T) {
	pg := (*pgtest.Server)(nil)
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			url, dir := "", t.TempDir()
			if engine == store.Postgres {
				if pg == nil {
					pg = pgtest.Start(t)
				}
				url = pg.URL
			}
			var wg sync.WaitGroup
			applied := make([][]int, 3)
			for i := range applied {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := store.Open(context.Background(), url, dir)
					if err != nil {
						t.Error(err)
						return
					}
					defer s.Close()
					if applied[i], err = s.Migrate(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			times := map[int]int{}
			for _, a := range applied {
				for _, v := range a {
					times[v]++
				}
			}
			if len(times) != latest || times[1] != 1 || times[latest] != 1 {
				t.Errorf("three starts applied %v, want each of the %d migrations once", applied, latest)
			}
			s, err := store.Open(context.Background(), url, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v, err := s.Version(context.Background()); v != latest || err != nil {
				t.Errorf("version %d, %v", v, err)
			}
			if again, err := s.Migrate(context.Background()); len(again) != 0 || err != nil {
				t.Errorf("a second migrate applied %v, %v", again, err)
			}
		})
	}
}

// The SQLite file and its folder are private to Snapdash.
func TestSQLiteFileIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, store.FileName): 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), want)
		}
	}
	if _, err := store.Open(context.Background(), "mysql://nope", dir); err == nil {
		t.Error("a database URL of another kind was accepted")
	}
}

// A data folder and database restored from a backup with loose modes (a
// 755 folder, a 644 file and -wal/-shm) are made private at start.
func TestLooseDataFolderIsTightened(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, store.FileName)
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o644); err != nil { // whatever the umask
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{dir: 0o700, db: 0o600, db + "-wal": 0o600, db + "-shm": 0o600}
	for path, mode := range want {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), mode)
		}
	}
}

// The record is queried in the database: only the person's servers, by the
// filter, a page at a time, with the total; old records are pruned.
func TestActivityQueryAndPrune(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			a := open(t).Activity()
			ctx := context.Background()
			at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			for i := range 30 {
				actor, action, server := "alice", activity.Create, int64(1)
				if i%3 == 0 {
					actor, action = "bob", activity.Delete
				}
				if i%5 == 0 {
					server = 2
				}
				r := activity.Record{Time: at.Add(time.Duration(i) * time.Hour), Actor: actor, Action: action, ServerID: server,
					ServerName: "s", SnapshotName: "n", Outcome: activity.Started}
				if _, err := a.Add(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			_, _ = a.Add(ctx, activity.Record{Time: at, Actor: "mallory", Action: activity.Delete, ServerID: 99, Outcome: activity.Started})
			recs, total, err := a.Query(ctx, activity.Query{Servers: []int64{1, 2}, Actor: "bob", Limit: 4, Offset: 4})
			if err != nil {
				t.Fatal(err)
			}
			if total != 10 || len(recs) != 4 || recs[0].Actor != "bob" || !recs[0].Time.After(recs[3].Time) {
				t.Errorf("bob's second page: total %d, %d records", total, len(recs))
			}
			if _, total, _ := a.Query(ctx, activity.Query{Servers: []int64{1, 2}, ServerID: 2, Action: activity.Create}); total != 4 {
				t.Errorf("creates on server 2: %d, want 4", total)
			}
			if recs, total, _ := a.Query(ctx, activity.Query{}); total != 0 || len(recs) != 0 {
				t.Error("a query for no servers returned records")
			}
			if actors, _ := a.Actors(ctx, []int64{1, 2}); len(actors) != 2 || actors[0] != "alice" || actors[1] != "bob" {
				t.Errorf("actors %v", actors)
			}
			n, err := a.Prune(ctx, at.Add(10*time.Hour))
			if err != nil || n != 11 {
				t.Errorf("pruned %d, %v; want the 11 older than 10 h", n, err)
			}
			if _, total, _ := a.Query(ctx, activity.Query{Servers: []int64{1, 2}}); total != 20 {
				t.Errorf("%d left, want 20", total)
			}
		})
	}
}

// SQLite's and PostgreSQL's schemas stay alike: the same tables with the
// same columns, whatever each engine calls their types.
func TestSchemasAlike(t *testing.T) {
	ctx := context.Background()
	columns := func(st *store.Store) map[string][]string {
		t.Helper()
		db := storetest.RawDB(t, st)
		query := `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
		if st.Engine() == store.SQLite {
			query = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
		}
		rows, err := db.QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][]string{}
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(table, "river_") {
				out[table] = append(out[table], column)
			}
		}
		for _, cols := range out {
			slices.Sort(cols)
		}
		return out
	}
	lite, pg := columns(storetest.SQLite(t)), columns(storetest.Open(t, pgtest.Start(t).URL))
	if len(lite) < 10 {
		t.Fatalf("only %d tables on SQLite: %v", len(lite), lite)
	}
	for table, cols := range lite {
		if !slices.Equal(cols, pg[table]) {
			t.Errorf("table %s: SQLite has %v, PostgreSQL %v", table, cols, pg[table])
		}
	}
	for table := range pg {
		if _, ok := lite[table]; !ok {
			t.Errorf("table %s is on PostgreSQL only", table)
		}
	}
}
