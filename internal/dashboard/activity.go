package dashboard

import (
	"context"
	"errors"

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
	visible := map[int64]bool{}
	for _, s := range servers {
		visible[s.ID] = true
	}
	all, err := d.activity.Recent(ctx, activity.DefaultCap)
	if err != nil {
		return out, errors.Join(ErrNoActivity, err)
	}
	seen := map[string]bool{}
	var match []activity.Record
	for _, r := range all {
		if !visible[r.ServerID] {
			continue
		}
		if !seen[r.Actor] {
			seen[r.Actor] = true
			out.Actors = append(out.Actors, r.Actor)
		}
		if (f.ServerID == 0 || r.ServerID == f.ServerID) && (f.Actor == "" || r.Actor == f.Actor) && (f.Action == "" || r.Action == f.Action) {
			match = append(match, r)
		}
	}
	out.Total = len(match)
	if page <= 0 {
		out.Records = match
		return out, nil
	}
	start := min((page-1)*ActivityPerPage, len(match))
	end := min(start+ActivityPerPage, len(match))
	out.Records, out.More = match[start:end], end < len(match)
	return out, nil
}
