// Package steps holds what the steps of every job share: finding a create
// whose answer was lost by listing (never by sending it again), and the
// words for a snapshot VPS.org failed.
package steps

import (
	"time"

	"github.com/snapdash/snapdash/internal/i18n"

	"github.com/snapdash/snapdash/vpsapi"
)

// LostAnswerWindow is how long after a create whose answer was lost its
// snapshot may take to appear in the list before the create is judged not to
// have happened.
const LostAnswerWindow = time.Minute

// MadeSince finds, in a server's list, the snapshot a create named name
// sent at started made: how a create whose answer was lost is resolved,
// by listing, never by sending it again.
func MadeSince(snaps []vpsapi.Snapshot, name string, started time.Time) (vpsapi.Snapshot, bool) {
	for _, s := range snaps {
		if s.Name == name && !s.CreatedAt.Before(started.Add(-LostAnswerWindow)) {
			return s, true
		}
	}
	return vpsapi.Snapshot{}, false
}

// FailedWords say what VPS.org said of a failed snapshot, and what to do.
func FailedWords(status string) string {
	return i18n.Nf("VPS.org reports the snapshot as %s. It still takes one of the server's %d slots: delete it to free the slot, then try again.",
		status, vpsapi.SnapshotLimit)
}
