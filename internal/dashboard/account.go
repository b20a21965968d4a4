package dashboard

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/vpsapi"
)

// Account is one load of a person's servers and snapshots.
type Account struct {
	Servers   []vpsapi.Server   // by name
	Snapshots []vpsapi.Snapshot // of every server, or of the filter's
	// LiveServers: the Servers API answered, so statuses are known. Without
	// it the servers are those seen in the snapshot list, status unknown.
	LiveServers bool
	// Change is the change feed's newest id, read just before VPS.org was
	// listed: a page showing the account asks what changed after it. 0 when
	// the feed could not be read (the page then asks from the start).
	Change      int64
	changeKnown bool
}

// Server is one server with its snapshots, newest first, and what Snapdash
// saw happen to it.
type Server struct {
	ID        int64
	Name      string
	Status    string // "" when the Servers API is not available
	Snapshots []vpsapi.Snapshot
	CreatedBy map[int64]Attribution // snapshots whose creation Snapdash saw
	// RestoredBy is who started the running restore, and RestoringFrom the
	// snapshot it reads from, when Snapdash started it.
	RestoredBy    *Attribution
	RestoringFrom int64
	// Job is the running restore with a safety snapshot of this server.
	Job *restores.Restore
	// Pins and Notes are what the team marked on its snapshots, by id.
	Pins  map[int64]marks.Pin
	Notes map[int64]marks.Note
	// Schedule is the server's schedule, if it has one.
	Schedule *schedules.Schedule
}

// Restoring reports a restore in progress.
func (s Server) Restoring() bool { return s.Status == vpsapi.ServerRestoring }

// Account loads servers and snapshots (of one server when filter is not 0)
// in parallel. Whether the Servers API exists is decided here, once.
func (d *Dashboard) Account(ctx context.Context, token vpsapi.Token, filter int64) (Account, error) {
	var (
		wg             sync.WaitGroup
		acc            Account
		errSrv, errSnp error
	)
	if d.changes != nil {
		var err error
		acc.Change, err = d.changes.Last(ctx)
		if acc.changeKnown = err == nil; !acc.changeKnown {
			d.log.WarnContext(ctx, "the change feed not read", "error", err)
		}
	}
	wg.Add(1)
	go func() { defer wg.Done(); acc.Servers, errSrv = d.api.ListServers(ctx, token) }()
	acc.Snapshots, errSnp = d.api.ListSnapshots(ctx, token, filter) // meanwhile, on this goroutine
	wg.Wait()
	if errSnp != nil {
		return acc, errSnp
	}
	switch {
	case errSrv == nil:
		acc.LiveServers = true
	case errors.Is(errSrv, vpsapi.ErrNotFound):
		acc.Servers = serversSeenIn(acc.Snapshots)
	default:
		return acc, errSrv
	}
	slices.SortFunc(acc.Servers, func(a, b vpsapi.Server) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	if filter == 0 || acc.LiveServers {
		d.seen.Remember(token, acc.Servers, d.now())
	}
	return acc, nil
}

// Servers lists the person's servers, with or without a Servers API.
func (d *Dashboard) Servers(ctx context.Context, token vpsapi.Token) ([]vpsapi.Server, error) {
	servers, err := d.api.ListServers(ctx, token)
	if errors.Is(err, vpsapi.ErrNotFound) {
		var snaps []vpsapi.Snapshot
		if snaps, err = d.api.ListSnapshots(ctx, token, 0); err == nil {
			servers = serversSeenIn(snaps)
		}
	}
	if err == nil {
		d.seen.Remember(token, servers, d.now())
	}
	return servers, err
}

// Has reports whether the account has server id.
func (a Account) Has(id int64) bool {
	return slices.ContainsFunc(a.Servers, func(s vpsapi.Server) bool { return s.ID == id })
}

// Unfiltered lists every server's snapshots again, after a filter that named
// no server of the account.
func (d *Dashboard) Unfiltered(ctx context.Context, token vpsapi.Token, acc Account) (Account, error) {
	snaps, err := d.api.ListSnapshots(ctx, token, 0)
	if err != nil {
		return acc, err
	}
	acc.Snapshots = snaps
	if !acc.LiveServers {
		acc.Servers = serversSeenIn(snaps)
	}
	return acc, nil
}

// Group puts the account's snapshots under their servers, annotated; with
// filter set, only that server.
func (d *Dashboard) Group(ctx context.Context, acc Account, filter int64) []Server {
	// Counted first, so each server's list is cut from one array rather
	// than grown a snapshot at a time.
	count := make(map[int64]int, len(acc.Servers))
	for _, s := range acc.Snapshots {
		count[s.Server.ID]++
	}
	byServer := make(map[int64][]vpsapi.Snapshot, len(count))
	all := make([]vpsapi.Snapshot, 0, len(acc.Snapshots))
	for id, n := range count {
		byServer[id], all = all[len(all):len(all):len(all)+n], all[:len(all)+n]
	}
	for _, s := range acc.Snapshots {
		byServer[s.Server.ID] = append(byServer[s.Server.ID], s)
	}
	out := make([]Server, 0, len(acc.Servers))
	for _, srv := range acc.Servers {
		if filter != 0 && srv.ID != filter {
			continue
		}
		status := ""
		if acc.LiveServers {
			status = srv.Status
		}
		out = append(out, server(srv.ID, srv.Name, status, byServer[srv.ID]))
	}
	if acc.changeKnown {
		d.annotateAt(ctx, out, acc.Change)
	} else {
		d.annotate(ctx, out)
	}
	return out
}

// Server reads one server and its snapshots: one list call filtered by
// server_id and one server call, in parallel. Without a Servers API the name
// comes from the snapshots and the status stays unknown.
func (d *Dashboard) Server(ctx context.Context, token vpsapi.Token, id int64) (Server, error) {
	var (
		wg             sync.WaitGroup
		srv            vpsapi.Server
		snaps          []vpsapi.Snapshot
		errSrv, errSnp error
	)
	wg.Add(2)
	go func() { defer wg.Done(); srv, errSrv = d.api.GetServer(ctx, token, id) }()
	go func() { defer wg.Done(); snaps, errSnp = d.api.ListSnapshots(ctx, token, id) }()
	wg.Wait()
	if errSnp != nil {
		return Server{}, errSnp
	}
	switch {
	case errSrv == nil:
	case errors.Is(errSrv, vpsapi.ErrNotFound) && len(snaps) > 0:
		srv = vpsapi.Server{ID: id, Name: snaps[0].Server.Name}
	default:
		return Server{}, errSrv
	}
	list := []Server{server(id, srv.Name, srv.Status, snaps)}
	d.annotate(ctx, list)
	return list[0], nil
}

// Refresh builds a server from a poll's snapshot list, and reads the server
// itself only when it must (a restore to follow, or no snapshot to name it):
// a poll costs one list call, plus one server call while a restore runs.
func (d *Dashboard) Refresh(ctx context.Context, token vpsapi.Token, id int64, restoring bool, status string) (Server, error) {
	snaps, err := d.api.ListSnapshots(ctx, token, id)
	if err != nil {
		return Server{}, err
	}
	name := ""
	if len(snaps) > 0 {
		name = snaps[0].Server.Name
	}
	if restoring || name == "" {
		srv, err := d.api.GetServer(ctx, token, id)
		switch {
		case err == nil:
			name, status = srv.Name, srv.Status
		case errors.Is(err, vpsapi.ErrNotFound) && name != "":
			status = "" // no Servers API: restore progress cannot be followed
		default:
			return Server{}, err
		}
	}
	list := []Server{server(id, name, status, snaps)}
	d.annotate(ctx, list)
	return list[0], nil
}

// FindSnapshot looks a snapshot up by listing (there is no single-snapshot
// GET): of serverID when known, else of every server.
func (d *Dashboard) FindSnapshot(ctx context.Context, token vpsapi.Token, serverID, snapshotID int64) (vpsapi.Snapshot, error) {
	snaps, err := d.api.ListSnapshots(ctx, token, serverID)
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
		return d.FindSnapshot(ctx, token, 0, snapshotID)
	}
	return vpsapi.Snapshot{}, &vpsapi.Error{Kind: vpsapi.ErrNotFound, Op: "find snapshot"}
}

