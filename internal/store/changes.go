package store

import (
	"context"
	"time"
)

// Changes is the change feed: what Snapdash wrote about each server, in
// order, for pages to ask what changed since they last looked. The
// database writes it (migration 0008's triggers), in the transaction of
// every write to the activity record, restores, bulk deletes, schedules
// and their runs, whoever writes: no path can forget it.
type Changes struct{ s *Store }

// Changes is the store's change feed.
func (s *Store) Changes() Changes { return Changes{s} }

// Last is the newest change's id, 0 when there is none.
func (c Changes) Last(ctx context.Context) (int64, error) {
	var id int64
	err := c.s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM changes").Scan(&id)
	return id, err
}

// Since returns the newest change's id and, of servers, those that changed
// after since, each once: one statement (so both from one snapshot), on the
// index by server, for every page's question every 2 s.
func (c Changes) Since(ctx context.Context, since int64, servers []int64) (int64, []int64, error) {
	if len(servers) == 0 {
		last, err := c.Last(ctx)
		return max(last, since), nil, err
	}
	args := []any{since}
	for _, id := range servers {
		args = append(args, id)
	}
	// Row 0 (no server has id 0) carries the newest id.
	rows, err := c.s.db.QueryContext(ctx, c.s.q("SELECT 0, COALESCE(MAX(id), 0) FROM changes UNION ALL "+
		"SELECT DISTINCT server_id, 0 FROM changes WHERE id > ? AND server_id IN ("+placeholders(len(servers))+") ORDER BY 1"), args...)
	if err != nil {
		return since, nil, err
	}
	defer rows.Close()
	last, changed := since, []int64(nil)
	for rows.Next() {
		var id, newest int64
		if err := rows.Scan(&id, &newest); err != nil {
			return since, nil, err
		}
		if id == 0 {
			last = max(last, newest)
		} else {
			changed = append(changed, id)
		}
	}
	return last, changed, rows.Err()
}

// Prune removes changes older than before: pages ask for the last seconds.
func (c Changes) Prune(ctx context.Context, before time.Time) (int, error) {
	res, err := c.s.db.ExecContext(ctx, c.s.q("DELETE FROM changes WHERE at < ?"), before.UnixMilli())
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
