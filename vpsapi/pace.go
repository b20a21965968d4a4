package vpsapi

import "time"

// RestoreTakes is the longest a restore takes, as VPS.org documents it
// (5–15 minutes). Without a Servers API nothing tells when one ended, so
// Snapdash takes one to run that long: while it may run, what it reads
// from is not deleted.
const RestoreTakes = 15 * time.Minute

// PaceSteps is how many waits Pace has before its slowest.
const PaceSteps = 7

// Pace is how long Snapdash waits before asking VPS.org again about work in
// progress, after n checks that saw no change: fast at first, then slower.
// An open page's polls and a job's checks keep the same pace, so a job
// following an action costs no more calls than a page watching it.
func Pace(n int) time.Duration {
	switch min(max(n, 0), PaceSteps-1) {
	case 0, 1:
		return 2 * time.Second
	case 2:
		return 3 * time.Second
	case 3:
		return 5 * time.Second
	case 4:
		return 8 * time.Second
	case 5:
		return 12 * time.Second
	default:
		return 15 * time.Second
	}
}

// PaceAfter is the wait due once elapsed has passed since checks began at
// Pace: the step a page polling since then would have reached.
func PaceAfter(elapsed time.Duration) time.Duration {
	var spent time.Duration
	for n := range PaceSteps {
		spent += Pace(n)
		if elapsed < spent {
			return Pace(n)
		}
	}
	return Pace(PaceSteps)
}