// ServerStatus is a server's status, "" without a Servers API.
func (d *Dashboard) ServerStatus(ctx context.Context, token vpsapi.Token, id int64) (string, error) {
	srv, err := d.api.GetServer(ctx, token, id)
	if errors.Is(err, vpsapi.ErrNotFound) {
		return "", nil
	}
	return srv.Status, err
}

// server is one server's data, snapshots newest first.
func server(id int64, name, status string, snaps []vpsapi.Snapshot) Server {
	slices.SortFunc(snaps, func(a, b vpsapi.Snapshot) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return Server{ID: id, Name: name, Status: status, Snapshots: snaps}
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

// CheckToken asks VPS.org whether it accepts token, with one list call.
func (d *Dashboard) CheckToken(ctx context.Context, token vpsapi.Token) error {
	_, err := d.api.ListServers(ctx, token)
	if errors.Is(err, vpsapi.ErrNotFound) {
		// No Servers API here: check the token with the snapshot list instead.
		_, err = d.api.ListSnapshots(ctx, token, 0)
	}
	return err
}

// AskOnce returns a context under which each of VPS.org's answers is asked
// once for the rest of a request (vpsapi.OnceEach), with serverID's status
// asked at once, beside whatever the caller lists first: a dialog's rules
// (the snapshot, the limit, what is in use) each read the server.
func (d *Dashboard) AskOnce(ctx context.Context, token vpsapi.Token, serverID int64) context.Context {
	ctx = vpsapi.OnceEach(ctx)
	if serverID > 0 {
		go d.api.GetServer(ctx, token, serverID) // its answer is kept for the caller's own ask
	}
	return ctx
}
