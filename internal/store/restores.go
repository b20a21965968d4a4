package store

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/snapdash/snapdash/internal/restores"
)

// Restores keeps restores with a safety snapshot, and their steps.
type Restores struct{ s *Store }

var _ restores.Store = Restores{}

// Restores is the store's restores.
func (s *Store) Restores() Restores { return Restores{s} }

const restoreColumns = `id, activity_id, actor, server_id, server_name, snapshot_id, snapshot_name, safety_name, safety_id,
	delete_id, delete_name, step, state, detail, cancel_requested, started_at, updated_at, safety_done_at, restore_sent_at, finished_at, groups_csv, kind, description`

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Add records a new running restore.
func (x Restores) Add(ctx context.Context, r restores.Restore) (int64, error) {
	now := x.s.now()
	var id int64
	err := x.s.db.QueryRowContext(ctx, x.s.q(`INSERT INTO restores
		(activity_id, actor, server_id, server_name, snapshot_id, snapshot_name, safety_name, delete_id, delete_name, step, state, started_at, updated_at, groups_csv, kind, description)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		r.ActivityID, r.Actor, r.ServerID, r.ServerName, r.SnapshotID, r.SnapshotName, r.SafetyName, r.DeleteID, r.DeleteName,
		r.Step, restores.Running, ms(r.Started), now.UnixMilli(), joinGroups(r.Groups), cmp.Or(r.Kind, restores.KindRestore), r.Description).Scan(&id)
	if err != nil && isUniqueViolation(err) {
		return 0, restores.ErrAlreadyRunning
	}
	return id, err
}

// isUniqueViolation reports an insert refused by a unique index or key, by
// the drivers' codes.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505" // unique_violation
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || lite.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Get reads one restore.
func (x Restores) Get(ctx context.Context, id int64) (restores.Restore, error) {
	rs, err := x.list(ctx, "SELECT "+restoreColumns+" FROM restores WHERE id = ?", id)
	if err != nil {
		return restores.Restore{}, err
	}
	if len(rs) == 0 {
		return restores.Restore{}, restores.ErrNotFound
	}
	return rs[0], nil
}

// Move sets the restore's step and what it learned, in one conditional
// statement: only from step, while running, and never into the restore once
// a cancel was asked.
func (x Restores) Move(ctx context.Context, from string, r restores.Restore) (bool, error) {
	if r.State == "" {
		r.State = restores.Running
	}
	cond := "id = ? AND step = ? AND state = 'running'"
	if r.Step == restores.StepRestoreSending {
		cond += " AND cancel_requested = 0"
	}
	res, err := x.s.db.ExecContext(ctx, x.s.q(`UPDATE restores SET step = ?, state = ?, detail = ?, safety_id = ?,
		safety_done_at = ?, restore_sent_at = ?, finished_at = ?, updated_at = ? WHERE `+cond),
		r.Step, r.State, r.Detail, r.SafetyID, ms(r.SafetyDone), ms(r.RestoreSent), ms(r.Finished), x.s.now().UnixMilli(),
		r.ID, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Cancel asks a restore to stop, while its restore has not been sent.
func (x Restores) Cancel(ctx context.Context, id int64) error {
	res, err := x.s.db.ExecContext(ctx, x.s.q(`UPDATE restores SET cancel_requested = 1, updated_at = ?
		WHERE id = ? AND state = 'running' AND step IN (?, ?, ?)`),
		x.s.now().UnixMilli(), id, restores.StepDeleteSending, restores.StepCreateSending, restores.StepSafety)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := x.Get(ctx, id); err != nil {
		return err
	}
	return restores.ErrTooLate
}

// Running lists the running restores of servers.
func (x Restores) Running(ctx context.Context, servers []int64) ([]restores.Restore, error) {
	if len(servers) == 0 {
		return nil, nil
	}
	return x.list(ctx, "SELECT "+restoreColumns+" FROM restores WHERE state = 'running' AND server_id IN ("+placeholders(len(servers))+")", int64s(servers)...)
}

// Of returns the restores of activity records, by record ID.
func (x Restores) Of(ctx context.Context, activityIDs []int64) (map[int64]restores.Restore, error) {
	out := map[int64]restores.Restore{}
	if len(activityIDs) == 0 {
		return out, nil
	}
	rs, err := x.list(ctx, "SELECT "+restoreColumns+" FROM restores WHERE activity_id IN ("+placeholders(len(activityIDs))+")", int64s(activityIDs)...)
	for _, r := range rs {
		out[r.ActivityID] = r
	}
	return out, err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func int64s(v []int64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}

func (x Restores) list(ctx context.Context, query string, args ...any) ([]restores.Restore, error) {
	rows, err := x.s.db.QueryContext(ctx, x.s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []restores.Restore
	for rows.Next() {
		var r restores.Restore
		var cancel, started, updated, safetyDone, sent, finished int64
		var groups string
		if err := rows.Scan(&r.ID, &r.ActivityID, &r.Actor, &r.ServerID, &r.ServerName, &r.SnapshotID, &r.SnapshotName, &r.SafetyName, &r.SafetyID,
			&r.DeleteID, &r.DeleteName, &r.Step, &r.State, &r.Detail, &cancel, &started, &updated, &safetyDone, &sent, &finished, &groups, &r.Kind, &r.Description); err != nil {
			return nil, err
		}
		r.Groups = splitGroups(groups)
		r.CancelRequested = cancel != 0
		r.Started, r.Updated, r.SafetyDone, r.RestoreSent, r.Finished = fromMS(started), fromMS(updated), fromMS(safetyDone), fromMS(sent), fromMS(finished)
		out = append(out, r)
	}
	return out, rows.Err()
}

// joinGroups and splitGroups keep a person's SSO groups in one column.
func joinGroups(groups []string) string { return strings.Join(groups, ",") }

func splitGroups(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
