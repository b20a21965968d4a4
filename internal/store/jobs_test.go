package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/store"
)

// A followed action's final outcome is recorded once, whoever gets there
// first, and read back with its duration.
func TestActivityFinishOnce(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			a := open(t).Activity()
			ctx := context.Background()
			at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			id, err := a.Add(ctx, activity.Record{Time: at, Actor: "alice", Action: activity.Create, ServerID: 7, ServerName: "web",
				SnapshotID: 900, SnapshotName: "nightly", Outcome: activity.Started})
			if err != nil || id == 0 {
				t.Fatalf("add: id %d, %v", id, err)
			}
			if ok, err := a.Finish(ctx, id, activity.Completed, "", at.Add(95*time.Second)); !ok || err != nil {
				t.Fatalf("first finish: %v, %v", ok, err)
			}
			if ok, err := a.Finish(ctx, id, activity.SignedOut, "", at.Add(2*time.Minute)); ok || err != nil {
				t.Errorf("second finish recorded too: %v, %v", ok, err)
			}
			recs, _, err := a.Query(ctx, activity.Query{Servers: []int64{7}})
			if err != nil || len(recs) != 1 {
				t.Fatalf("query: %v, %v", recs, err)
			}
			r := recs[0]
			if r.ID != id || r.Final != activity.Completed || r.Duration() != 95*time.Second {
				t.Errorf("read back %+v (duration %s), want completed in 95s", r, r.Duration())
			}
		})
	}
}

// A sign-out erases the tokens of its own session's jobs, and says which
// jobs they were; other people's jobs keep theirs.
func TestJobTokensErasedBySession(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			st := open(t)
			tokens := st.JobTokens()
			ctx := context.Background()
			for i, sess := range []string{"alice-session", "alice-session", "bob-session"} {
				key := []string{"k1", "k2", "k3"}[i]
				if err := tokens.Put(ctx, key, sess, int64(10+i), 0, []byte("sealed-"+key), time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			if err := tokens.SetJob(ctx, "k2", 4242); err != nil {
				t.Fatal(err)
			}
			erased, err := tokens.DeleteSession(ctx, "alice-session")
			if err != nil || len(erased) != 2 {
				t.Fatalf("erased %v, %v; want alice's two", erased, err)
			}
			jobs := map[int64]int64{}
			for _, e := range erased {
				jobs[e.ActivityID] = e.JobID
			}
			if jobs[10] != 0 || jobs[11] != 4242 {
				t.Errorf("erased jobs %v", jobs)
			}
			for _, k := range []string{"k1", "k2"} {
				if _, err := tokens.Get(ctx, k); !errors.Is(err, store.ErrNoJobToken) {
					t.Errorf("%s still readable after the sign-out: %v", k, err)
				}
			}
			if data, err := tokens.Get(ctx, "k3"); err != nil || string(data) != "sealed-k3" {
				t.Errorf("bob's token: %q, %v", data, err)
			}
			if err := tokens.Put(ctx, "short", "carol", 13, 0, []byte("x"), 30*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(60 * time.Millisecond)
			if _, err := tokens.Get(ctx, "short"); !errors.Is(err, store.ErrNoJobToken) {
				t.Errorf("an expired token is readable: %v", err)
			}
			if n, err := tokens.Sweep(ctx); err != nil || n != 1 {
				t.Errorf("sweep removed %d, %v; want the expired one", n, err)
			}
		})
	}
}

// A database made by the previous release (schema version 1, with a
// session and an activity record in it) is brought up to date by Migrate,
// and keeps both.
func TestMigrateFromPreviousSchema(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			var url, dir, driver, dsn string
			dir = t.TempDir()
			if engine == store.Postgres {
				url = pgtest.Start(t).URL
				driver, dsn = "pgx", url
			} else {
				driver, dsn = "sqlite", store.SQLiteDSN(filepath.Join(dir, store.FileName))
			}
			previous(t, driver, dsn, string(engine))

			st, err := store.Open(ctx, url, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			applied, err := st.Migrate(ctx)
			if err != nil || len(applied) != latest-1 || applied[0] != 2 {
				t.Fatalf("applied %v, %v; want versions 2 and on", applied, err)
			}
			if v, err := st.Version(ctx); err != nil || v != latest {
				t.Errorf("version %d, %v", v, err)
			}
			if data, err := st.Sessions().Load(ctx, "OLDSESSION"); err != nil || string(data) != "kept" {
				t.Errorf("the old session: %q, %v", data, err)
			}
			recs, _, err := st.Activity().Query(ctx, activity.Query{Servers: []int64{12345}})
			if err != nil || len(recs) != 1 || recs[0].SnapshotName != "pre-migration-snapshot" || recs[0].Final != "" {
				t.Fatalf("the old record: %+v, %v", recs, err)
			}
			if ok, err := st.Activity().Finish(ctx, recs[0].ID, activity.Completed, "", time.Now()); !ok || err != nil {
				t.Errorf("the old record takes a final outcome: %v, %v", ok, err)
			}
		})
	}
}

// previous creates the version 1 schema as that release did, from its
// migration file, with one session and one activity record.
func previous(t *testing.T, driver, dsn, engine string) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("migrations", engine, "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := append(strings.Split(string(body), ";"),
		"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
		"INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1764000000)",
		"INSERT INTO sessions (id, data, expires_at) VALUES ('OLDSESSION', 'kept', 99999999999999)",
		`INSERT INTO activity (at, actor, action, server_id, server_name, snapshot_id, snapshot_name, outcome, detail)
			VALUES (1764000000000, 'alice', 'restore', 12345, 'web-server-01', 801, 'pre-migration-snapshot', 'started', '')`)
	for _, s := range stmts {
		if strings.TrimSpace(s) == "" {
			continue
		}
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
