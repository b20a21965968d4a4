package schedules

// StepWords says what a scheduled run is doing.
func (r Run) StepWords() string {
	switch r.Step {
	case StepCreateSending:
		return "creating " + r.SnapshotName
	case StepWaiting:
		return "waiting for " + r.SnapshotName + " to complete"
	case StepRotating, StepDeleteSending:
		return r.SnapshotName + " completed; deleting the schedule's snapshots beyond its keep count"
	}
	return "checking the server"
}

// EndWords says how a scheduled run ended.
func (r Run) EndWords() string {
	words := "The scheduled snapshot of " + r.ServerName + " " + r.State
	if r.Detail != "" {
		words += ": " + r.Detail
	}
	return words + "."
}
