package vpsapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Shared puts a short-lived, per-token cache and call coalescing in front of
// a Client's reads: several tabs of one person polling the same server within
// the window share one upstream call. Entries are keyed by a hash of the token
// and the query, so nothing is ever shared between two tokens, and every
// write by a token drops that token's entries.
type Shared struct {
	*Client
	window time.Duration
	now    func() time.Time
	group  singleflight.Group

	mu      sync.Mutex
	entries map[string]sharedEntry
	byToken map[string]map[string]bool // token hash → its keys
}

type sharedEntry struct {
	val any
	at  time.Time
}

// NewShared coalesces c's reads within window (about a second is right for polling).
func NewShared(c *Client, window time.Duration, now func() time.Time) *Shared {
	if now == nil {
		now = time.Now
	}
	return &Shared{Client: c, window: window, now: now, entries: map[string]sharedEntry{}, byToken: map[string]map[string]bool{}}
}

func tokenHash(t Token) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:16])
}

// read returns a fresh enough cached answer, or makes one call for all callers asking at once.
func read[T any](ctx context.Context, s *Shared, token Token, query string, call func(context.Context) (T, error)) (T, error) {
	th := tokenHash(token)
	key := th + "|" + query
	s.mu.Lock()
	if e, ok := s.entries[key]; ok && s.now().Sub(e.at) < s.window {
		s.mu.Unlock()
		return e.val.(T), nil
	}
	s.mu.Unlock()
	v, err, _ := s.group.Do(key, func() (any, error) {
		// The first caller's context would cancel everyone's call: detach it,
		// keeping its values, under the client's own timeout.
		v, err := call(context.WithoutCancel(ctx))
		if err == nil {
			s.mu.Lock()
			s.entries[key] = sharedEntry{val: v, at: s.now()}
			if s.byToken[th] == nil {
				s.byToken[th] = map[string]bool{}
			}
			s.byToken[th][key] = true
			s.sweepLocked()
			s.mu.Unlock()
		}
		return v, err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// sweepLocked drops expired entries once the map grows.
func (s *Shared) sweepLocked() {
	if len(s.entries) < 1024 {
		return
	}
	now := s.now()
	for k, e := range s.entries {
		if now.Sub(e.at) >= s.window {
			delete(s.entries, k)
		}
	}
	for th, keys := range s.byToken {
		for k := range keys {
			if _, ok := s.entries[k]; !ok {
				delete(keys, k)
			}
		}
		if len(keys) == 0 {
			delete(s.byToken, th)
		}
	}
}

// forget drops every cached answer of token: after a write they are stale.
func (s *Shared) forget(token Token) {
	th := tokenHash(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.byToken[th] {
		delete(s.entries, k)
	}
	delete(s.byToken, th)
}

// ListSnapshots is Client.ListSnapshots, shared within the window. Each
// caller gets its own copy of the list, free to sort or change.
func (s *Shared) ListSnapshots(ctx context.Context, token Token, serverID int64) ([]Snapshot, error) {
	v, err := read(ctx, s, token, "snapshots?server_id="+strconv.FormatInt(serverID, 10), func(ctx context.Context) ([]Snapshot, error) {
		return s.Client.ListSnapshots(ctx, token, serverID)
	})
	return slices.Clone(v), err
}

// ListServers is Client.ListServers, shared within the window, copied for each caller.
func (s *Shared) ListServers(ctx context.Context, token Token) ([]Server, error) {
	v, err := read(ctx, s, token, "servers", func(ctx context.Context) ([]Server, error) {
		return s.Client.ListServers(ctx, token)
	})
	return slices.Clone(v), err
}

// GetServer is Client.GetServer, shared within the window.
func (s *Shared) GetServer(ctx context.Context, token Token, id int64) (Server, error) {
	return read(ctx, s, token, "server/"+strconv.FormatInt(id, 10), func(ctx context.Context) (Server, error) {
		return s.Client.GetServer(ctx, token, id)
	})
}

// CreateSnapshot is never shared; it makes the token's cached reads stale.
func (s *Shared) CreateSnapshot(ctx context.Context, token Token, req CreateRequest) (Created, error) {
	defer s.forget(token)
	return s.Client.CreateSnapshot(ctx, token, req)
}

// RestoreSnapshot is never shared; it makes the token's cached reads stale.
func (s *Shared) RestoreSnapshot(ctx context.Context, token Token, id int64) (Restored, error) {
	defer s.forget(token)
	return s.Client.RestoreSnapshot(ctx, token, id)
}

// DeleteSnapshot is never shared; it makes the token's cached reads stale.
func (s *Shared) DeleteSnapshot(ctx context.Context, token Token, id int64) error {
	defer s.forget(token)
	return s.Client.DeleteSnapshot(ctx, token, id)
}
