package dashboard

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/vpsapi"
)

// ErrUnprotected: what must not be deleted (pins, snapshots in use) could
// not be read, so nothing is deleted.
var ErrUnprotected = errors.New("what must not be deleted cannot be read now")

// ErrInUse: a running restore reads from the snapshot or made it, so it is
// not deleted.
var ErrInUse = errors.New("the snapshot is used by a running restore")

// WhyInUse is why a snapshot a running restore uses must not be deleted.
var WhyInUse = i18n.N("used by a running restore")

// Protected is what must not be deleted on some servers, read once: pinned
// snapshots, and the snapshots a running restore reads from or made, be it
// a restore with a safety snapshot (its job's row) or a plain restore
// Snapdash sent while its server restores. It is the one rule every path
// asks: the table, the delete dialog, the bulk plan and each bulk delete,
// a schedule's retention, and the snapshot deleted to make room for a new
// one or for a restore's safety snapshot.
type Protected struct {
	pins map[int64]marks.Pin
	used map[int64]bool
}

// Why says why snapshot id must not be deleted ("pinned by …", "used by a
// running restore"); "" when it may be.
func (p Protected) Why(id int64) string {
	if pin, ok := p.pins[id]; ok {
		return i18n.Nf("pinned by %s", pin.Actor)
	}
	if p.used[id] {
		return WhyInUse
	}
	return ""
}

// Pinned is snapshot id's pin, if it has one.
func (p Protected) Pinned(id int64) (marks.Pin, bool) {
	pin, ok := p.pins[id]
	return pin, ok
}

// InUse reports whether a running restore reads from snapshot id or made it.
func (p Protected) InUse(id int64) bool { return p.used[id] }

// Protection reads the rule for servers, given as id → status ("" when not
// known: VPS.org is asked, with token, only for a server whose newest
// restore Snapdash sent has no end seen, or its follow gave up while it
// still ran). It fails closed: anything it cannot read is ErrUnprotected,
// and the caller deletes nothing.
func (d *Dashboard) Protection(ctx context.Context, token vpsapi.Token, servers map[int64]string) (Protected, error) {
	p := Protected{pins: map[int64]marks.Pin{}, used: map[int64]bool{}}
	ids := slices.Sorted(maps.Keys(servers))
	if d.marks != nil {
		pins, _, err := d.marks.Of(ctx, ids)
		if err != nil {
			return p, errors.Join(ErrUnprotected, err)
		}
		p.pins = pins
	}
	if d.restores != nil {
		running, err := d.restores.Running(ctx, ids)
		if err != nil {
			return p, errors.Join(ErrUnprotected, err)
		}
		for _, r := range running {
			p.used[r.SnapshotID], p.used[r.SafetyID] = true, true
		}
	}
	if d.activity == nil {
		return p, nil
	}
	opened, err := d.openRestores(ctx, ids)
	if err != nil {
		return p, errors.Join(ErrUnprotected, err)
	}
	for id, r := range opened {
		status := servers[id]
		if status == "" {
			srv, err := d.api.GetServer(ctx, token, id)
			switch {
			case err == nil:
				status = srv.Status
			case errors.Is(err, vpsapi.ErrNotFound) && r.mayRun(d.now()):
				status = vpsapi.ServerRestoring // no way to tell: keep it
			case errors.Is(err, vpsapi.ErrNotFound): // past when it may run: free
			default:
				return p, errors.Join(ErrUnprotected, err)
			}
		}
		if status == vpsapi.ServerRestoring {
			p.used[r.snapshotID] = true
		}
	}
	delete(p.used, 0)
	return p, nil
}
