package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/snapdash/snapdash/internal/marks"
)

// Marks keeps pins and notes.
type Marks struct{ s *Store }

var _ marks.Store = Marks{}

// Marks is the store's pins and notes.
func (s *Store) Marks() Marks { return Marks{s} }

// Pin pins a snapshot, replacing an earlier pin of it.
func (m Marks) Pin(ctx context.Context, p marks.Pin) error {
	_, err := m.s.db.ExecContext(ctx, m.s.q(`INSERT INTO pins (snapshot_id, server_id, actor, reason, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (snapshot_id) DO UPDATE SET actor = excluded.actor, reason = excluded.reason, at = excluded.at`),
		p.SnapshotID, p.ServerID, p.Actor, p.Reason, p.At.UnixMilli())
	return err
}

// Unpin removes a snapshot's pin and returns it.
func (m Marks) Unpin(ctx context.Context, snapshotID int64) (marks.Pin, bool, error) {
	var p marks.Pin
	var at int64
	err := m.s.db.QueryRowContext(ctx, m.s.q("DELETE FROM pins WHERE snapshot_id = ? RETURNING snapshot_id, server_id, actor, reason, at"), snapshotID).
		Scan(&p.SnapshotID, &p.ServerID, &p.Actor, &p.Reason, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return marks.Pin{}, false, nil
	}
	p.At = fromMS(at)
	return p, err == nil, err
}

// SetNote writes a snapshot's note; an empty text removes it.
func (m Marks) SetNote(ctx context.Context, n marks.Note) error {
	if n.Text == "" {
		_, err := m.s.db.ExecContext(ctx, m.s.q("DELETE FROM notes WHERE snapshot_id = ?"), n.SnapshotID)
		return err
	}
	_, err := m.s.db.ExecContext(ctx, m.s.q(`INSERT INTO notes (snapshot_id, server_id, actor, text, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (snapshot_id) DO UPDATE SET actor = excluded.actor, text = excluded.text, at = excluded.at`),
		n.SnapshotID, n.ServerID, n.Actor, n.Text, n.At.UnixMilli())
	return err
}

// Of returns the pins and notes of servers' snapshots.
func (m Marks) Of(ctx context.Context, servers []int64) (map[int64]marks.Pin, map[int64]marks.Note, error) {
	pins, notes := map[int64]marks.Pin{}, map[int64]marks.Note{}
	if len(servers) == 0 {
		return pins, notes, nil
	}
	in := "(" + placeholders(len(servers)) + ")"
	rows, err := m.s.db.QueryContext(ctx, m.s.q(`SELECT 'pin', snapshot_id, server_id, actor, reason, at FROM pins WHERE server_id IN `+in+`
		UNION ALL SELECT 'note', snapshot_id, server_id, actor, text, at FROM notes WHERE server_id IN `+in),
		append(int64s(servers), int64s(servers)...)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, actor, words string
		var snap, server, at int64
		if err := rows.Scan(&kind, &snap, &server, &actor, &words, &at); err != nil {
			return nil, nil, err
		}
		if kind == "pin" {
			pins[snap] = marks.Pin{SnapshotID: snap, ServerID: server, Actor: actor, Reason: words, At: fromMS(at)}
		} else {
			notes[snap] = marks.Note{SnapshotID: snap, ServerID: server, Actor: actor, Text: words, At: fromMS(at)}
		}
	}
	return pins, notes, rows.Err()
}

// Forget removes the pins and notes of a server's snapshots not in keep.
func (m Marks) Forget(ctx context.Context, serverID int64, keep []int64) error {
	cond := "server_id = ?"
	args := []any{serverID}
	if len(keep) > 0 {
		cond += " AND snapshot_id NOT IN (" + placeholders(len(keep)) + ")"
		args = append(args, int64s(keep)...)
	}
	for _, table := range []string{"pins", "notes"} {
		if _, err := m.s.db.ExecContext(ctx, m.s.q("DELETE FROM "+table+" WHERE "+cond), args...); err != nil {
			return err
		}
	}
	return nil
}
