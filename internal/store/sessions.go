package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/snapdash/snapdash/internal/session"
)

// Sessions keeps sessions in the store, for every replica. What it stores is
// already encrypted with the session keys.
type Sessions struct{ s *Store }

var _ session.Backend = Sessions{}

// Sessions is the store's session backend.
func (s *Store) Sessions() Sessions { return Sessions{s} }

// Load reads a session that has not expired.
func (b Sessions) Load(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	err := b.s.db.QueryRowContext(ctx, b.s.q("SELECT data FROM sessions WHERE id = ? AND expires_at > ?"), id, b.s.now().UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, session.ErrNotFound
	}
	return data, err
}

// Create stores a new session.
func (b Sessions) Create(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	_, err := b.s.db.ExecContext(ctx, b.s.q("INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?)"), id, data, b.s.now().Add(ttl).UnixMilli())
	return err
}

// Update rewrites a session only while it exists and has not expired: one
// statement, so a sign-out on any replica is never undone.
func (b Sessions) Update(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	now := b.s.now()
	res, err := b.s.db.ExecContext(ctx, b.s.q("UPDATE sessions SET data = ?, expires_at = ? WHERE id = ? AND expires_at > ?"), data, now.Add(ttl).UnixMilli(), id, now.UnixMilli())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(session.ErrNotFound, err)
	}
	return nil
}

// Delete removes a session; an absent one is not an error.
func (b Sessions) Delete(ctx context.Context, id string) error {
	_, err := b.s.db.ExecContext(ctx, b.s.q("DELETE FROM sessions WHERE id = ?"), id)
	return err
}

// Count returns how many sessions have not expired.
func (b Sessions) Count() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var n int
	err := b.s.db.QueryRowContext(ctx, b.s.q("SELECT COUNT(*) FROM sessions WHERE expires_at > ?"), b.s.now().UnixMilli()).Scan(&n)
	return n, err
}

// Sweep removes expired sessions and returns how many.
func (b Sessions) Sweep(ctx context.Context) (int, error) {
	res, err := b.s.db.ExecContext(ctx, b.s.q("DELETE FROM sessions WHERE expires_at <= ?"), b.s.now().UnixMilli())
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Ping checks that the database answers.
func (b Sessions) Ping(ctx context.Context) error { return b.s.Ping(ctx) }
