package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
)

// The poll URL carries what the page showed at its last refresh, so a poll
// can tell what changed. It is written and read here only.

// PollSpec is what the next poll of a server compares against: in-progress
// ids, the restore flag, the last status and how many polls saw no change.
type PollSpec struct {
	Base       string
	ServerID   int64
	InProgress []int64
	Restoring  bool
	Status     string
	Job        int64  // the running restore with a safety snapshot, 0: none
	Step       string // its step
	After      int    // polls so far without a change; sets the interval
	Retry      bool   // the last poll failed: the next answer must clear its note
	Full       bool   // refresh the whole card whatever changed (a tab shown again)
	// FromStore: the last answer came from what a job saw (the store), so
	// the next costs VPS.org nothing and is due sooner.
	FromStore bool
}

// StorePace is how often a card answered from the store polls: with the
// follower's look every 2 s, a change shows within 3 s.
const StorePace = time.Second

// Interval is how long to wait before the next poll.
func (p PollSpec) Interval() time.Duration {
	if p.FromStore {
		return StorePace
	}
	return vpsapi.Pace(p.After)
}

// URL is the poll address, carrying the state to compare against. Its
// parameters are in url.Values.Encode's order and escaping, written without
// a map: every card on every page and poll says one.
func (p PollSpec) URL() string {
	b := make([]byte, 0, 96)
	b = append(b, p.Base...)
	b = append(b, "/poll/servers/"...)
	b = strconv.AppendInt(b, p.ServerID, 10)
	sep := byte('?')
	param := func(key string) {
		b = append(b, sep)
		b = append(b, key...)
		b = append(b, '=')
		sep = '&'
	}
	if p.Full {
		param("full")
		b = append(b, '1')
	}
	if len(p.InProgress) > 0 {
		param("ip")
		for i, id := range p.InProgress {
			if i > 0 {
				b = append(b, "%2C"...)
			}
			b = strconv.AppendInt(b, id, 10)
		}
	}
	if p.Job != 0 {
		param("j")
		b = strconv.AppendInt(b, p.Job, 10)
		param("js")
		b = append(b, url.QueryEscape(p.Step)...)
	}
	// Past the slowest pace the count no longer matters: the same URL lets an
	// unchanged poll at that pace leave the page exactly as it is.
	param("n")
	b = strconv.AppendInt(b, int64(min(max(p.After, 0), vpsapi.PaceSteps-1)), 10)
	if p.Restoring {
		param("r")
		b = append(b, '1')
	}
	if p.Retry {
		param("retry")
		b = append(b, '1')
	}
	if p.FromStore {
		param("s")
		b = append(b, '1')
	}
	if p.Status != "" {
		param("st")
		b = append(b, url.QueryEscape(p.Status)...)
	}
	return string(b)
}

func (p PollSpec) trigger() string {
	return "every " + strconv.Itoa(int(p.Interval()/time.Second)) + "s"
}

// maxTracked bounds the in-progress ids a poll URL may carry.
const maxTracked = 20

// ParsePoll reads a poll URL's query, as URL wrote it, for server id. Anything
// odd is dropped or clamped: the query comes from the browser.
func ParsePoll(base string, id int64, q url.Values) PollSpec {
	p := PollSpec{Base: base, ServerID: id}
	for _, s := range strings.Split(q.Get("ip"), ",") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && len(p.InProgress) < maxTracked {
			p.InProgress = append(p.InProgress, n)
		}
	}
	p.Restoring = q.Get("r") == "1"
	p.Retry = q.Get("retry") == "1"
	p.Full = q.Get("full") == "1"
	p.FromStore = q.Get("s") == "1"
	switch st := q.Get("st"); st {
	case vpsapi.ServerRunning, vpsapi.ServerStopped, vpsapi.ServerRestoring:
		p.Status = st
	}
	if j, err := strconv.ParseInt(q.Get("j"), 10, 64); err == nil && j > 0 {
		p.Job = j
		if step := q.Get("js"); len(step) <= 20 && strings.Trim(step, "abcdefghijklmnopqrstuvwxyz-") == "" {
			p.Step = step
		}
	}
	if n, err := strconv.Atoi(q.Get("n")); err == nil && n >= 0 {
		p.After = min(n, vpsapi.PaceSteps-1)
	}
	return p
}

// Next is the poller after a poll that saw no change: one step slower, and
// any failed poll's note cleared.
func (p PollSpec) Next() PollSpec {
	p.After = min(p.After+1, vpsapi.PaceSteps-1)
	p.Retry, p.Full, p.FromStore = false, false, false
	return p
}

// FromStoreNext is the poll after an answer from the store, which cost
// VPS.org nothing: at StorePace, however long nothing changed.
func (p PollSpec) FromStoreNext() PollSpec {
	p.After, p.Retry, p.Full, p.FromStore = 0, false, false, true
	return p
}

// Refresh is a poll that re-renders the whole card whatever changed, for a
// tab shown again after a while.
func (p PollSpec) Refresh() PollSpec {
	p.Full = true
	return p
}

// AfterFailure is the poller after a failed poll: slower (at least the third
// step), with a note to clear once a poll succeeds.
func (p PollSpec) AfterFailure() PollSpec {
	p.After = min(max(p.After+1, 2), vpsapi.PaceSteps-1)
	p.Retry, p.Full, p.FromStore = true, false, false
	return p
}
