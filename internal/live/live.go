// Package live keeps what the jobs following work saw of each server at
// VPS.org (Views: written by the followers, read by the pages while work
// runs) and which servers each token was seen to see (Seen): the store
// answers pages, VPS.org answers jobs.
package live

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
)

// ServerViews keeps what the jobs following work last saw of each server
// at VPS.org (the store's): while work runs, pages are answered from it.
type ServerViews interface {
	Put(ctx context.Context, serverID int64, status string, snapshots []byte, at time.Time) error
	Get(ctx context.Context, serverID int64) (status string, snapshots []byte, at time.Time, ok bool, err error)
}

// Fresh is how old what a job saw of a server may be for a page to be
// answered from it: the follower looks every 2 s.
const Fresh = 5 * time.Second

// Views are what the jobs saw of servers, kept for the pages.
type Views struct {
	store ServerViews // nil: nothing kept
	now   func() time.Time
	log   *slog.Logger
}

// NewViews returns Views kept in st.
func NewViews(st ServerViews, now func() time.Time, log *slog.Logger) *Views {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Views{store: st, now: now, log: log}
}

// Asked is when a job asked VPS.org: what it saw is as old as the question,
// not the answer (a change made while the answer travelled may be missing
// from it).
func (d *Views) Asked() time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.now()
}

// SawSnapshots keeps what a job's list of a server's snapshots, asked at
// asked, showed.
func (d *Views) SawSnapshots(ctx context.Context, serverID int64, snaps []vpsapi.Snapshot, asked time.Time) {
	if d == nil || d.store == nil {
		return
	}
	if snaps == nil {
		snaps = []vpsapi.Snapshot{}
	}
	b, err := json.Marshal(snaps)
	if err == nil {
		err = d.store.Put(context.WithoutCancel(ctx), serverID, "", b, asked)
	}
	if err != nil {
		d.log.WarnContext(ctx, "what a job saw of a server not kept", "server_id", serverID, "error", err)
	}
}

// SawStatus keeps a server's status as a job saw it, asked at asked.
func (d *Views) SawStatus(ctx context.Context, serverID int64, status string, asked time.Time) {
	if d == nil || d.store == nil || status == "" {
		return
	}
	if err := d.store.Put(context.WithoutCancel(ctx), serverID, status, nil, asked); err != nil {
		d.log.WarnContext(ctx, "what a job saw of a server not kept", "server_id", serverID, "error", err)
	}
}

// Fresh is what a job saw of a server within fresh: its snapshots, and its
// status when known ("" otherwise).
func (d *Views) Fresh(ctx context.Context, serverID int64, fresh time.Duration) (string, []vpsapi.Snapshot, bool) {
	if d == nil {
		return "", nil, false
	}
	return d.Since(ctx, serverID, d.now().Add(-fresh))
}

// Since is what a job saw of a server asked after since (a look taken
// before an action was accepted cannot tell how it goes; one of the same
// instant, in the store's milliseconds, may have been).
func (d *Views) Since(ctx context.Context, serverID int64, since time.Time) (string, []vpsapi.Snapshot, bool) {
	status, snaps, at, ok := d.Last(ctx, serverID)
	if !ok || !at.After(since) {
		return "", nil, false
	}
	return status, snaps, true
}

// Last is what a job last saw of a server, and when; ok is false when
// nothing was seen (or it cannot be read).
func (d *Views) Last(ctx context.Context, serverID int64) (string, []vpsapi.Snapshot, time.Time, bool) {
	if d == nil || d.store == nil {
		return "", nil, time.Time{}, false
	}
	status, b, at, ok, err := d.store.Get(ctx, serverID)
	if err != nil || !ok || len(b) == 0 || at.After(d.now().Add(time.Second)) {
		return "", nil, time.Time{}, false
	}
	var snaps []vpsapi.Snapshot
	if err := json.Unmarshal(b, &snaps); err != nil {
		return "", nil, time.Time{}, false
	}
	return status, snaps, at, true
}

// Seen remembers, for a while, which servers each token saw when VPS.org
// last listed them for it: what a poll for changes, or answered from a
// view, may name.
type Seen struct {
	mu      sync.Mutex
	byToken map[[32]byte]seen
}

type seen struct {
	ids []int64
	at  time.Time
}

// seenFor is how long a token's list of servers stands in for asking
// VPS.org again: a session's idle time, so an open page that only asks
// what changed costs VPS.org a list at most that often, on a replica that
// did not serve its page.
const seenFor = 30 * time.Minute

func (s *Seen) Remember(token vpsapi.Token, servers []vpsapi.Server, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byToken) > 10000 {
		for k, v := range s.byToken {
			if now.Sub(v.at) > seenFor {
				delete(s.byToken, k)
			}
		}
	}
	s.byToken[sha256.Sum256([]byte(token))] = seen{ids: ServerIDs(servers), at: now}
}

func (s *Seen) Of(token vpsapi.Token, now time.Time) ([]int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.byToken[sha256.Sum256([]byte(token))]
	if !ok || now.Sub(v.at) > seenFor || now.Before(v.at) {
		return nil, false
	}
	return v.ids, true
}

// NewSeen returns an empty Seen.
func NewSeen() *Seen { return &Seen{byToken: map[[32]byte]seen{}} }

// ServerIDs are the servers' ids.
func ServerIDs(servers []vpsapi.Server) []int64 {
	ids := make([]int64, len(servers))
	for i, s := range servers {
		ids[i] = s.ID
	}
	return ids
}
