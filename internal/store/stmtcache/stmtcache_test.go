package stmtcache_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"

	"github.com/snapdash/snapdash/internal/store/stmtcache"
)

func open(t testing.TB, conns int) *sql.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "t.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
	db := sql.OpenDB(stmtcache.New(&sqlite.Driver{}, dsn))
	db.SetMaxOpenConns(conns)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if _, err := db.Exec(`INSERT INTO t (id, name) VALUES (?, ?)`, i, fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func names(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string, args ...any) []string {
	t.Helper()
	rows, err := q.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A kept statement answers with each call's own arguments, and sees writes
// made between its uses.
func TestKeptStatementAnswersEachCall(t *testing.T) {
	db := open(t, 1)
	const q = `SELECT name FROM t WHERE id >= ? ORDER BY id`
	if got := names(t, db, q, 4); fmt.Sprint(got) != "[n4 n5]" {
		t.Fatalf("first: %v", got)
	}
	if _, err := db.Exec(`UPDATE t SET name = ? WHERE id = ?`, "changed", 5); err != nil {
		t.Fatal(err)
	}
	if got := names(t, db, q, 5); fmt.Sprint(got) != "[changed]" {
		t.Fatalf("second: %v", got)
	}
	// The schema changing under a kept statement: SQLite prepares it again.
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN extra TEXT`); err != nil {
		t.Fatal(err)
	}
	if got := names(t, db, q, 5); fmt.Sprint(got) != "[changed]" {
		t.Fatalf("after ALTER: %v", got)
	}
}

// The same query run again while its first rows are still open (one
// connection, in a transaction) runs apart, not over the first.
func TestSameQueryWhileRowsOpen(t *testing.T) {
	db := open(t, 1)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT name FROM t WHERE id <= ? ORDER BY id`
	outer, err := tx.Query(q, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var s string
		if err := outer.Scan(&s); err != nil {
			t.Fatal(err)
		}
		inner := names(t, tx, q, 5)
		got = append(got, fmt.Sprintf("%s:%d", s, len(inner)))
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if fmt.Sprint(got) != "[n1:5 n2:5]" {
		t.Fatalf("got %v", got)
	}
}

// More distinct queries than a connection keeps still all answer.
func TestMoreQueriesThanKept(t *testing.T) {
	db := open(t, 2)
	for i := range stmtcache.Max + 20 {
		q := fmt.Sprintf(`SELECT name FROM t WHERE id = ? AND %d = %d`, i, i)
		if got := names(t, db, q, 1+i%5); len(got) != 1 {
			t.Fatalf("query %d: %v", i, got)
		}
	}
	if got := names(t, db, `SELECT name FROM t WHERE id = ? AND 0 = 0`, 3); fmt.Sprint(got) != "[n3]" {
		t.Fatalf("first query again: %v", got)
	}
}

// A failing statement reports its error, and the connection goes on.
func TestErrorsPassThrough(t *testing.T) {
	db := open(t, 1)
	if _, err := db.Exec(`INSERT INTO t (id, name) VALUES (?, ?)`, 1, "dup"); err == nil {
		t.Fatal("a duplicate key was accepted")
	}
	if _, err := db.Query(`SELECT nope FROM t`); err == nil {
		t.Fatal("a bad column was accepted")
	}
	if got := names(t, db, `SELECT name FROM t WHERE id = ?`, 1); fmt.Sprint(got) != "[n1]" {
		t.Fatalf("after errors: %v", got)
	}
}

// A cancelled context ends the query, and the statement serves the next.
func TestCancelledQuery(t *testing.T) {
	db := open(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.QueryContext(ctx, `SELECT name FROM t WHERE id = ?`, 1); err == nil {
		t.Fatal("a cancelled query ran")
	}
	if got := names(t, db, `SELECT name FROM t WHERE id = ?`, 2); fmt.Sprint(got) != "[n2]" {
		t.Fatalf("after cancel: %v", got)
	}
}

// BenchmarkQuery is a poll's kind of read, with the statement kept and
// parsed each time (modernc's driver as registered).
func BenchmarkQuery(b *testing.B) {
	const q = `SELECT name FROM t WHERE id = ? AND name <> '' ORDER BY id LIMIT 1`
	run := func(b *testing.B, db *sql.DB) {
		var s string
		for i := 0; b.Loop(); i++ {
			if err := db.QueryRow(q, 1+i%5).Scan(&s); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("kept", func(b *testing.B) { run(b, open(b, 1)) })
	b.Run("parsed", func(b *testing.B) {
		plain, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "p.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer plain.Close()
		for _, s := range []string{`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`, `INSERT INTO t VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d'),(5,'e')`} {
			if _, err := plain.Exec(s); err != nil {
				b.Fatal(err)
			}
		}
		run(b, plain)
	})
}
