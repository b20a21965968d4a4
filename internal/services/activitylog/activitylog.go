// Package activitylog reads the team's record for the Activity page and its
// CSV: only the records of servers the person's token sees, filtered and
// paged, with the steps of restores that took a safety snapshot.
package activitylog

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/vpsapi"
)

// Filter narrows the activity record; zero values match everything.
type Filter struct {
	ServerID int64
	Actor    string
	Action   string // Create, Restore or Delete
}

// PerPage is how many records a page of the activity record shows.
const PerPage = 50

// Page is one page of the record, newest first.
type Page struct {
	Records []activity.Record
	Servers []vpsapi.Server // the person's servers: only their records are shown
	Actors  []string        // who appears in the records shown to this person, for the filter
	Page    int             // 1-based
	More    bool            // a later page exists
	Total   int             // records matching the filter
	// NotYours: the filter named a server the person cannot see; it was
	// dropped, and the records of all their servers are shown.
	NotYours bool
	// Steps are the steps of records that were restores with a safety
	// snapshot, by record ID, in words.
	Steps map[int64][]string
}

// Service reads the record.
type Service struct {
	dash     *dashboard.Dashboard
	activity activity.Store
	restores restores.Store
	log      *slog.Logger
}

// New returns a Service.
func New(dash *dashboard.Dashboard, act activity.Store, rs restores.Store) *Service {
	return &Service{dash: dash, activity: act, restores: rs, log: dash.Log()}
}

// ErrUnreadable: the activity record cannot be read.
var ErrUnreadable = errors.New("the activity record cannot be read")

// Of returns page (1-based; 0 for all of them) of the records about
// the person's servers that match f, newest first.
func (s *Service) Of(ctx context.Context, token vpsapi.Token, f Filter, page int) (Page, error) {
	servers, err := s.dash.Servers(ctx, token)
	if err != nil {
		return Page{}, err
	}
	out := Page{Servers: servers, Page: page}
	ids := make([]int64, 0, len(servers))
	for _, srv := range servers {
		ids = append(ids, srv.ID)
	}
	if f.ServerID != 0 && !slices.Contains(ids, f.ServerID) {
		f.ServerID, out.NotYours = 0, true
	}
	q := activity.Query{Servers: ids, ServerID: f.ServerID, Actor: f.Actor, Action: f.Action}
	if page > 0 {
		q.Offset, q.Limit = (page-1)*PerPage, PerPage
	}
	recs, total, err := s.activity.Query(ctx, q)
	if err != nil {
		return out, errors.Join(ErrUnreadable, err)
	}
	actors, err := s.activity.Actors(ctx, ids)
	if err != nil {
		return out, errors.Join(ErrUnreadable, err)
	}
	out.Records, out.Total, out.Actors = recs, total, actors
	out.More = page > 0 && page*PerPage < total
	out.Steps = s.restoreSteps(ctx, recs)
	return out, nil
}

// restoreSteps reads the steps of the records that were restores with a
// safety snapshot.
func (s *Service) restoreSteps(ctx context.Context, recs []activity.Record) map[int64][]string {
	var ids []int64
	for _, r := range recs {
		if r.Action == activity.Restore || r.Action == activity.Create {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	of, err := s.restores.Of(ctx, ids)
	if err != nil {
		s.log.WarnContext(ctx, "restore steps not read", "error", err)
		return nil
	}
	out := make(map[int64][]string, len(of))
	for id, r := range of {
		out[id] = r.Steps(i18n.From(ctx))
	}
	return out
}
