package store

import (
	"context"
	"database/sql"
	"sync"
)

// prepared runs SQLite's statements prepared once per connection: SQLite
// parses every statement it is handed, and a page's few queries spent 7% of
// its CPU in the parser (issue 29's profile). PostgreSQL's driver keeps
// its own. The statements kept are bounded: queries built for a varying
// number of ids come and go, and past the bound are run as before.
type prepared struct {
	*sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// preparedMost bounds the statements kept.
const preparedMost = 256

func newPrepared(db *sql.DB) *prepared { return &prepared{DB: db, stmts: map[string]*sql.Stmt{}} }

// stmt is query prepared, or nil when it is not kept (run it as it is).
func (p *prepared) stmt(ctx context.Context, query string) *sql.Stmt {
	p.mu.Lock()
	st, full := p.stmts[query], len(p.stmts) >= preparedMost
	p.mu.Unlock()
	if st != nil || full {
		return st
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil // the query itself says what is wrong when run
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if kept := p.stmts[query]; kept != nil {
		st.Close()
		return kept
	}
	p.stmts[query] = st
	return st
}

func (p *prepared) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, query, args...)
}

func (p *prepared) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

func (p *prepared) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}
