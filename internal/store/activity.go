package store

import (
	"context"
	"strings"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
)

// Activity keeps the activity record in the store.
type Activity struct{ s *Store }

var _ activity.Store = Activity{}

// Activity is the store's activity record.
func (s *Store) Activity() Activity { return Activity{s} }

// Add records one action and returns its ID.
func (a Activity) Add(ctx context.Context, r activity.Record) (int64, error) {
	var id int64
	err := a.s.db.QueryRowContext(ctx, a.s.q(`INSERT INTO activity
		(at, actor, action, server_id, server_name, snapshot_id, snapshot_name, outcome, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		r.Time.UnixMilli(), r.Actor, r.Action, r.ServerID, r.ServerName, r.SnapshotID, r.SnapshotName, r.Outcome, r.Detail).Scan(&id)
	return id, err
}

// Complete writes the outcome of a record added as Sending before its call.
func (a Activity) Complete(ctx context.Context, id int64, outcome, detail, serverName string, snapshotID int64) error {
	_, err := a.s.db.ExecContext(ctx, a.s.q(`UPDATE activity SET outcome = ?, detail = ?,
		server_name = CASE WHEN ? <> '' THEN ? ELSE server_name END,
		snapshot_id = CASE WHEN ? <> 0 THEN ? ELSE snapshot_id END WHERE id = ? AND outcome = ?`),
		outcome, detail, serverName, serverName, snapshotID, snapshotID, id, activity.Sending)
	return err
}

// Explain sets the detail of record id's final outcome when it has none.
func (a Activity) Explain(ctx context.Context, id int64, detail string) error {
	_, err := a.s.db.ExecContext(ctx, a.s.q("UPDATE activity SET final_detail = ? WHERE id = ? AND final <> '' AND final_detail = ''"), detail, id)
	return err
}

// Finish sets the final outcome of record id unless it has one: one
// statement, so of two replicas or a job and a sign-out only one records it.
func (a Activity) Finish(ctx context.Context, id int64, final, detail string, at time.Time) (bool, error) {
	res, err := a.s.db.ExecContext(ctx, a.s.q("UPDATE activity SET final = ?, final_detail = ?, finished_at = ? WHERE id = ? AND final = ''"),
		final, detail, at.UnixMilli(), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Recent returns up to n records, newest first.
func (a Activity) Recent(ctx context.Context, n int) ([]activity.Record, error) {
	return a.records(ctx, "SELECT "+recordColumns+" FROM activity ORDER BY at DESC, id DESC LIMIT ?", n)
}

// Get reads the records of ids, newest first.
func (a Activity) Get(ctx context.Context, ids []int64) ([]activity.Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return a.records(ctx, "SELECT "+recordColumns+" FROM activity WHERE id IN ("+placeholders(len(ids))+") ORDER BY at DESC, id DESC", int64s(ids)...)
}

// Creators are the creates VPS.org accepted of snapshotIDs, newest first:
// who created a snapshot, found by its id.
func (a Activity) Creators(ctx context.Context, snapshotIDs []int64) ([]activity.Record, error) {
	if len(snapshotIDs) == 0 {
		return nil, nil
	}
	return a.records(ctx, "SELECT "+recordColumns+" FROM activity WHERE snapshot_id IN ("+placeholders(len(snapshotIDs))+
		") AND action = 'create' AND outcome = 'started' ORDER BY at DESC, id DESC", int64s(snapshotIDs)...)
}

// OpenRestores are the restores VPS.org accepted of servers whose end no
// job has seen, newest first: each server's newest accepted restore, when
// it has no end or its follow gave up while it still ran.
func (a Activity) OpenRestores(ctx context.Context, servers []int64) ([]activity.Record, error) {
	if len(servers) == 0 {
		return nil, nil
	}
	return a.records(ctx, "SELECT "+recordColumns+" FROM activity a WHERE server_id IN ("+placeholders(len(servers))+
		") AND action = 'restore' AND outcome = 'started' AND final IN ('', ?) AND NOT EXISTS ("+
		"SELECT 1 FROM activity b WHERE b.server_id = a.server_id AND b.action = 'restore' AND b.outcome = 'started'"+
		" AND (b.at > a.at OR (b.at = a.at AND b.id > a.id))) ORDER BY at DESC, id DESC", append(int64s(servers), activity.StillRunning)...)
}

const recordColumns = "id, at, actor, action, server_id, server_name, snapshot_id, snapshot_name, outcome, detail, final, final_detail, finished_at"

// records runs a query of recordColumns and reads its rows.
func (a Activity) records(ctx context.Context, query string, args ...any) ([]activity.Record, error) {
	rows, err := a.s.db.QueryContext(ctx, a.s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []activity.Record
	for rows.Next() {
		var r activity.Record
		var at, finished int64
		if err := rows.Scan(&r.ID, &at, &r.Actor, &r.Action, &r.ServerID, &r.ServerName, &r.SnapshotID, &r.SnapshotName, &r.Outcome, &r.Detail,
			&r.Final, &r.FinalDetail, &finished); err != nil {
			return nil, err
		}
		r.Time = time.UnixMilli(at).UTC()
		if finished != 0 {
			r.Finished = time.UnixMilli(finished).UTC()
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// where is the SQL condition and arguments of q.
func (a Activity) where(q activity.Query) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(q.Servers)+3)
	b.WriteString("server_id IN (")
	for i, id := range q.Servers {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
		args = append(args, id)
	}
	b.WriteString(")")
	if q.ServerID != 0 {
		b.WriteString(" AND server_id = ?")
		args = append(args, q.ServerID)
	}
	if q.SnapshotID != 0 {
		b.WriteString(" AND snapshot_id = ?")
		args = append(args, q.SnapshotID)
	}
	if q.Actor != "" {
		b.WriteString(" AND actor = ?")
		args = append(args, q.Actor)
	}
	if q.Action != "" {
		b.WriteString(" AND action = ?")
		args = append(args, q.Action)
	}
	return b.String(), args
}

// Query returns a page of the records that match q, and how many match.
func (a Activity) Query(ctx context.Context, q activity.Query) ([]activity.Record, int, error) {
	if len(q.Servers) == 0 {
		return nil, 0, nil
	}
	cond, args := a.where(q)
	var total int
	if err := a.s.db.QueryRowContext(ctx, a.s.q("SELECT COUNT(*) FROM activity WHERE "+cond), args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	query := "SELECT " + recordColumns + " FROM activity WHERE " + cond + " ORDER BY at DESC, id DESC"
	if q.Limit > 0 {
		query += " LIMIT ? OFFSET ?"
		args = append(args, q.Limit, max(q.Offset, 0))
	}
	recs, err := a.records(ctx, query, args...)
	return recs, total, err
}

// Actors lists who appears in the records about servers, by name.
func (a Activity) Actors(ctx context.Context, servers []int64) ([]string, error) {
	if len(servers) == 0 {
		return nil, nil
	}
	cond, args := a.where(activity.Query{Servers: servers})
	rows, err := a.s.db.QueryContext(ctx, a.s.q("SELECT DISTINCT actor FROM activity WHERE "+cond+" ORDER BY actor"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Prune removes the records older than before, and returns how many.
func (a Activity) Prune(ctx context.Context, before time.Time) (int, error) {
	res, err := a.s.db.ExecContext(ctx, a.s.q("DELETE FROM activity WHERE at < ?"), before.UnixMilli())
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
