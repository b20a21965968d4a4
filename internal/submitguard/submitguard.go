// Package submitguard makes a submitted form reach VPS.org at most once:
// the double-submit guard every form shares, across replicas through the
// store's claims.
package submitguard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
)

// Guard makes a form submission reach the upstream at most once: a double
// click or a browser retry of the same form (same form_id, same token) waits
// for the first and gets its outcome instead of starting a second create or
// restore. Outcomes are kept for a while, then forgotten.
type Guard struct {
	mu      sync.Mutex
	entries map[string]*onceEntry
	ttl     time.Duration
	max     int
	now     func() time.Time
	claims  Claimer // shared with other replicas; nil for one process
}

// Claimer claims a key among all replicas.
type Claimer interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// ErrAlreadySubmitted is Do's error when another replica took the form first.
var ErrAlreadySubmitted = errors.New("this form was already submitted")

// ErrClaimUnavailable is Do's error when the shared store cannot be asked:
// nothing is sent rather than risking a second create or restore.
var ErrClaimUnavailable = errors.New("the shared store for submitted forms is unavailable")

// WithClaims makes o consult c, shared by every replica, before running a form.
func (o *Guard) WithClaims(c Claimer) *Guard {
	o.claims = c
	return o
}

type onceEntry struct {
	done chan struct{}
	val  any
	err  error
	at   time.Time
}

// New keeps outcomes for ttl, and at most max of them.
func New(ttl time.Duration, max int, now func() time.Time) *Guard {
	if now == nil {
		now = time.Now
	}
	return &Guard{entries: map[string]*onceEntry{}, ttl: ttl, max: max, now: now}
}

// Do runs fn unless the same key ran it already, and returns its outcome.
// dup reports that this call got an earlier call's outcome.
//
// fn runs to its end whatever the caller's browser does: its context keeps
// the request's values but not its cancellation (the API client's own
// timeout bounds it), so a cancelled first submit still hands its real
// outcome to the duplicates waiting on it.
func (o *Guard) Do(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (val any, err error, dup bool) {
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
	ctx = context.WithoutCancel(ctx)
	if o.claims != nil {
		first, err := o.claims.Claim(ctx, key, o.ttl)
		switch {
		case err != nil:
			e.err = fmt.Errorf("%w: %v", ErrClaimUnavailable, err)
			o.forget(key) // nothing was sent: a later submit may try again
			return nil, e.err, false
		case !first:
			e.err = ErrAlreadySubmitted
			return nil, e.err, true
		}
	}
	e.val, e.err = fn(ctx)
	return e.val, e.err, false
}

func (o *Guard) forget(key string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.entries, key)
}

// sweepLocked forgets expired outcomes, and the oldest finished ones past
// max. A call still running is never forgotten: its duplicates must find it.
func (o *Guard) sweepLocked() {
	now := o.now()
	for k, e := range o.entries {
		if now.Sub(e.at) > o.ttl && finished(e) {
			delete(o.entries, k)
		}
	}
	for len(o.entries) >= o.max {
		var oldest string
		var at time.Time
		for k, e := range o.entries {
			if finished(e) && (oldest == "" || e.at.Before(at)) {
				oldest, at = k, e.at
			}
		}
		if oldest == "" {
			return // all running: bounded by the calls in flight
		}
		delete(o.entries, oldest)
	}
}

func finished(e *onceEntry) bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// onceKey ties a form to the person's token without keeping the token.
func FormKey(action string, token vpsapi.Token, formID string) string {
	h := sha256.Sum256([]byte(action + "\x00" + string(token) + "\x00" + formID))
	return hex.EncodeToString(h[:])
}

// NewFormID is the identity of one rendered form: a repeat of the same
// submit carries it, so it reaches VPS.org once.
func NewFormID() string { return rand.Text() }

// ValidFormID accepts what NewFormID makes.
func ValidFormID(s string) bool {
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
