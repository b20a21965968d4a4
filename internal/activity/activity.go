// Package activity records who did what: every create, restore and delete
// Snapdash sent to VPS.org, with its outcome. Records live next to the
// sessions (a file, or Redis) and only the newest are kept.
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
)

// Outcomes.
const (
	Started = "started" // VPS.org accepted it (for delete: done)
	Refused = "refused" // VPS.org said no, in its own words
	Unknown = "unknown" // no answer: it may or may not have happened
)

// Record is one action.
type Record struct {
	Time         time.Time `json:"time"`
	Actor        string    `json:"actor"` // SSO identity, or "token …abcd"
	Action       string    `json:"action"`
	ServerID     int64     `json:"server_id"`
	ServerName   string    `json:"server_name"`
	SnapshotID   int64     `json:"snapshot_id,omitempty"`
	SnapshotName string    `json:"snapshot_name"`
	Outcome      string    `json:"outcome"`
	Detail       string    `json:"detail,omitempty"` // the upstream's message
}

// Store keeps the record: every action, until it is older than the retention.
type Store interface {
	Add(ctx context.Context, r Record) error
	// Recent returns up to n records, newest first.
	Recent(ctx context.Context, n int) ([]Record, error)
	// Query returns the records about servers that match q, newest first:
	// limit of them from offset (limit 0: all), and how many match in all.
	Query(ctx context.Context, q Query) (recs []Record, total int, err error)
	// Actors lists who appears in the records about servers.
	Actors(ctx context.Context, servers []int64) ([]string, error)
}

// Query selects records; zero fields match everything but Servers, which
// limits the records to those servers (none: no records).
type Query struct {
	Servers       []int64
	ServerID      int64
	Actor, Action string
	Offset, Limit int
}

// DefaultCap is how many of the newest records are read to tell who created
// which snapshot and who started a running restore.
const DefaultCap = 1000
