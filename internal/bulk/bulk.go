// Package bulk describes a bulk delete: several snapshots a person chose in
// the table, deleted by one job, each at most once, each with its outcome.
package bulk

import (
	"context"
	"time"
)

// Item states. An item found "sending" on resume may have been deleted:
// the job lists its server before sending again.
const (
	Pending = "pending"
	Sending = "sending"
	Deleted = "deleted"
	Failed  = "failed"  // VPS.org refused, in its words
	Refused = "refused" // Snapdash's rules: pinned or in use meanwhile
	Stopped = "stopped" // its person signed out, or VPS.org refused the token
)

// Delete is one bulk delete.
type Delete struct {
	ID    int64
	Actor string // who, in the record's words
	// Owner is whose it is: a hash of the session's identity and token
	// (see dashboard.BulkOwner), never the actor's words.
	Owner    string
	Groups   []string // its person's SSO groups: each delete checks the roles again
	Done     bool
	Started  time.Time
	Finished time.Time
	Items    []Item
}

// Item is one snapshot of a bulk delete.
type Item struct {
	SnapshotID   int64
	ServerID     int64
	ServerName   string
	SnapshotName string
	State        string
	Detail       string
}

// Counts says how many items are in each state.
func (d Delete) Counts() map[string]int {
	out := map[string]int{}
	for _, it := range d.Items {
		out[it.State]++
	}
	return out
}

// Store keeps bulk deletes and their items.
type Store interface {
	Add(ctx context.Context, d Delete) (int64, error)
	Get(ctx context.Context, id int64) (Delete, error)
	// Move sets an item's state (and detail) only from state from: false
	// when it was not there (another replica moved it).
	Move(ctx context.Context, id, snapshotID int64, from, to, detail string) (bool, error)
	Finish(ctx context.Context, id int64, at time.Time) error
	// Latest is the newest bulk delete of owner, if any.
	Latest(ctx context.Context, owner string) (Delete, bool, error)
}
