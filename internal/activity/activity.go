// Package activity records who did what: every create, restore and delete
// Snapdash sent to VPS.org, with its outcome and, for a create or restore a
// job followed, how it ended. Records live in the store until they are older
// than the retention.
package activity

import (
	"context"
	"time"
)

// Actions.
const (
	Create  = "create"
	Restore = "restore"
	Delete  = "delete"
	Pin     = "pin"   // kept from deletion through Snapdash
	Unpin   = "unpin" // no longer kept
	Note    = "note"  // a note added, changed or removed
	// Schedule is a schedule created, changed, paused, resumed or deleted.
	Schedule = "schedule"
	// LetFinish: its person signed out and chose to let a job of theirs
	// on this server finish with their token.
	LetFinish = "let finish"
	// Scheduled is a scheduled snapshot: a schedule's run.
	Scheduled = "scheduled snapshot"
)

// Automation is who a schedule's own doings are recorded by: its runs,
// what they deleted to keep the newest, its pause after refused tokens. Pages
// and notices say it in the reader's words.
const Automation = "automation"

// Outcomes.
const (
	Started = "started" // VPS.org accepted it (for delete: done)
	Refused = "refused" // VPS.org said no, in its own words
	Unknown = "unknown" // no answer: it may or may not have happened
	// Sending: recorded before its call; the call's answer was never
	// recorded (the database or the replica went away meanwhile).
	Sending = "sending"
)

// Final outcomes: how a create or restore VPS.org accepted ended, as the job
// that followed it found.
const (
	Completed    = "completed"
	Failed       = "failed"
	StillRunning = "still running"       // past the follow limit
	SignedOut    = "stopped: signed out" // the person signed out, so the job stopped
	// IdentityChanged: the proxy named another person or other groups, which
	// ended the session; its jobs stop as at a sign-out.
	IdentityChanged = "stopped: identity or groups changed"
	TokenRefused    = "token refused" // VPS.org refused the token during the job
	Lost            = "lost"          // the snapshot or server went away meanwhile
	NotCreated      = "not created"   // a create whose answer was lost did not happen
	// NotKnown: a restore whose answer was lost, and nothing seen since
	// tells whether it happened (the server is not restoring now).
	NotKnown  = "not known"
	Cancelled = "cancelled" // by its person, before anything irreversible
	Stopped   = "stopped"   // the job could not go on; the detail says why
	Skipped   = "skipped"   // a scheduled run that sent nothing; the detail says why
	// Deleted: a snapshot being taken was deleted meanwhile, by a person
	// (the detail says who), before it completed.
	Deleted = "deleted"
)

// Followed reports whether a job follows an action of this kind to its end
// (and writes its final outcome); any other accepted action is done at once.
func Followed(action string) bool {
	return action == Create || action == Restore || action == Scheduled
}

// Shown is how an action went, as people read it before any final
// outcome: "done" for what ends at once (a delete, a pin, a note, a
// schedule change), "started" for what a job follows to its end,
// "refused", or "no answer" (none came, or none was recorded).
func (r Record) Shown() string {
	switch r.Outcome {
	case Started:
		if Followed(r.Action) {
			return "started"
		}
		return "done"
	case Refused:
		return "refused"
	}
	return "no answer"
}

// Record is one action.
type Record struct {
	ID           int64     `json:"id,omitempty"`
	Time         time.Time `json:"time"`
	Actor        string    `json:"actor"` // SSO identity, or "token …abcd"
	Action       string    `json:"action"`
	ServerID     int64     `json:"server_id"`
	ServerName   string    `json:"server_name"`
	SnapshotID   int64     `json:"snapshot_id,omitempty"`
	SnapshotName string    `json:"snapshot_name"`
	Outcome      string    `json:"outcome"`
	Detail       string    `json:"detail,omitempty"` // the upstream's message

	Final       string    `json:"final,omitempty"` // "" until a followed action ends
	FinalDetail string    `json:"final_detail,omitempty"`
	Finished    time.Time `json:"finished,omitempty"` // when Final was found
}

// Duration is how long a followed action took, 0 before it ended.
func (r Record) Duration() time.Duration {
	if r.Finished.IsZero() {
		return 0
	}
	return r.Finished.Sub(r.Time)
}

// Store keeps the record: every action, until it is older than the retention.
type Store interface {
	// Add records an action and returns its record's ID.
	Add(ctx context.Context, r Record) (int64, error)
	// Finish sets a record's final outcome, once: false when it already had
	// one (another replica, or a sign-out, got there first).
	Finish(ctx context.Context, id int64, final, detail string, at time.Time) (bool, error)
	// Recent returns up to n records, newest first.
	Recent(ctx context.Context, n int) ([]Record, error)
	// Complete writes the outcome of an action recorded as Sending before
	// its call (and the server's name and the snapshot it made, when known).
	Complete(ctx context.Context, id int64, outcome, detail, serverName string, snapshotID int64) error
	// Explain sets the detail of a record's final outcome when it has none:
	// what a job that was stopped had done, written once it knows.
	Explain(ctx context.Context, id int64, detail string) error
	// Get reads the records of ids, newest first.
	Get(ctx context.Context, ids []int64) ([]Record, error)
	// Query returns the records about servers that match q, newest first:
	// limit of them from offset (limit 0: all), and how many match in all.
	Query(ctx context.Context, q Query) (recs []Record, total int, err error)
	// Actors lists who appears in the records about servers.
	Actors(ctx context.Context, servers []int64) ([]string, error)
	// Creators are the creates VPS.org accepted of snapshotIDs, newest first.
	Creators(ctx context.Context, snapshotIDs []int64) ([]Record, error)
	// OpenRestores are the restores VPS.org accepted of servers whose end
	// no job has seen, newest first.
	OpenRestores(ctx context.Context, servers []int64) ([]Record, error)
}

// Query selects records; zero fields match everything but Servers, which
// limits the records to those servers (none: no records).
type Query struct {
	Servers       []int64
	ServerID      int64
	SnapshotID    int64
	Actor, Action string
	Offset, Limit int
}
