package store

import (
	"context"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
)

// Activity keeps the activity record in the store.
type Activity struct{ s *Store }

var _ activity.Store = Activity{}

// Activity is the store's activity record.
func (s *Store) Activity() Activity { return Activity{s} }

// Add records one action.
func (a Activity) Add(ctx context.Context, r activity.Record) error {
	_, err := a.s.db.ExecContext(ctx, a.s.q(`INSERT INTO activity
		(at, actor, action, server_id, server_name, snapshot_id, snapshot_name, outcome, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		r.Time.UnixMilli(), r.Actor, r.Action, r.ServerID, r.ServerName, r.SnapshotID, r.SnapshotName, r.Outcome, r.Detail)
	return err
}

// Recent returns up to n records, newest first.
func (a Activity) Recent(ctx context.Context, n int) ([]activity.Record, error) {
	rows, err := a.s.db.QueryContext(ctx, a.s.q(`SELECT at, actor, action, server_id, server_name, snapshot_id, snapshot_name, outcome, detail
		FROM activity ORDER BY at DESC, id DESC LIMIT ?`), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []activity.Record
	for rows.Next() {
		var r activity.Record
		var at int64
		if err := rows.Scan(&at, &r.Actor, &r.Action, &r.ServerID, &r.ServerName, &r.SnapshotID, &r.SnapshotName, &r.Outcome, &r.Detail); err != nil {
			return nil, err
		}
		r.Time = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
