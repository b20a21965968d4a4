// Package stmtcache keeps, on each database connection, the statements it has
// prepared, so a query run again on the same connection is not parsed again.
//
// SQLite parses every query it is given (modernc's driver prepares on each
// call): a poll's three small reads spent a fifth of their CPU there.
// database/sql's own *sql.Stmt caches too, but finds its connection's
// statement behind one lock shared by every connection, which at 1,000
// pollers cost more than the parsing. Here the cache belongs to the
// connection, which database/sql lends to one caller at a time.
package stmtcache

import (
	"context"
	"database/sql/driver"
	"errors"
)

// Max is how many statements a connection keeps; past it, one is let go
// for the next (queries built with a list of ids vary, the rest are few).
const Max = 128

// Connector opens connections of d on name that keep their statements.
type Connector struct {
	d    driver.Driver
	name string
}

// New is a connector for sql.OpenDB.
func New(d driver.Driver, name string) *Connector { return &Connector{d: d, name: name} }

// Connect opens a connection.
func (c *Connector) Connect(context.Context) (driver.Conn, error) {
	inner, err := c.d.Open(c.name)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: inner, stmts: make(map[string]*kept)}, nil
}

// Driver is the wrapped driver.
func (c *Connector) Driver() driver.Driver { return c.d }

type kept struct {
	stmt driver.Stmt
	busy bool // rows of it are open: a second use runs uncached
}

// conn is used by one caller at a time (database/sql holds its lock around
// every call, and rows' Close), so its map needs no lock of its own.
type conn struct {
	driver.Conn
	stmts map[string]*kept
}

var errNotSupported = errors.New("stmtcache: the driver lacks a context method")

func (c *conn) stmt(ctx context.Context, query string) (*kept, error) {
	if k, ok := c.stmts[query]; ok {
		if k.busy {
			return nil, nil
		}
		return k, nil
	}
	p, ok := c.Conn.(driver.ConnPrepareContext)
	if !ok {
		return nil, errNotSupported
	}
	if len(c.stmts) >= Max && !c.letOneGo() {
		return nil, nil
	}
	s, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	k := &kept{stmt: s}
	c.stmts[query] = k
	return k, nil
}

func (c *conn) letOneGo() bool {
	for q, k := range c.stmts {
		if !k.busy {
			k.stmt.Close()
			delete(c.stmts, q)
			return true
		}
	}
	return false
}

func (c *conn) forget(query string) {
	if k, ok := c.stmts[query]; ok {
		k.stmt.Close()
		delete(c.stmts, query)
	}
}

// QueryContext runs query through its kept statement.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	k, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	sq, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, errNotSupported
	}
	if k == nil {
		return sq.QueryContext(ctx, query, args)
	}
	kq, ok := k.stmt.(driver.StmtQueryContext)
	if !ok {
		return sq.QueryContext(ctx, query, args)
	}
	r, err := kq.QueryContext(ctx, args)
	if err != nil {
		c.forget(query) // a statement that failed is not trusted again
		return nil, err
	}
	k.busy = true
	return &rows{Rows: r, done: func() { k.busy = false }}, nil
}

// ExecContext runs query through its kept statement.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	k, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	se, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, errNotSupported
	}
	if k == nil {
		return se.ExecContext(ctx, query, args)
	}
	ke, ok := k.stmt.(driver.StmtExecContext)
	if !ok {
		return se.ExecContext(ctx, query, args)
	}
	res, err := ke.ExecContext(ctx, args)
	if err != nil {
		c.forget(query)
	}
	return res, err
}

// PrepareContext is database/sql's own Prepare: not kept here, as the
// *sql.Stmt closes it.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

// BeginTx begins a transaction on the wrapped connection.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return nil, errNotSupported
}

// ResetSession resets the wrapped connection before its next caller.
func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid says whether the wrapped connection may be used again.
func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Ping pings the wrapped connection.
func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Close closes the kept statements, then the connection.
func (c *conn) Close() error {
	for q, k := range c.stmts {
		k.stmt.Close()
		delete(c.stmts, q)
	}
	return c.Conn.Close()
}

// rows frees its statement for the next query when closed.
type rows struct {
	driver.Rows
	done func()
}

func (r *rows) Close() error {
	err := r.Rows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
	return err
}
