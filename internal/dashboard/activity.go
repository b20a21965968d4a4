package dashboard

import (
	"context"
	"errors"
	"slices"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/vpsapi"
)

// ActivityFilter narrows the activity record; zero values match everything.
type ActivityFilter struct {
	ServerID int64
	Actor    string
	Action   string // Create, Restore or Delete
}

// ActivityPerPage is how many records a page of the activity record shows.
const ActivityPerPage = 50

// ActivityPage is one page of the record, newest first.
type ActivityPage struct {
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

// ErrNoActivity: the activity record cannot be read.
var ErrNoActivity = errors.New("the activity record cannot be read")

// ActivityOf returns page (1-based; 0 for all of them) of the records about
// the person's servers that match f, newest first.
func (d *Dashboard) ActivityOf(ctx context.Context, token vpsapi.Token, f ActivityFilter, page int) (ActivityPage, error) {
	servers, err := d.Servers(ctx, token)
	if err != nil {
		return ActivityPage{}, err
	}
	out := ActivityPage{Servers: servers, Page: page}
	if d.activity == nil {
		return out, nil
	}
	ids := make([]int64, 0, len(servers))
	for _, s := range servers {
		ids = append(ids, s.ID)
	}
	if f.ServerID != 0 && !slices.Contains(ids, f.ServerID) {
		f.ServerID, out.NotYours = 0, true
	}
	q := activity.Query{Servers: ids, ServerID: f.ServerID, Actor: f.Actor, Action: f.Action}
	if page > 0 {
		q.Offset, q.Limit = (page-1)*ActivityPerPage, ActivityPerPage
	}
	recs, total, err := d.activity.Query(ctx, q)
	if err != nil {
		return out, errors.Join(ErrNoActivity, err)
	}
	actors, err := d.activity.Actors(ctx, ids)
	if err != nil {
		return out, errors.Join(ErrNoActivity, err)
	}
	out.Records, out.Total, out.Actors = recs, total, actors
	out.More = page > 0 && page*ActivityPerPage < total
	out.Steps = d.restoreSteps(ctx, recs)
	return out, nil
}

// restoreSteps reads the steps of the records that were restores with a
// safety snapshot.
func (d *Dashboard) restoreSteps(ctx context.Context, recs []activity.Record) map[int64][]string {
	if d.restores == nil {
		return nil
	}
	var ids []int64
	for _, r := range recs {
		if r.Action == Restore || r.Action == Create {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	of, err := d.restores.Of(ctx, ids)
	if err != nil {
		d.log.WarnContext(ctx, "restore steps not read", "error", err)
		return nil
	}
	out := make(map[int64][]string, len(of))
	for id, r := range of {
		out[id] = r.Steps()
	}
	return out
}
