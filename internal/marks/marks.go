// Package marks is what a team marks on snapshots in Snapdash, beside what
// VPS.org keeps: pins (a pinned snapshot cannot be deleted through Snapdash)
// and notes (the API cannot rename a snapshot or change its description).
package marks

import (
	"context"
	"time"
)

// Pin keeps a snapshot from being deleted through Snapdash.
type Pin struct {
	SnapshotID int64
	ServerID   int64
	Actor      string
	Reason     string
	At         time.Time
}

// Note is a person's words on a snapshot.
type Note struct {
	SnapshotID int64
	ServerID   int64
	Actor      string
	Text       string
	At         time.Time
}

// NoteMax is the longest note, in characters.
const NoteMax = 500

// ReasonMax is the longest reason for a pin, in characters.
const ReasonMax = 200

// Store keeps pins and notes, keyed by snapshot id.
type Store interface {
	Pin(ctx context.Context, p Pin) error
	// Unpin removes a pin and returns it; ok is false when there was none.
	Unpin(ctx context.Context, snapshotID int64) (p Pin, ok bool, err error)
	// SetNote writes a snapshot's note; an empty text removes it.
	SetNote(ctx context.Context, n Note) error
	// Of returns the pins and notes of servers' snapshots, by snapshot id.
	Of(ctx context.Context, servers []int64) (map[int64]Pin, map[int64]Note, error)
	// Forget removes the pins and notes of a server's snapshots that are not
	// in keep: snapshots gone from VPS.org.
	Forget(ctx context.Context, serverID int64, keep []int64) error
}
