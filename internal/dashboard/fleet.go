package dashboard

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
)

// FleetQuery sorts, filters and pages the table of every snapshot.
type FleetQuery struct {
	Sort      string        // name, server, status, size or age (default age)
	Desc      bool          // descending
	ServerID  int64         // 0: every server
	Status    string        // a snapshot status; "": any
	OlderThan time.Duration // 0: any age
	Page      int           // 1-based
	all       bool          // every row, unpaged (a bulk delete's check)
}

// FleetPerPage is how many rows a page of the table shows.
const FleetPerPage = 50

// FleetRow is one snapshot with its server's name.
type FleetRow struct {
	vpsapi.Snapshot
	ServerName string
	Age        time.Duration
	Pinned     bool
	InUse      bool // a running restore reads from it or made it
}

// Fleet is one page of the table and what it adds up to.
type Fleet struct {
	Rows      []FleetRow
	Servers   []vpsapi.Server
	Total     int               // snapshots matching the filter
	SizeGB    float64           // their total size
	PerServer map[int64]float64 // size in GB of each server's snapshots (matching)
	More      bool
}

// Fleet lists every snapshot of the person's servers: one list call and one
// servers call, as the cards (and shared with them within the coalescing
// window); sorting, filtering and paging happen here.
func (d *Dashboard) Fleet(ctx context.Context, token vpsapi.Token, q FleetQuery) (Fleet, error) {
	acc, err := d.Account(ctx, token, 0)
	if err != nil {
		return Fleet{}, err
	}
	names := map[int64]string{}
	ids := make([]int64, 0, len(acc.Servers))
	for _, s := range acc.Servers {
		names[s.ID] = s.Name
		ids = append(ids, s.ID)
	}
	pins := map[int64]bool{}
	if d.marks != nil {
		p, _, err := d.marks.Of(ctx, ids)
		if err == nil {
			for id := range p {
				pins[id] = true
			}
		}
	}
	used := map[int64]bool{}
	for _, r := range d.RunningRestores(ctx, ids) {
		used[r.SnapshotID], used[r.SafetyID] = true, true
	}
	now := d.now()
	out := Fleet{Servers: acc.Servers}
	var rows []FleetRow
	for _, s := range acc.Snapshots {
		name, ok := names[s.Server.ID]
		if !ok {
			name = s.Server.Name
		}
		r := FleetRow{Snapshot: s, ServerName: name, Age: now.Sub(s.CreatedAt), Pinned: pins[s.ID], InUse: used[s.ID]}
		if (q.ServerID != 0 && s.Server.ID != q.ServerID) || (q.Status != "" && s.Status != q.Status) || (q.OlderThan > 0 && r.Age < q.OlderThan) {
			continue
		}
		rows = append(rows, r)
		if s.SizeMB != nil {
			out.SizeGB += float64(*s.SizeMB) / 1024
		}
	}
	slices.SortStableFunc(rows, func(a, b FleetRow) int {
		var c int
		switch q.Sort {
		case "name":
			c = strings.Compare(a.Name, b.Name)
		case "server":
			c = strings.Compare(a.ServerName, b.ServerName)
		case "status":
			c = strings.Compare(a.Status, b.Status)
		case "size":
			c = cmp.Compare(size(a.SizeMB), size(b.SizeMB))
		default: // age: oldest first ascending
			c = b.CreatedAt.Compare(a.CreatedAt)
		}
		c = cmp.Or(c, cmp.Compare(a.ID, b.ID))
		if q.Desc {
			return -c
		}
		return c
	})
	out.Total = len(rows)
	if q.all {
		out.Rows = rows
		return out, nil
	}
	page := max(q.Page, 1)
	start := min((page-1)*FleetPerPage, len(rows))
	end := min(start+FleetPerPage, len(rows))
	out.Rows, out.More = rows[start:end], end < len(rows)
	return out, nil
}

func size(mb *int64) int64 {
	if mb == nil {
		return -1
	}
	return *mb
}
