package restores

import (
	"time"

	"github.com/snapdash/snapdash/internal/i18n"
)

// StepWords says where a restore with a safety snapshot stands, in tr's
// language (nil: English).
func (r Restore) StepWords(tr *i18n.Translator) string {
	if r.Creates() {
		switch r.Step {
		case StepDeleteSending:
			return tr.T("Deleting %s to make room, then taking the snapshot %s.", r.DeleteName, r.SafetyName)
		case StepCreateSending:
			return tr.T("%s deleted to make room; taking the snapshot %s.", r.DeleteName, r.SafetyName)
		}
		return tr.T("Snapshot %s in progress (%s was deleted to make room).", r.SafetyName, r.DeleteName)
	}
	switch r.Step {
	case StepDeleteSending:
		return tr.T("Deleting %s to make room, then a safety snapshot, then restore from %s.", r.DeleteName, r.SnapshotName)
	case StepCreateSending:
		return tr.T("Taking the safety snapshot %s, then restore from %s.", r.SafetyName, r.SnapshotName)
	case StepSafety:
		return tr.T("Safety snapshot %s in progress, then restore from %s.", r.SafetyName, r.SnapshotName)
	case StepRestoreSending:
		return tr.T("Safety snapshot %s complete; sending the restore from %s.", r.SafetyName, r.SnapshotName)
	}
	return tr.T("Restoring from %s; the server is stopped until it finishes. Safety snapshot %s kept.", r.SnapshotName, r.SafetyName)
}

// NowWords says where a running restore stands as its card should say it:
// a cancel asked, or its safety snapshot seen failed, ends the job at its
// next look, and until then its step's words would contradict the card.
func (r Restore) NowWords(tr *i18n.Translator, safetyFailed bool) string {
	switch {
	case r.CancelRequested && r.Creates():
		return tr.T("Cancelling the snapshot %s of %s: nothing more will be deleted or created.", r.SafetyName, r.ServerName)
	case r.CancelRequested:
		return tr.T("Cancelling the restore of %s: no restore will be sent. The safety snapshot, if it was taken, stays.", r.ServerName)
	case safetyFailed && r.Step == StepSafety && r.Creates():
		return tr.T("The snapshot %s failed (%s was deleted to make room).", r.SafetyName, r.DeleteName)
	case safetyFailed && r.Step == StepSafety:
		return tr.T("The safety snapshot %s failed, so no restore will be sent.", r.SafetyName)
	}
	return r.StepWords(tr)
}

// EndWords says how a restore with a safety snapshot ended, and whether it
// went wrong. Its detail was written by the job, in English.
func (r Restore) EndWords(tr *i18n.Translator) (text string, bad bool) {
	if r.Creates() {
		switch r.State {
		case Done:
			return tr.T("Snapshot %s of %s completed; %s was deleted first to make room.", r.SafetyName, r.ServerName, r.DeleteName), false
		case Cancelled:
			return tr.T("Snapshot %s of %s %s.", r.SafetyName, r.ServerName, tr.Word(r.Detail)), false
		case Stopped:
			return tr.T("Snapshot %s of %s stopped: its job ended with its person's session.", r.SafetyName, r.ServerName) + " " + tr.Word(r.Detail), true
		}
		return tr.T("Snapshot %s of %s did not complete: %s.", r.SafetyName, r.ServerName, tr.Word(r.Detail)), true
	}
	switch r.State {
	case Done:
		if tr.Word(r.Detail) != "" {
			return tr.T("Restore of %s from %s sent: %s. The safety snapshot %s is kept.", r.ServerName, r.SnapshotName, tr.Word(r.Detail), r.SafetyName), false
		}
		return tr.T("Restore of %s from %s finished: the server runs again. The safety snapshot %s is kept.", r.ServerName, r.SnapshotName, r.SafetyName), false
	case Cancelled:
		return tr.T("Restore of %s from %s %s.", r.ServerName, r.SnapshotName, tr.Word(r.Detail)), false
	case Stopped:
		return tr.T("Restore of %s from %s stopped: its job ended with its person's session, so nothing more was sent.", r.ServerName, r.SnapshotName), true
	case StillRunning:
		return tr.T("Restore of %s from %s: %s, so Snapdash no longer follows it. Check the server. The safety snapshot %s is kept.", r.ServerName, r.SnapshotName, tr.Word(r.Detail), r.SafetyName), true
	case Unknown:
		return tr.T("It is not known whether the restore of %s from %s happened: %s. The safety snapshot %s is kept.", r.ServerName, r.SnapshotName, tr.Word(r.Detail), r.SafetyName), true
	}
	if r.RestoreSent.IsZero() {
		return tr.T("Restore of %s from %s did not happen: %s.", r.ServerName, r.SnapshotName, tr.Word(r.Detail)), true
	}
	return tr.T("Restore of %s from %s failed: %s.", r.ServerName, r.SnapshotName, tr.Word(r.Detail)), true
}

// Steps lists what a restore with a safety snapshot did, in words:
// "safety snapshot … created in 4 min", "restore sent by alice", "server
// running again after 6 min".
func (r Restore) Steps(tr *i18n.Translator) []string {
	var steps []string
	if r.DeleteName != "" && r.Step != StepDeleteSending {
		steps = append(steps, tr.T("deleted %s to make room", r.DeleteName))
	}
	if !r.SafetyDone.IsZero() && r.Creates() {
		steps = append(steps, tr.T("snapshot %s created in %s", r.SafetyName, minutes(tr, r.SafetyDone.Sub(r.Started))))
	} else if !r.SafetyDone.IsZero() {
		steps = append(steps, tr.T("safety snapshot %s created in %s", r.SafetyName, minutes(tr, r.SafetyDone.Sub(r.Started))))
	}
	if !r.RestoreSent.IsZero() {
		steps = append(steps, tr.T("restore sent by %s", r.Actor))
	}
	if r.State == Done && !r.RestoreSent.IsZero() && r.Detail == "" {
		steps = append(steps, tr.T("server running again after %s", minutes(tr, r.Finished.Sub(r.RestoreSent))))
	}
	return steps
}

// minutes says a duration the way the steps do: "40 s", "4 min".
func minutes(tr *i18n.Translator, d time.Duration) string {
	if d < time.Minute {
		return tr.T("%d s", int(d.Round(time.Second)/time.Second))
	}
	return tr.T("%d min", int(d.Round(time.Minute)/time.Minute))
}
