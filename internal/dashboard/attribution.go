package dashboard

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/vpsapi"
)

// Attribution is who did something, and when.
type Attribution struct {
	Actor string
	At    time.Time
}

// restoreStarted is who started a server's newest restore no job has seen
// end, and from which snapshot; gaveUp is true when its follow gave up
// while it still ran (only the server's status tells it runs).
type restoreStarted struct {
	Attribution
	snapshotID int64
	gaveUp     bool
}

// mayRun reports whether the restore may still run when nothing tells its
// server's status: until its follow ends, or, given up, as long as a
// restore may take.
func (r restoreStarted) mayRun(now time.Time) bool {
	return !r.gaveUp || now.Sub(r.At) < vpsapi.RestoreTakes
}

// Changes is the store's change feed, as far as the annotations need it:
// every write they come from moves it.
type Changes interface {
	Last(ctx context.Context) (int64, error)
}

// serverNotes is what the store says of one server's card: its running
// restore job, pins and notes, schedule, who created its snapshots (of
// those asked) and who started its open restore.
type serverNotes struct {
	job      *restores.Restore
	pins     map[int64]marks.Pin
	notes    map[int64]marks.Note
	schedule *schedules.Schedule
	creators map[int64]Attribution
	asked    map[int64]bool // snapshot ids whose creator was looked for
	restore  *restoreStarted
}

// annotations keeps the servers' notes while the change feed stands still:
// every write they come from is a change, on any replica, so one read of
// the feed's newest id tells a page whether what is kept is still true.
type annotations struct {
	mu      sync.Mutex
	change  int64
	servers map[int64]serverNotes
}

// annotationsKept bounds the servers whose notes are kept.
const annotationsKept = 10000

// annotate adds to each server what the store says of it: a page's or a
// poll's one read of the store (the feed's newest id) while nothing
// changed, else one read of each kind for the servers not kept.
func (d *Dashboard) annotate(ctx context.Context, servers []Server) {
	if d.activity == nil || len(servers) == 0 {
		return
	}
	change, err := d.changes.Last(ctx)
	d.annotateWith(ctx, servers, change, err == nil)
}

// annotateAt is annotate with the feed's newest id already read (before
// VPS.org was listed: what changed since reaches the page through the
// feed), so a page reads it once.
func (d *Dashboard) annotateAt(ctx context.Context, servers []Server, change int64) {
	if d.activity == nil || len(servers) == 0 {
		return
	}
	d.annotateWith(ctx, servers, change, true)
}

func (d *Dashboard) annotateWith(ctx context.Context, servers []Server, change int64, keep bool) {
	c := &d.kept
	found, missing := c.lookup(change, keep, servers)
	if len(missing) > 0 {
		read, complete := d.readNotes(ctx, missing)
		maps.Copy(found, read)
		if complete && keep {
			c.keep(change, read)
		}
	}
	for i := range servers {
		servers[i].apply(found[servers[i].ID])
	}
}

// lookup finds the notes kept of servers while the feed stands at change
// (dropping them all when it moved, or when keep is false), and which
// servers have none, or none for a snapshot they now list.
func (c *annotations) lookup(change int64, keep bool, servers []Server) (map[int64]serverNotes, []Server) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !keep || change != c.change || c.servers == nil || len(c.servers) > annotationsKept {
		c.servers, c.change = map[int64]serverNotes{}, change
	}
	var missing []Server
	found := make(map[int64]serverNotes, len(servers))
	for _, s := range servers {
		n, ok := c.servers[s.ID]
		if ok && !slices.ContainsFunc(s.Snapshots, func(sn vpsapi.Snapshot) bool { return !n.asked[sn.ID] }) {
			found[s.ID] = n
		} else {
			missing = append(missing, s)
		}
	}
	return found, missing
}

// keep adds servers' notes read while the feed stood at change.
func (c *annotations) keep(change int64, read map[int64]serverNotes) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.change == change && c.servers != nil {
		maps.Copy(c.servers, read)
	}
}

