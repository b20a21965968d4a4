package handlers

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"

	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// Limit is the number of snapshots VPS.org allows per server.
const Limit = 5

// Snapshots shows and changes snapshots.
type Snapshots struct {
	Site *Site
	API  API
}

// parseServerID reads a ?server_id= value: a positive integer, or 0 when absent.
func parseServerID(v string) (int64, bool) {
	if v == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// account is one load of a person's servers and snapshots.
type account struct {
	servers     []vpsapi.Server
	snapshots   []vpsapi.Snapshot
	liveServers bool // the Servers API answered
}

// load fetches servers and snapshots (of one server when filter is not 0) in parallel.
// Without a Servers API, the servers are those seen in the snapshot list.
func load(ctx context.Context, api API, token vpsapi.Token, filter int64) (account, error) {
	var (
		wg             sync.WaitGroup
		acc            account
		errSrv, errSnp error
	)
	wg.Add(2)
	go func() { defer wg.Done(); acc.servers, errSrv = api.ListServers(ctx, token) }()
	go func() { defer wg.Done(); acc.snapshots, errSnp = api.ListSnapshots(ctx, token, filter) }()
	wg.Wait()
	if errSnp != nil {
		return acc, errSnp
	}
	switch {
	case errSrv == nil:
		acc.liveServers = true
	case errors.Is(errSrv, vpsapi.ErrNotFound):
		acc.servers = serversSeenIn(acc.snapshots)
	default:
		return acc, errSrv
	}
	return acc, nil
}

func serversSeenIn(snaps []vpsapi.Snapshot) []vpsapi.Server {
	seen := map[int64]bool{}
	var out []vpsapi.Server
	for _, s := range snaps {
		if !seen[s.Server.ID] {
			seen[s.Server.ID] = true
			out = append(out, vpsapi.Server{ID: s.Server.ID, Name: s.Server.Name})
		}
	}
	return out
}

func hasServer(servers []vpsapi.Server, id int64) bool {
	return slices.ContainsFunc(servers, func(s vpsapi.Server) bool { return s.ID == id })
}

// groups puts snapshots under their servers: servers by name, snapshots newest first.
// With filter set, only that server is shown.
func groups(acc account, filter int64) []views.ServerGroup {
	byServer := map[int64][]vpsapi.Snapshot{}
	for _, s := range acc.snapshots {
		byServer[s.Server.ID] = append(byServer[s.Server.ID], s)
	}
	servers := slices.Clone(acc.servers)
	slices.SortFunc(servers, func(a, b vpsapi.Server) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	out := make([]views.ServerGroup, 0, len(servers))
	for _, srv := range servers {
		if filter != 0 && srv.ID != filter {
			continue
		}
		snaps := byServer[srv.ID]
		slices.SortFunc(snaps, func(a, b vpsapi.Snapshot) int {
			return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
		})
		status := ""
		if acc.liveServers {
			status = srv.Status
		}
		out = append(out, views.ServerGroup{ID: srv.ID, Name: srv.Name, Status: status, Limit: Limit, Snapshots: snaps})
	}
	return out
}

func options(servers []vpsapi.Server) []views.ServerOption {
	out := make([]views.ServerOption, 0, len(servers))
	for _, s := range servers {
		out = append(out, views.ServerOption{ID: s.ID, Name: s.Name})
	}
	slices.SortFunc(out, func(a, b views.ServerOption) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out
}
