package restores

import (
	"fmt"
	"time"
)

// StepWords says where a restore with a safety snapshot stands.
func (r Restore) StepWords() string {
	if r.Creates() {
		switch r.Step {
		case StepDeleteSending:
			return fmt.Sprintf("Deleting %s to make room, then taking the snapshot %s.", r.DeleteName, r.SafetyName)
		case StepCreateSending:
			return fmt.Sprintf("%s deleted to make room; taking the snapshot %s.", r.DeleteName, r.SafetyName)
		}
		return fmt.Sprintf("Snapshot %s in progress (%s was deleted to make room).", r.SafetyName, r.DeleteName)
	}
	switch r.Step {
	case StepDeleteSending:
		return fmt.Sprintf("Deleting %s to make room, then a safety snapshot, then restore from %s.", r.DeleteName, r.SnapshotName)
	case StepCreateSending:
		return fmt.Sprintf("Taking the safety snapshot %s, then restore from %s.", r.SafetyName, r.SnapshotName)
	case StepSafety:
		return fmt.Sprintf("Safety snapshot %s in progress, then restore from %s.", r.SafetyName, r.SnapshotName)
	case StepRestoreSending:
		return fmt.Sprintf("Safety snapshot %s complete; sending the restore from %s.", r.SafetyName, r.SnapshotName)
	}
	return fmt.Sprintf("Restoring from %s; the server is stopped until it finishes. Safety snapshot %s kept.", r.SnapshotName, r.SafetyName)
}

// NowWords says where a running restore stands as its card should say it:
// a cancel asked, or its safety snapshot seen failed, ends the job at its
// next look, and until then its step's words would contradict the card.
func (r Restore) NowWords(safetyFailed bool) string {
	switch {
	case r.CancelRequested && r.Creates():
		return fmt.Sprintf("Cancelling the snapshot %s of %s: nothing more will be deleted or created.", r.SafetyName, r.ServerName)
	case r.CancelRequested:
		return fmt.Sprintf("Cancelling the restore of %s: no restore will be sent. The safety snapshot, if it was taken, stays.", r.ServerName)
	case safetyFailed && r.Step == StepSafety && r.Creates():
		return fmt.Sprintf("The snapshot %s failed (%s was deleted to make room).", r.SafetyName, r.DeleteName)
	case safetyFailed && r.Step == StepSafety:
		return fmt.Sprintf("The safety snapshot %s failed, so no restore will be sent.", r.SafetyName)
	}
	return r.StepWords()
}

// EndWords says how a restore with a safety snapshot ended, and
// whether it went wrong.
func (r Restore) EndWords() (text string, bad bool) {
	if r.Creates() {
		what := fmt.Sprintf("Snapshot %s of %s", r.SafetyName, r.ServerName)
		switch r.State {
		case Done:
			return what + " completed; " + r.DeleteName + " was deleted first to make room.", false
		case Cancelled:
			return what + " cancelled: nothing was deleted or created.", false
		case Stopped:
			return what + " stopped: its job ended with its person's session. " + r.Detail, true
		}
		return what + " did not complete: " + r.Detail + ".", true
	}
	what := fmt.Sprintf("Restore of %s from %s", r.ServerName, r.SnapshotName)
	switch r.State {
	case Done:
		text = what + " finished: the server runs again. The safety snapshot " + r.SafetyName + " is kept."
		if r.Detail != "" {
			text = what + " sent: " + r.Detail + ". The safety snapshot " + r.SafetyName + " is kept."
		}
		return text, false
	case Cancelled:
		return what + " " + r.Detail + ".", false
	case Stopped:
		return what + " stopped: its job ended with its person's session, so nothing more was sent.", true
	}
	if r.RestoreSent.IsZero() {
		return what + " did not happen: " + r.Detail + ".", true
	}
	return what + " failed: " + r.Detail + ".", true
}

// Steps lists what a restore with a safety snapshot did, in words:
// "safety snapshot … created in 4 min", "restore sent by alice", "server
// running again after 6 min".
func (r Restore) Steps() []string {
	var steps []string
	if r.DeleteName != "" && r.Step != StepDeleteSending {
		steps = append(steps, "deleted "+r.DeleteName+" to make room")
	}
	if !r.SafetyDone.IsZero() && r.Creates() {
		steps = append(steps, "snapshot "+r.SafetyName+" created in "+minutes(r.SafetyDone.Sub(r.Started)))
	} else if !r.SafetyDone.IsZero() {
		steps = append(steps, "safety snapshot "+r.SafetyName+" created in "+minutes(r.SafetyDone.Sub(r.Started)))
	}
	if !r.RestoreSent.IsZero() {
		steps = append(steps, "restore sent by "+r.Actor)
	}
	if r.State == Done && !r.RestoreSent.IsZero() && r.Detail == "" {
		steps = append(steps, "server running again after "+minutes(r.Finished.Sub(r.RestoreSent)))
	}
	return steps
}

// minutes says a duration the way the steps do: "40 s", "4 min".
func minutes(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	}
	return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
}
