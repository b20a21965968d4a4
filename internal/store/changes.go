package store

import (
	"context"
	"strings"
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
// after since, each once.
func (c Changes) Since(ctx context.Context, since int64, servers []int64) (int64, []int64, error) {
	last, err := c.Last(ctx)
	if err != nil || last <= since || len(servers) == 0 {
		return max(last, since), nil, err
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(servers)), ",")
	args := []any{since, last}
	for _, id := range servers {
		args = append(args, id)
	}
	rows, err := c.s.db.QueryContext(ctx, c.s.q("SELECT DISTINCT server_id FROM changes WHERE id > ? AND id <= ? AND server_id IN ("+marks+") ORDER BY server_id"), args...)
	if err != nil {
		return since, nil, err
	}
	defer rows.Close()
	var changed []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return since, nil, err
		}
		changed = append(changed, id)
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
