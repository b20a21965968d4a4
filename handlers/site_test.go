package handlers

import (
	"strings"
	"testing"

	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/vpsapi"
)

// A restore's box never contradicts the card it is on: a cancel asked
// says "Cancelling" (not the step it was at), a safety snapshot the card
// lists as failed says no restore will be sent, and neither offers Cancel.
func TestJobViewSaysWhatTheCardShows(t *testing.T) {
	r := restores.Restore{ID: 7, ServerName: "web-server-01", SnapshotName: "pre-migration", SafetyName: "safety-1",
		SafetyID: 900, Kind: restores.KindRestore, Step: restores.StepSafety, State: restores.Running}
	inProgress := []vpsapi.Snapshot{{ID: 900, Name: "safety-1", Status: "in_progress"}}
	failed := []vpsapi.Snapshot{{ID: 900, Name: "safety-1", Status: "failed"}}

	if j := jobView(nil, r, inProgress); !j.Cancellable || !strings.Contains(j.Text, "in progress, then restore") {
		t.Errorf("running: %+v", j)
	}
	j := jobView(nil, r, failed)
	if j.Cancellable || strings.Contains(j.Text, "in progress") || !strings.Contains(j.Text, "failed, so no restore will be sent") {
		t.Errorf("safety snapshot failed on the card: %+v", j)
	}
	r.CancelRequested = true
	j = jobView(nil, r, inProgress)
	if j.Cancellable || !j.Cancelling || strings.Contains(j.Text, "in progress") || !strings.HasPrefix(j.Text, "Cancelling the restore of web-server-01") {
		t.Errorf("cancel asked: %+v", j)
	}
	r.Kind, r.DeleteName = restores.KindCreate, "old-one"
	if j := jobView(nil, r, inProgress); !strings.HasPrefix(j.Text, "Cancelling the snapshot safety-1") {
		t.Errorf("a new snapshot's job, cancel asked: %+v", j)
	}
}
