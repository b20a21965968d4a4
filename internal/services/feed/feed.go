// Package feed answers a page's question "what changed on my servers
// since?" from the store's change feed: which servers a person's token
// sees is learnt from their page loads (live.Seen), so the answer costs
// VPS.org nothing.
package feed

import (
	"context"
	"slices"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/live"
	"github.com/snapdash/snapdash/vpsapi"
)

// Changes are what changed on which server, in order (the store's).
type Changes interface {
	Last(ctx context.Context) (int64, error)
	Since(ctx context.Context, since int64, servers []int64) (int64, []int64, error)
}

// Service answers the questions.
type Service struct {
	dash    *dashboard.Dashboard
	changes Changes
	seen    *live.Seen
}

// New returns a Service; seen is the dashboard's.
func New(dash *dashboard.Dashboard, changes Changes, seen *live.Seen) *Service {
	return &Service{dash: dash, changes: changes, seen: seen}
}

// Last is the newest change's id, for a page to ask what changed
// after it; 0 when the feed cannot be read (the page then asks from the
// start, and is told of what changed in the last hour).
func (d *Service) Last(ctx context.Context) int64 {
	if d.changes == nil {
		return 0
	}
	last, err := d.changes.Last(ctx)
	if err != nil {
		d.dash.Log().WarnContext(ctx, "the change feed not read", "error", err)
	}
	return last
}

// Since returns the newest change's id and, of the servers the
// person's token sees, those that changed after since: from the store,
// and from VPS.org only to learn which servers the token sees, at most
// once a minute.
func (d *Service) Since(ctx context.Context, token vpsapi.Token, since int64) (int64, []int64, error) {
	if d.changes == nil {
		return since, nil, nil
	}
	ids, err := d.servers(ctx, token)
	if err != nil {
		return since, nil, err
	}
	return d.changes.Since(ctx, since, ids)
}

// Recent are the newest records (at most n, none older than within) of
// the servers the person's token sees: the team's events for the tray,
// from the store.
func (d *Service) Recent(ctx context.Context, token vpsapi.Token, n int, within time.Duration) ([]activity.Record, error) {
	ids, err := d.servers(ctx, token)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	recs, _, err := d.dash.Activity().Query(ctx, activity.Query{Servers: ids, Limit: n})
	if err != nil {
		return nil, err
	}
	oldest := d.dash.Now().Add(-within)
	return slices.DeleteFunc(recs, func(r activity.Record) bool { return r.Time.Before(oldest) && r.Finished.Before(oldest) }), nil
}

// servers are the ids of the servers the person's token sees: as their
// page loads saw them, else asked of VPS.org.
func (d *Service) servers(ctx context.Context, token vpsapi.Token) ([]int64, error) {
	if ids, ok := d.seen.Of(token, d.dash.Now()); ok {
		return ids, nil
	}
	servers, err := d.dash.Servers(ctx, token)
	if err != nil {
		return nil, err
	}
	return live.ServerIDs(servers), nil
}
