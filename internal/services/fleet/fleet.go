// Package fleet is the table of every snapshot of a person's servers
// (All snapshots): sorted, filtered and paged here, from the same two calls
// as the cards, with what may not be deleted and why.
package fleet

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/vpsapi"
)

// Query sorts, filters and pages the table of every snapshot.
type Query struct {
	Sort      string        // name, server, status, size or age (default age)
	Desc      bool          // descending
	ServerID  int64         // 0: every server
	Status    string        // a snapshot status; "": any
	OlderThan time.Duration // 0: any age
	Name      string        // a part of the name, any case; "": any
	Page      int           // 1-based
	All       bool          // every row, unpaged (a bulk delete's check)
}

// PerPage is how many rows a page of the table shows.
const PerPage = 50

// Row is one snapshot with its server's name.
type Row struct {
	vpsapi.Snapshot
	ServerName string
	Age        time.Duration
	Pinned     bool
	InUse      bool // a running restore reads from it or made it
	Unchecked  bool // pins and running restores could not be read: it cannot be deleted
}

// Table is one page of the table and what it adds up to.
type Table struct {
	Rows      []Row
	Servers   []vpsapi.Server
	Total     int               // snapshots matching the filter
	SizeGB    float64           // their total size
	PerServer map[int64]float64 // size in GB of each server's snapshots (matching)
	More      bool
}

// Service reads the table.
type Service struct {
	dash *dashboard.Dashboard
}

// New returns a Service.
func New(dash *dashboard.Dashboard) *Service { return &Service{dash: dash} }

// Table lists every snapshot of the person's servers: one list call and one
// servers call, as the cards (and shared with them within the coalescing
// window); sorting, filtering and paging happen here.
func (s *Service) Table(ctx context.Context, token vpsapi.Token, q Query) (Table, error) {
	d := s.dash
	acc, err := d.Account(ctx, token, 0)
	if err != nil {
		return Table{}, err
	}
	names := map[int64]string{}
	statuses := make(map[int64]string, len(acc.Servers))
	for _, s := range acc.Servers {
		names[s.ID], statuses[s.ID] = s.Name, s.Status
	}
	prot, protErr := d.Protection(ctx, token, statuses)
	if protErr != nil {
		d.Log().WarnContext(ctx, "pins and running restores not read: no snapshot can be selected", "error", protErr)
	}
	now := d.Now()
	out := Table{Servers: acc.Servers}
	var rows []Row
	for _, s := range acc.Snapshots {
		name, ok := names[s.Server.ID]
		if !ok {
			name = s.Server.Name
		}
		_, pinned := prot.Pinned(s.ID)
		r := Row{Snapshot: s, ServerName: name, Age: now.Sub(s.CreatedAt), Pinned: pinned, InUse: prot.InUse(s.ID), Unchecked: protErr != nil}
		if (q.ServerID != 0 && s.Server.ID != q.ServerID) || (q.Status != "" && s.Status != q.Status) || (q.OlderThan > 0 && r.Age < q.OlderThan) ||
			(q.Name != "" && !strings.Contains(strings.ToLower(s.Name), strings.ToLower(q.Name))) {
			continue
		}
		rows = append(rows, r)
		if s.SizeMB != nil {
			out.SizeGB += float64(*s.SizeMB) / 1024
		}
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
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
	if q.All {
		out.Rows = rows
		return out, nil
	}
	page := max(q.Page, 1)
	start := min((page-1)*PerPage, len(rows))
	end := min(start+PerPage, len(rows))
	out.Rows, out.More = rows[start:end], end < len(rows)
	return out, nil
}

func size(mb *int64) int64 {
	if mb == nil {
		return -1
	}
	return *mb
}

// LockedWhy says why a snapshot of the table cannot be deleted; "" when it can.
func LockedWhy(r Row) string {
	switch {
	case r.Pinned:
		return i18n.N("pinned")
	case r.Unchecked:
		return i18n.N("cannot be checked now")
	case r.InUse:
		return dashboard.WhyInUse
	case !r.Done():
		return i18n.N("still in progress")
	}
	return ""
}
