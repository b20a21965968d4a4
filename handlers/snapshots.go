package handlers

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// Snapshots shows and changes snapshots.
type Snapshots struct {
	Site *Site
}

// parseServerID reads a ?server_id= value: a positive integer, or 0 when absent.
func ParseServerID(v string) (int64, bool) {
	if v == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

func ServerOptions(servers []vpsapi.Server) []views.ServerOption {
	out := make([]views.ServerOption, 0, len(servers))
	for _, s := range servers {
		out = append(out, views.ServerOption{ID: s.ID, Name: s.Name})
	}
	slices.SortFunc(out, func(a, b views.ServerOption) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out
}
