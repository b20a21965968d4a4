package handlers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
)

// Once makes a form submission reach the upstream at most once: a double
// click or a browser retry of the same form (same form_id, same token) waits
// for the first and gets its outcome instead of starting a second create or
// restore. Outcomes are kept for a while, then forgotten.
type Once struct {
	mu      sync.Mutex
	entries map[string]*onceEntry
	ttl     time.Duration
	max     int
	now     func() time.Time
}

type onceEntry struct {
	done chan struct{}
	val  any
	err  error
	at   time.Time
}

// NewOnce keeps outcomes for ttl, and at most max of them.
func NewOnce(ttl time.Duration, max int, now func() time.Time) *Once {
	if now == nil {
		now = time.Now
	}
	return &Once{entries: map[string]*onceEntry{}, ttl: ttl, max: max, now: now}
}

// Do runs fn unless the same key ran it already, and returns its outcome.
// dup reports that this call got an earlier call's outcome.
func (o *Once) Do(ctx context.Context, key string, fn func() (any, error)) (val any, err error, dup bool) {
	o.mu.Lock()
	if e, ok := o.entries[key]; ok {
		o.mu.Unlock()
		select {
		case <-e.done:
			return e.val, e.err, true
		case <-ctx.Done():
			return nil, ctx.Err(), true
		}
	}
	o.sweepLocked()
	e := &onceEntry{done: make(chan struct{}), at: o.now()}
	o.entries[key] = e
	o.mu.Unlock()

	defer close(e.done)
	e.val, e.err = fn()
	return e.val, e.err, false
}

// sweepLocked forgets expired outcomes, and the oldest ones past max.
func (o *Once) sweepLocked() {
	now := o.now()
	for k, e := range o.entries {
		if now.Sub(e.at) > o.ttl {
			select {
			case <-e.done:
				delete(o.entries, k)
			default:
			}
		}
	}
	for len(o.entries) >= o.max {
		var oldest string
		var at time.Time
		for k, e := range o.entries {
			if oldest == "" || e.at.Before(at) {
				oldest, at = k, e.at
			}
		}
		delete(o.entries, oldest)
	}
}

// onceKey ties a form to the person's token without keeping the token.
func onceKey(action string, token vpsapi.Token, formID string) string {
	h := sha256.Sum256([]byte(action + "\x00" + string(token) + "\x00" + formID))
	return hex.EncodeToString(h[:])
}

// newFormID is the identity of one rendered form.
func newFormID() string { return rand.Text() }

// validFormID accepts what newFormID makes.
func validFormID(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}
