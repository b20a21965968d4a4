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
	Once *Once
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
func (s *Site) groups(acc account, filter int64) []views.ServerGroup {
	byServer := map[int64][]vpsapi.Snapshot{}
	for _, s := range acc.snapshots {
		byServer[s.Server.ID] = append(byServer[s.Server.ID], s)
	}
	servers := acc.servers
	slices.SortFunc(servers, func(a, b vpsapi.Server) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	out := make([]views.ServerGroup, 0, len(servers))
	for _, srv := range servers {
		if filter != 0 && srv.ID != filter {
			continue
		}
		status := ""
		if acc.liveServers {
			status = srv.Status
		}
		out = append(out, s.group(srv.ID, srv.Name, status, byServer[srv.ID]))
	}
	return out
}

// group is one server's card data, snapshots newest first.
func (s *Site) group(id int64, name, status string, snaps []vpsapi.Snapshot) views.ServerGroup {
	slices.SortFunc(snaps, func(a, b vpsapi.Snapshot) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return views.ServerGroup{Base: s.BasePath, Now: s.Now(), ID: id, Name: name, Status: status, Limit: Limit, Snapshots: snaps}
}

// loadGroup reads one server and its snapshots: one list call filtered by
// server_id and one server call, in parallel. Without a Servers API the name
// comes from the snapshots and the status stays unknown.
func (s *Site) loadGroup(ctx context.Context, api API, token vpsapi.Token, id int64) (views.ServerGroup, error) {
	var (
		wg             sync.WaitGroup
		srv            vpsapi.Server
		snaps          []vpsapi.Snapshot
		errSrv, errSnp error
	)
	wg.Add(2)
	go func() { defer wg.Done(); srv, errSrv = api.GetServer(ctx, token, id) }()
	go func() { defer wg.Done(); snaps, errSnp = api.ListSnapshots(ctx, token, id) }()
	wg.Wait()
	if errSnp != nil {
		return views.ServerGroup{}, errSnp
	}
	switch {
	case errSrv == nil:
	case errors.Is(errSrv, vpsapi.ErrNotFound) && len(snaps) > 0:
		srv = vpsapi.Server{ID: id, Name: snaps[0].Server.Name}
	default:
		return views.ServerGroup{}, errSrv
	}
	return s.group(id, srv.Name, srv.Status, snaps), nil
}

// findSnapshot looks a snapshot up by listing (there is no single-snapshot
// GET): of serverID when known, else of every server.
func findSnapshot(ctx context.Context, api API, token vpsapi.Token, serverID, snapshotID int64) (vpsapi.Snapshot, error) {
	snaps, err := api.ListSnapshots(ctx, token, serverID)
	if err != nil {
		return vpsapi.Snapshot{}, err
	}
	for _, s := range snaps {
		if s.ID == snapshotID {
			return s, nil
		}
	}
	if serverID != 0 {
		// The filter may have been wrong: look everywhere before giving up.
		return findSnapshot(ctx, api, token, 0, snapshotID)
	}
	return vpsapi.Snapshot{}, &vpsapi.Error{Kind: vpsapi.ErrNotFound, Op: "find snapshot"}
}

func options(servers []vpsapi.Server) []views.ServerOption {
	out := make([]views.ServerOption, 0, len(servers))
	for _, s := range servers {
		out = append(out, views.ServerOption{ID: s.ID, Name: s.Name})
	}
	slices.SortFunc(out, func(a, b views.ServerOption) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out
}
