package dashboard

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
)

// ChangeFeed is what changed on which server, in order (the store's).
type ChangeFeed interface {
	Last(ctx context.Context) (int64, error)
	Since(ctx context.Context, since int64, servers []int64) (int64, []int64, error)
}

// LastChange is the newest change's id, for a page to ask what changed
// after it; 0 when the feed cannot be read (the page then asks from the
// start, and is told of what changed in the last hour).
func (d *Dashboard) LastChange(ctx context.Context) int64 {
	if d.changes == nil {
		return 0
	}
	last, err := d.changes.Last(ctx)
	if err != nil {
		d.log.WarnContext(ctx, "the change feed not read", "error", err)
	}
	return last
}

// ChangesSince returns the newest change's id and, of the servers the
// person's token sees, those that changed after since: from the store,
// and from VPS.org only to learn which servers the token sees, at most
// once a minute.
func (d *Dashboard) ChangesSince(ctx context.Context, token vpsapi.Token, since int64) (int64, []int64, error) {
	if d.changes == nil {
		return since, nil, nil
	}
	ids, ok := d.seen.of(token, d.now())
	if !ok {
		servers, err := d.Servers(ctx, token)
		if err != nil {
			return since, nil, err
		}
		ids = serverIDs(servers)
	}
	return d.changes.Since(ctx, since, ids)
}

func serverIDs(servers []vpsapi.Server) []int64 {
	ids := make([]int64, len(servers))
	for i, s := range servers {
		ids[i] = s.ID
	}
	return ids
}

// seenServers remembers, for a while, which servers each token saw when
// VPS.org last listed them for it: what a poll for changes may name.
type seenServers struct {
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

func (s *seenServers) remember(token vpsapi.Token, servers []vpsapi.Server, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byToken) > 10000 {
		for k, v := range s.byToken {
			if now.Sub(v.at) > seenFor {
				delete(s.byToken, k)
			}
		}
	}
	s.byToken[sha256.Sum256([]byte(token))] = seen{ids: serverIDs(servers), at: now}
}

func (s *seenServers) of(token vpsapi.Token, now time.Time) ([]int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.byToken[sha256.Sum256([]byte(token))]
	if !ok || now.Sub(v.at) > seenFor || now.Before(v.at) {
		return nil, false
	}
	return v.ids, true
}
