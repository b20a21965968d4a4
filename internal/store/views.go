package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ServerView is what Snapdash last saw of a server at VPS.org.
type ServerView struct {
	ServerID  int64
	Status    string // "" when not known
	Snapshots []byte // the server's snapshots as the dashboard encoded them
	ReadAt    time.Time
}

// ServerViews keeps what the jobs following work saw of each server. A
// view that differs from the last is a change in the feed.
type ServerViews struct{ s *Store }

// ServerViews is the store's views of servers.
func (s *Store) ServerViews() ServerViews { return ServerViews{s} }

// Put writes what was seen of a server, unless a newer look is kept (two
// jobs' answers may come back out of order). A list of snapshots replaces
// the view, status included ("" when the list came without one: a status
// seen before it may be stale); a status alone keeps the snapshots.
func (v ServerViews) Put(ctx context.Context, w ServerView) error {
	_, err := v.s.db.ExecContext(ctx, v.s.q(`INSERT INTO server_views (server_id, status, snapshots, read_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (server_id) DO UPDATE SET status = CASE WHEN excluded.status <> '' OR excluded.snapshots <> '' THEN excluded.status ELSE server_views.status END,
		snapshots = CASE WHEN excluded.snapshots <> '' THEN excluded.snapshots ELSE server_views.snapshots END, read_at = excluded.read_at
		WHERE excluded.read_at >= server_views.read_at`),
		w.ServerID, w.Status, string(w.Snapshots), w.ReadAt.UnixMilli())
	return err
}

// Get reads what was last seen of a server; ok is false when nothing was.
func (v ServerViews) Get(ctx context.Context, serverID int64) (ServerView, bool, error) {
	w := ServerView{ServerID: serverID}
	var snaps string
	var at int64
	err := v.s.db.QueryRowContext(ctx, v.s.q("SELECT status, snapshots, read_at FROM server_views WHERE server_id = ?"), serverID).Scan(&w.Status, &snaps, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return w, false, nil
	}
	w.Snapshots, w.ReadAt = []byte(snaps), fromMS(at)
	return w, err == nil, err
}
