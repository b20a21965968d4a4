// Package restores describes a restore with a safety snapshot: a job that
// snapshots the server's current state, waits for that snapshot to complete,
// only then sends the restore, and follows it until the server runs again.
// Each step is recorded before and after its call to VPS.org, so a replica
// that resumes the job knows what was sent.
package restores

import (
	"context"
	"errors"
	"time"
)

// Steps, in order. A step ending in "-sending" is recorded before its call:
// found on resume, the call's outcome is unknown and is resolved by listing,
// never by sending again blindly.
const (
	StepDeleteSending  = "delete-sending"  // deleting the snapshot chosen to free a slot
	StepCreateSending  = "create-sending"  // creating the safety snapshot
	StepSafety         = "safety"          // waiting for the safety snapshot to complete
	StepRestoreSending = "restore-sending" // sending the restore
	StepRestoring      = "restoring"       // waiting for the server to run again
)

// States.
const (
	Running   = "running"
	Done      = "done"      // the server runs again from the snapshot
	Failed    = "failed"    // stopped before or at the restore; Detail says why
	Cancelled = "cancelled" // by its person, before the restore was sent
	Stopped   = "stopped"   // its person signed out, or VPS.org refused the token
	// Unknown: the restore's answer was lost, and nothing seen since tells
	// whether it happened; it was not sent again.
	Unknown = "unknown"
	// StillRunning: VPS.org still reported the server restoring at the
	// limit; it is no longer followed.
	StillRunning = "still running"
)

// Restore is one restore with a safety snapshot.
type Restore struct {
	ID           int64
	ActivityID   int64
	Actor        string
	ServerID     int64
	ServerName   string
	SnapshotID   int64 // restored from
	SnapshotName string
	SafetyName   string // "" when restored without a safety snapshot
	SafetyID     int64  // once VPS.org made it
	DeleteID     int64  // a snapshot deleted first to free a slot; 0: none
	DeleteName   string
	// Groups are its person's SSO groups when it started: each step that
	// deletes or restores checks the roles again.
	Groups []string
	// Kind is KindRestore, or KindCreate: a person's new snapshot taken
	// once a snapshot was deleted to make room (at the limit), with the
	// same steps but no restore: SafetyName is then the new snapshot's
	// name, Description its description, SnapshotID 0.
	Kind        string
	Description string

	Step            string
	State           string
	Detail          string
	CancelRequested bool

	Started, Updated time.Time
	SafetyDone       time.Time // when the safety snapshot was seen completed
	RestoreSent      time.Time // when VPS.org accepted the restore
	Finished         time.Time
}

// Kinds of job on a restore's steps.
const (
	KindRestore = "restore"
	KindCreate  = "create"
)

// Creates reports a new snapshot taken after making room, not a restore.
func (r Restore) Creates() bool { return r.Kind == KindCreate }

// Cancellable reports whether the restore can still be cancelled: nothing
// has been sent to restore the server yet. A new snapshot's job can be
// cancelled only before its snapshot was asked for.
func (r Restore) Cancellable() bool {
	if r.Creates() {
		return r.State == Running && r.Step == StepDeleteSending
	}
	return r.State == Running && (r.Step == StepDeleteSending || r.Step == StepCreateSending || r.Step == StepSafety)
}

// SentRestore reports whether a restore at step has sent (or is sending)
// its restore: from then on the server's status tells how it goes.
func SentRestore(step string) bool { return step == StepRestoreSending || step == StepRestoring }

// ErrAlreadyRunning: the server already has a restore running.
var ErrAlreadyRunning = errors.New("a restore of this server is already running")

// ErrTooLate: the restore was already sent (or ended), so it cannot be cancelled.
var ErrTooLate = errors.New("the restore has already been sent")

// ErrNotFound: no such restore.
var ErrNotFound = errors.New("no such restore")

// Store keeps restores.
type Store interface {
	// Add records a new running restore; ErrAlreadyRunning when the server
	// has one.
	Add(ctx context.Context, r Restore) (int64, error)
	Get(ctx context.Context, id int64) (Restore, error)
	// Move sets the restore's step and what it learned (SafetyID, the times,
	// State, Detail), only when it is still at step from and running, and for
	// a move to StepRestoreSending only when no cancel was asked: false when
	// it was not (cancelled, or another replica moved it).
	Move(ctx context.Context, from string, r Restore) (bool, error)
	// Cancel asks a restore to stop before its restore is sent; ErrTooLate
	// when it is past that.
	Cancel(ctx context.Context, id int64) error
	// Running lists the running restores of servers.
	Running(ctx context.Context, servers []int64) ([]Restore, error)
	// Of returns the restores of activity records, by record ID.
	Of(ctx context.Context, activityIDs []int64) (map[int64]Restore, error)
}
