package store

import (
	"context"
	"errors"
	"time"

	"github.com/snapdash/snapdash/internal/schedules"
)

// Schedules keeps schedules, their runs and the snapshots they created.
type Schedules struct{ s *Store }

var _ schedules.Store = Schedules{}

// Schedules is the store's schedules.
func (s *Store) Schedules() Schedules { return Schedules{s} }

const scheduleColumns = `id, server_id, server_name, every, hours, minute, weekday, keep, skip_restoring, paused, paused_why,
	next_run, last_run, last_outcome, last_detail, updated_by, updated_at, alert`

func flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Add saves a new schedule.
func (x Schedules) Add(ctx context.Context, s schedules.Schedule) (int64, error) {
	var id int64
	err := x.s.db.QueryRowContext(ctx, x.s.q(`INSERT INTO schedules
		(server_id, server_name, every, hours, minute, weekday, keep, skip_restoring, paused, paused_why, next_run, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		s.ServerID, s.ServerName, s.Every, s.Hours, s.Minute, int(s.Weekday), s.Keep, flag(s.SkipRestoring), flag(s.Paused), s.PausedWhy,
		ms(s.NextRun), s.UpdatedBy, x.s.now().UnixMilli()).Scan(&id)
	if err != nil && isUniqueViolation(err) {
		return 0, schedules.ErrExists
	}
	return id, err
}

// Update saves a schedule's settings, next run and pause.
func (x Schedules) Update(ctx context.Context, s schedules.Schedule) error {
	res, err := x.s.db.ExecContext(ctx, x.s.q(`UPDATE schedules SET server_name = ?, every = ?, hours = ?, minute = ?, weekday = ?, keep = ?,
		skip_restoring = ?, paused = ?, paused_why = ?, next_run = ?, updated_by = ?, updated_at = ?, alert = ? WHERE id = ?`),
		s.ServerName, s.Every, s.Hours, s.Minute, int(s.Weekday), s.Keep, flag(s.SkipRestoring), flag(s.Paused), s.PausedWhy,
		ms(s.NextRun), s.UpdatedBy, x.s.now().UnixMilli(), s.Alert, s.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, schedules.ErrNotFound)
	}
	return nil
}

// Get reads one schedule.
func (x Schedules) Get(ctx context.Context, id int64) (schedules.Schedule, error) {
	ss, err := x.list(ctx, "SELECT "+scheduleColumns+" FROM schedules WHERE id = ?", id)
	if err != nil {
		return schedules.Schedule{}, err
	}
	if len(ss) == 0 {
		return schedules.Schedule{}, schedules.ErrNotFound
	}
	return ss[0], nil
}

// Delete removes a schedule and its record of the snapshots it created:
// those become ordinary snapshots, which no retention deletes. Its runs
// stay, for the record.
func (x Schedules) Delete(ctx context.Context, id int64) error {
	return x.s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.ExecContext(ctx, x.s.q("DELETE FROM schedule_snapshots WHERE schedule_id = ?"), id); err != nil {
			return err
		}
		res, err := tx.db.ExecContext(ctx, x.s.q("DELETE FROM schedules WHERE id = ?"), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, schedules.ErrNotFound)
		}
		return nil
	})
}

// List returns the schedules of servers (nil: all), by server name.
func (x Schedules) List(ctx context.Context, servers []int64) ([]schedules.Schedule, error) {
	if servers == nil {
		return x.list(ctx, "SELECT "+scheduleColumns+" FROM schedules ORDER BY server_name, id")
	}
	if len(servers) == 0 {
		return nil, nil
	}
	return x.list(ctx, "SELECT "+scheduleColumns+" FROM schedules WHERE server_id IN ("+placeholders(len(servers))+") ORDER BY server_name, id", int64s(servers)...)
}

// Due returns the unpaused schedules whose next run is at or before t.
func (x Schedules) Due(ctx context.Context, t time.Time) ([]schedules.Schedule, error) {
	return x.list(ctx, "SELECT "+scheduleColumns+" FROM schedules WHERE paused = 0 AND next_run <= ? ORDER BY next_run", t.UnixMilli())
}

// Advance moves a schedule's next run, once.
func (x Schedules) Advance(ctx context.Context, id int64, from, to time.Time) (bool, error) {
	res, err := x.s.db.ExecContext(ctx, x.s.q("UPDATE schedules SET next_run = ? WHERE id = ? AND next_run = ?"), ms(to), id, ms(from))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PauseAll pauses every schedule not paused yet, with a reason.
func (x Schedules) PauseAll(ctx context.Context, why string) (int, error) {
	res, err := x.s.db.ExecContext(ctx, x.s.q("UPDATE schedules SET paused = 1, paused_why = ? WHERE paused = 0"), why)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (x Schedules) list(ctx context.Context, query string, args ...any) ([]schedules.Schedule, error) {
	rows, err := x.s.db.QueryContext(ctx, x.s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schedules.Schedule
	for rows.Next() {
		var s schedules.Schedule
		var weekday, skip, paused, next, last, updated int64
		if err := rows.Scan(&s.ID, &s.ServerID, &s.ServerName, &s.Every, &s.Hours, &s.Minute, &weekday, &s.Keep, &skip, &paused, &s.PausedWhy,
			&next, &last, &s.LastOutcome, &s.LastDetail, &s.UpdatedBy, &updated, &s.Alert); err != nil {
			return nil, err
		}
		s.Weekday, s.SkipRestoring, s.Paused = time.Weekday(weekday), skip != 0, paused != 0
		s.NextRun, s.LastRun, s.Updated = fromMS(next), fromMS(last), fromMS(updated)
		out = append(out, s)
	}
	return out, rows.Err()
}

const runColumns = `id, schedule_id, server_id, server_name, activity_id, slot, manual, actor, step, state, snapshot_id, snapshot_name,
	delete_id, deleted, detail, started_at, updated_at, finished_at`

// Open returns the run of a schedule's slot, adding it when there is none.
// A run added while another of its schedule is under way is added skipped.
func (x Schedules) Open(ctx context.Context, r schedules.Run) (schedules.Run, bool, error) {
	if got, err := x.runs(ctx, "SELECT "+runColumns+" FROM schedule_runs WHERE schedule_id = ? AND slot = ?", r.ScheduleID, ms(r.Slot)); err != nil || len(got) > 0 {
		if err != nil {
			return schedules.Run{}, false, err
		}
		return got[0], false, nil
	}
	busy, err := x.runs(ctx, "SELECT "+runColumns+" FROM schedule_runs WHERE schedule_id = ? AND state = 'running'", r.ScheduleID)
	if err != nil {
		return schedules.Run{}, false, err
	}
	now := x.s.now()
	r.Started, r.Updated = now, now
	if len(busy) > 0 {
		if r.Manual {
			return busy[0], false, schedules.ErrRunning
		}
		r.State, r.Detail, r.Finished = schedules.Skipped, "the previous run was still under way", now
	}
	if r.Step == "" {
		r.Step = schedules.StepCheck
	}
	if r.State == "" {
		r.State = schedules.Running
	}
	err = x.s.db.QueryRowContext(ctx, x.s.q(`INSERT INTO schedule_runs
		(schedule_id, server_id, server_name, activity_id, slot, manual, actor, step, state, detail, started_at, updated_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		r.ScheduleID, r.ServerID, r.ServerName, r.ActivityID, ms(r.Slot), flag(r.Manual), r.Actor, r.Step, r.State, r.Detail,
		now.UnixMilli(), now.UnixMilli(), ms(r.Finished)).Scan(&r.ID)
	if err != nil && isUniqueViolation(err) {
		// Another replica opened it (or another run) meanwhile: read again.
		got, gerr := x.runs(ctx, "SELECT "+runColumns+" FROM schedule_runs WHERE schedule_id = ? AND slot = ?", r.ScheduleID, ms(r.Slot))
		if gerr == nil && len(got) > 0 {
			return got[0], false, nil
		}
		return schedules.Run{}, false, schedules.ErrRunning
	}
	if err != nil {
		return schedules.Run{}, false, err
	}
	return r, true, nil
}

// Run reads one run.
func (x Schedules) Run(ctx context.Context, id int64) (schedules.Run, error) {
	rs, err := x.runs(ctx, "SELECT "+runColumns+" FROM schedule_runs WHERE id = ?", id)
	if err != nil {
		return schedules.Run{}, err
	}
	if len(rs) == 0 {
		return schedules.Run{}, schedules.ErrNoRun
	}
	return rs[0], nil
}

// Move saves a running run's step and what it learned, from step, once.
func (x Schedules) Move(ctx context.Context, from string, r schedules.Run) (bool, error) {
	if r.State == "" {
		r.State = schedules.Running
	}
	res, err := x.s.db.ExecContext(ctx, x.s.q(`UPDATE schedule_runs SET step = ?, state = ?, activity_id = ?, snapshot_id = ?, snapshot_name = ?,
		delete_id = ?, deleted = ?, detail = ?, updated_at = ?, finished_at = ? WHERE id = ? AND step = ? AND state = 'running'`),
		r.Step, r.State, r.ActivityID, r.SnapshotID, r.SnapshotName, r.DeleteID, r.Deleted, r.Detail, x.s.now().UnixMilli(), ms(r.Finished),
		r.ID, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Recent returns the newest n runs of each of the schedules, by schedule,
// newest first, in one query.
func (x Schedules) Recent(ctx context.Context, scheduleIDs []int64, n int) (map[int64][]schedules.Run, error) {
	out := map[int64][]schedules.Run{}
	if len(scheduleIDs) == 0 {
		return out, nil
	}
	runs, err := x.runs(ctx, "SELECT "+runColumns+" FROM (SELECT "+runColumns+
		", ROW_NUMBER() OVER (PARTITION BY schedule_id ORDER BY started_at DESC, id DESC) AS rn FROM schedule_runs WHERE schedule_id IN ("+
		placeholders(len(scheduleIDs))+")) AS recent WHERE rn <= ? ORDER BY schedule_id, started_at DESC, id DESC",
		append(int64s(scheduleIDs), n)...)
	for _, r := range runs {
		out[r.ScheduleID] = append(out[r.ScheduleID], r)
	}
	return out, err
}

// Finished records a run's end on its schedule; a completed run clears
// its alert.
func (x Schedules) Finished(ctx context.Context, r schedules.Run) error {
	_, err := x.s.db.ExecContext(ctx, x.s.q(`UPDATE schedules SET last_run = ?, last_outcome = ?, last_detail = ?,
		alert = CASE WHEN ? = 'completed' THEN '' ELSE alert END WHERE id = ?`),
		ms(r.Finished), r.State, r.Detail, r.State, r.ScheduleID)
	return err
}

// Alert sets a schedule's alert, and with pause pauses it for that reason,
// unless it has an alert already: true when this call set it (once, across
// replicas).
func (x Schedules) Alert(ctx context.Context, id int64, why string, pause bool) (bool, error) {
	res, err := x.s.db.ExecContext(ctx, x.s.q(`UPDATE schedules SET alert = ?,
		paused = CASE WHEN ? = 1 THEN 1 ELSE paused END, paused_why = CASE WHEN ? = 1 THEN ? ELSE paused_why END
		WHERE id = ? AND alert = ''`), why, flag(pause), flag(pause), why, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (x Schedules) runs(ctx context.Context, query string, args ...any) ([]schedules.Run, error) {
	rows, err := x.s.db.QueryContext(ctx, x.s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schedules.Run
	for rows.Next() {
		var r schedules.Run
		var slot, manual, started, updated, finished int64
		if err := rows.Scan(&r.ID, &r.ScheduleID, &r.ServerID, &r.ServerName, &r.ActivityID, &slot, &manual, &r.Actor, &r.Step, &r.State,
			&r.SnapshotID, &r.SnapshotName, &r.DeleteID, &r.Deleted, &r.Detail, &started, &updated, &finished); err != nil {
			return nil, err
		}
		r.Slot, r.Manual = fromMS(slot), manual != 0
		r.Started, r.Updated, r.Finished = fromMS(started), fromMS(updated), fromMS(finished)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Own records a snapshot the schedule created.
func (x Schedules) Own(ctx context.Context, o schedules.Owned) error {
	_, err := x.s.db.ExecContext(ctx, x.s.q(`INSERT INTO schedule_snapshots (snapshot_id, schedule_id, server_id, name, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (snapshot_id) DO NOTHING`),
		o.SnapshotID, o.ScheduleID, o.ServerID, o.Name, ms(o.Created))
	return err
}

// Owned lists a schedule's snapshots, oldest first.
func (x Schedules) Owned(ctx context.Context, scheduleID int64) ([]schedules.Owned, error) {
	rows, err := x.s.db.QueryContext(ctx, x.s.q(`SELECT snapshot_id, schedule_id, server_id, name, created_at FROM schedule_snapshots
		WHERE schedule_id = ? ORDER BY created_at, snapshot_id`), scheduleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schedules.Owned
	for rows.Next() {
		var o schedules.Owned
		var created int64
		if err := rows.Scan(&o.SnapshotID, &o.ScheduleID, &o.ServerID, &o.Name, &created); err != nil {
			return nil, err
		}
		o.Created = fromMS(created)
		out = append(out, o)
	}
	return out, rows.Err()
}

// Disown forgets a snapshot a schedule created.
func (x Schedules) Disown(ctx context.Context, snapshotID int64) error {
	_, err := x.s.db.ExecContext(ctx, x.s.q("DELETE FROM schedule_snapshots WHERE snapshot_id = ?"), snapshotID)
	return err
}