// apply puts a server's notes on it, for the snapshots it has.
func (s *Server) apply(n serverNotes) {
	s.Job, s.Schedule = n.job, n.schedule
	for _, sn := range s.Snapshots {
		if p, ok := n.pins[sn.ID]; ok {
			s.Pins = setIn(s.Pins, sn.ID, p)
		}
		if note, ok := n.notes[sn.ID]; ok {
			s.Notes = setIn(s.Notes, sn.ID, note)
		}
		if a, ok := n.creators[sn.ID]; ok {
			s.CreatedBy = setIn(s.CreatedBy, sn.ID, a)
		}
	}
	if n.restore != nil && s.Restoring() {
		s.RestoredBy, s.RestoringFrom = &n.restore.Attribution, n.restore.snapshotID
	}
}

func setIn[V any](m map[int64]V, k int64, v V) map[int64]V {
	if m == nil {
		m = map[int64]V{}
	}
	m[k] = v
	return m
}

// readNotes reads the notes of servers from the store; complete is false
// when a read failed (what was read is shown, nothing is kept).
func (d *Dashboard) readNotes(ctx context.Context, servers []Server) (map[int64]serverNotes, bool) {
	ids := make([]int64, len(servers))
	var snaps []int64
	out := make(map[int64]serverNotes, len(servers))
	for i, s := range servers {
		ids[i] = s.ID
		n := serverNotes{asked: map[int64]bool{}, creators: map[int64]Attribution{}}
		for _, sn := range s.Snapshots {
			n.asked[sn.ID] = true
			snaps = append(snaps, sn.ID)
		}
		out[s.ID] = n
	}
	complete := true
	failed := func(what string, err error) {
		d.log.WarnContext(ctx, what+" not read", "error", err)
		complete = false
	}
	if d.restores != nil {
		running, err := d.restores.Running(ctx, ids)
		if err != nil {
			failed("running restores", err)
		}
		for _, r := range running {
			n := out[r.ServerID]
			n.job = &r
			out[r.ServerID] = n
		}
	}
	if d.marks != nil {
		pins, notes, err := d.marks.Of(ctx, ids)
		if err != nil {
			failed("pins and notes", err)
		}
		d.forgetGone(ctx, servers, pins, notes)
		for id, p := range pins {
			n := out[p.ServerID]
			n.pins = setIn(n.pins, id, p)
			out[p.ServerID] = n
		}
		for id, note := range notes {
			n := out[note.ServerID]
			n.notes = setIn(n.notes, id, note)
			out[note.ServerID] = n
		}
	}
	if d.schedules != nil {
		list, err := d.schedules.List(ctx, ids)
		if err != nil {
			failed("schedules", err)
		}
		for _, sc := range list {
			n := out[sc.ServerID]
			n.schedule = &sc
			out[sc.ServerID] = n
		}
	}
	creates, err := d.activity.Creators(ctx, snaps)
	if err != nil {
		failed("who created the snapshots", err)
	}
	for _, r := range creates { // newest first
		if n, ok := out[r.ServerID]; ok {
			if _, seen := n.creators[r.SnapshotID]; !seen {
				n.creators[r.SnapshotID] = Attribution{Actor: r.Actor, At: r.Time}
			}
		}
	}
	opened, err := d.openRestores(ctx, ids)
	if err != nil {
		failed("who started the restores", err)
	}
	for id, r := range opened {
		if n, ok := out[id]; ok {
			n.restore = &r
			out[id] = n
		}
	}
	return out, complete
}

// openRestores are who started each server's newest restore no job has
// seen end, by server.
func (d *Dashboard) openRestores(ctx context.Context, servers []int64) (map[int64]restoreStarted, error) {
	recs, err := d.activity.OpenRestores(ctx, servers)
	out := map[int64]restoreStarted{}
	for _, r := range recs {
		if _, seen := out[r.ServerID]; !seen {
			out[r.ServerID] = restoreStarted{Attribution{Actor: r.Actor, At: r.Time}, r.SnapshotID, r.Final != ""}
		}
	}
	return out, err
}
