package store

import (
	"context"
	"time"
)

// Claims lets one replica claim a submitted form, so a double submit that
// lands on two replicas reaches VPS.org once.
type Claims struct{ s *Store }

// Claims is the store's double-submit claims.
func (s *Store) Claims() Claims { return Claims{s} }

// Claim reports whether this caller is the first to claim key within ttl: an
// insert, or the takeover of an expired claim, in one statement.
func (c Claims) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	now := c.s.now()
	res, err := c.s.db.ExecContext(ctx, c.s.q(`INSERT INTO form_claims (key, expires_at) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE form_claims.expires_at <= ?`),
		key, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
