package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/snapdash/snapdash/internal/bulk"
)

// Bulk keeps bulk deletes.
type Bulk struct{ s *Store }

var _ bulk.Store = Bulk{}

// Bulk is the store's bulk deletes.
func (s *Store) Bulk() Bulk { return Bulk{s} }

// ErrNoBulk: no such bulk delete.
var ErrNoBulk = errors.New("store: no such bulk delete")

// Add records a bulk delete and its items, in one transaction.
func (b Bulk) Add(ctx context.Context, d bulk.Delete) (int64, error) {
	var id int64
	err := b.s.InTx(ctx, func(x *Store) error {
		tx := x.db
		if err := tx.QueryRowContext(ctx, b.s.q("INSERT INTO bulk_deletes (actor, owner, started_at, groups_csv) VALUES (?, ?, ?, ?) RETURNING id"), d.Actor, d.Owner, d.Started.UnixMilli(), joinGroups(d.Groups)).Scan(&id); err != nil {
			return err
		}
		for _, it := range d.Items {
			if _, err := tx.ExecContext(ctx, b.s.q(`INSERT INTO bulk_items (bulk_id, snapshot_id, server_id, server_name, snapshot_name, state)
				VALUES (?, ?, ?, ?, ?, ?)`), id, it.SnapshotID, it.ServerID, it.ServerName, it.SnapshotName, bulk.Pending); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// Get reads a bulk delete and its items.
func (b Bulk) Get(ctx context.Context, id int64) (bulk.Delete, error) {
	var d bulk.Delete
	var done, started, finished int64
	var groups string
	err := b.s.db.QueryRowContext(ctx, b.s.q("SELECT id, actor, owner, done, started_at, finished_at, groups_csv FROM bulk_deletes WHERE id = ?"), id).
		Scan(&d.ID, &d.Actor, &d.Owner, &done, &started, &finished, &groups)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNoBulk
	}
	if err != nil {
		return d, err
	}
	d.Done, d.Started, d.Finished, d.Groups = done != 0, fromMS(started), fromMS(finished), splitGroups(groups)
	rows, err := b.s.db.QueryContext(ctx, b.s.q(`SELECT snapshot_id, server_id, server_name, snapshot_name, state, detail
		FROM bulk_items WHERE bulk_id = ? ORDER BY server_name, snapshot_name, snapshot_id`), id)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var it bulk.Item
		if err := rows.Scan(&it.SnapshotID, &it.ServerID, &it.ServerName, &it.SnapshotName, &it.State, &it.Detail); err != nil {
			return d, err
		}
		d.Items = append(d.Items, it)
	}
	return d, rows.Err()
}

// Move sets an item's state, only from state from.
func (b Bulk) Move(ctx context.Context, id, snapshotID int64, from, to, detail string) (bool, error) {
	res, err := b.s.db.ExecContext(ctx, b.s.q("UPDATE bulk_items SET state = ?, detail = ? WHERE bulk_id = ? AND snapshot_id = ? AND state = ?"),
		to, detail, id, snapshotID, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Finish marks a bulk delete done.
func (b Bulk) Finish(ctx context.Context, id int64, at time.Time) error {
	_, err := b.s.db.ExecContext(ctx, b.s.q("UPDATE bulk_deletes SET done = 1, finished_at = ? WHERE id = ?"), at.UnixMilli(), id)
	return err
}

// Latest is owner's newest bulk delete.
func (b Bulk) Latest(ctx context.Context, owner string) (bulk.Delete, bool, error) {
	var id int64
	if owner == "" {
		return bulk.Delete{}, false, nil
	}
	err := b.s.db.QueryRowContext(ctx, b.s.q("SELECT id FROM bulk_deletes WHERE owner = ? ORDER BY id DESC LIMIT 1"), owner).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return bulk.Delete{}, false, nil
	}
	if err != nil {
		return bulk.Delete{}, false, err
	}
	d, err := b.Get(ctx, id)
	return d, err == nil, err
}
