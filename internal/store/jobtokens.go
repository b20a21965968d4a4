package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// JobTokens keeps the API tokens of running jobs, already encrypted with the
// session keys, each tied to the session that started the job so a sign-out
// erases them.
type JobTokens struct{ s *Store }

// JobTokens is the store's job tokens.
func (s *Store) JobTokens() JobTokens { return JobTokens{s} }

// ErrNoJobToken: the job's token is gone (the job ended, or its person signed
// out) or has expired.
var ErrNoJobToken = errors.New("store: the job's token is gone")

// Put stores a job's encrypted token under key until ttl has passed, with
// what the job works on: an activity record, or a bulk delete.
func (t JobTokens) Put(ctx context.Context, key, sessionID string, activityID, bulkID int64, data []byte, ttl time.Duration) error {
	_, err := t.s.db.ExecContext(ctx, t.s.q("INSERT INTO job_tokens (key, session_id, activity_id, bulk_id, data, expires_at) VALUES (?, ?, ?, ?, ?, ?)"),
		key, sessionID, activityID, bulkID, data, t.s.now().Add(ttl).UnixMilli())
	return err
}

// SetJob notes which job the token under key belongs to, so a sign-out can
// cancel it.
func (t JobTokens) SetJob(ctx context.Context, key string, jobID int64) error {
	_, err := t.s.db.ExecContext(ctx, t.s.q("UPDATE job_tokens SET job_id = ? WHERE key = ?"), jobID, key)
	return err
}

// Get reads the encrypted token under key; ErrNoJobToken when it is gone.
func (t JobTokens) Get(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := t.s.db.QueryRowContext(ctx, t.s.q("SELECT data FROM job_tokens WHERE key = ? AND expires_at > ?"), key, t.s.now().UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoJobToken
	}
	return data, err
}

// Delete erases the token under key; an absent one is not an error.
func (t JobTokens) Delete(ctx context.Context, key string) error {
	_, err := t.s.db.ExecContext(ctx, t.s.q("DELETE FROM job_tokens WHERE key = ?"), key)
	return err
}

// Erased is a job whose token a sign-out erased.
type Erased struct {
	ActivityID int64
	BulkID     int64 // a bulk delete's job
	JobID      int64 // 0 when the job was not inserted yet
}

// DeleteSession erases the tokens of every job the session started and
// says which jobs they were.
func (t JobTokens) DeleteSession(ctx context.Context, sessionID string) ([]Erased, error) {
	return t.erased(ctx, "DELETE FROM job_tokens WHERE session_id = ? RETURNING activity_id, bulk_id, job_id", sessionID)
}

// OfSession says which jobs the session started that still hold a token:
// those under way.
func (t JobTokens) OfSession(ctx context.Context, sessionID string) ([]Erased, error) {
	return t.erased(ctx, "SELECT activity_id, bulk_id, job_id FROM job_tokens WHERE session_id = ? AND expires_at > ?", sessionID, t.s.now().UnixMilli())
}

// Release unties the session's jobs from it, so that its end does not erase
// their tokens: each is erased when its job ends (or expires). It says
// which jobs they were.
func (t JobTokens) Release(ctx context.Context, sessionID string) ([]Erased, error) {
	return t.erased(ctx, "UPDATE job_tokens SET session_id = '' WHERE session_id = ? AND expires_at > ? RETURNING activity_id, bulk_id, job_id", sessionID, t.s.now().UnixMilli())
}

// erased runs query, which returns jobs' activity_id, bulk_id and job_id.
func (t JobTokens) erased(ctx context.Context, query string, args ...any) ([]Erased, error) {
	rows, err := t.s.db.QueryContext(ctx, t.s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Erased
	for rows.Next() {
		var e Erased
		if err := rows.Scan(&e.ActivityID, &e.BulkID, &e.JobID); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Sweep erases expired tokens: those of jobs that died without ending.
func (t JobTokens) Sweep(ctx context.Context) (int, error) {
	res, err := t.s.db.ExecContext(ctx, t.s.q("DELETE FROM job_tokens WHERE expires_at <= ?"), t.s.now().UnixMilli())
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
