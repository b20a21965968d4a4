package schedules

import "github.com/snapdash/snapdash/internal/i18n"

// StepWords says what a scheduled run is doing, in tr's language.
func (r Run) StepWords(tr *i18n.Translator) string {
	switch r.Step {
	case StepCreateSending:
		return tr.T("creating %s", r.SnapshotName)
	case StepWaiting:
		return tr.T("waiting for %s to complete", r.SnapshotName)
	case StepRotating, StepDeleteSending:
		return tr.T("%s completed; deleting the schedule's snapshots beyond its keep count", r.SnapshotName)
	}
	return tr.T("checking the server")
}

// EndWords says how a scheduled run ended, in tr's language; its detail
// was written by the job, in English.
func (r Run) EndWords(tr *i18n.Translator) string {
	state := r.State
	switch r.State {
	case Completed:
		state = tr.T("completed")
	case Skipped:
		state = tr.T("skipped")
	case Failed:
		state = tr.T("failed")
	}
	if r.Detail != "" {
		return tr.T("The scheduled snapshot of %s %s: %s.", r.ServerName, state, tr.Word(r.Detail))
	}
	return tr.T("The scheduled snapshot of %s %s.", r.ServerName, state)
}
