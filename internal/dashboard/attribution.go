package dashboard

import (
	"context"
	"sync"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
)

// Attribution is who did something, and when.
type Attribution struct {
	Actor string
	At    time.Time
}

// attributions is who created which snapshot and who started which restore,
// derived from the activity record.
type attributions struct {
	created map[int64]Attribution    // by snapshot id
	restore map[int64]restoreStarted // by server id, the newest
}

// restoreStarted is who started a server's newest restore, and from which snapshot.
type restoreStarted struct {
	Attribution
	snapshotID int64
	ended      bool // the job that followed it saw its end
}

// attributionCache reads the activity record at most every two seconds: every
// poll annotates, and the record is the team's, the same for everyone.
type attributionCache struct {
	mu   sync.Mutex
	at   time.Time
	last attributions
}

func (d *Dashboard) attributions(ctx context.Context) (attributions, bool) {
	c := &d.recent
	c.mu.Lock()
	defer c.mu.Unlock()
	now := d.now()
	if c.last.created != nil && now.Sub(c.at) < 2*time.Second && !now.Before(c.at) {
		return c.last, true
	}
	recs, err := d.activity.Recent(ctx, activity.DefaultCap)
	if err != nil {
		d.log.WarnContext(ctx, "activity unavailable", "error", err)
		return attributions{}, false
	}
	created := map[int64]Attribution{}
	restore := map[int64]restoreStarted{}
	for _, r := range recs { // newest first
		if r.Outcome != activity.Started {
			continue
		}
		switch r.Action {
		case activity.Create:
			if _, seen := created[r.SnapshotID]; !seen {
				created[r.SnapshotID] = Attribution{Actor: r.Actor, At: r.Time}
			}
		case activity.Restore:
			if _, seen := restore[r.ServerID]; !seen {
				restore[r.ServerID] = restoreStarted{Attribution{Actor: r.Actor, At: r.Time}, r.SnapshotID, r.Final != ""}
			}
		}
	}
	c.last, c.at = attributions{created: created, restore: restore}, now
	return c.last, true
}

// ForgetAttributions makes the next page read the record again: after an
// action, its own line must show at once.
func (d *Dashboard) ForgetAttributions() {
	d.recent.mu.Lock()
	defer d.recent.mu.Unlock()
	d.recent.last = attributions{}
}

// annotate adds who created each snapshot and who started a running restore,
// where Snapdash saw it happen.
func (d *Dashboard) annotate(ctx context.Context, servers []Server) {
	if d.activity == nil || len(servers) == 0 {
		return
	}
	ids := make([]int64, len(servers))
	for i, s := range servers {
		ids[i] = s.ID
	}
	if d.restores != nil {
		running := d.RunningRestores(ctx, ids)
		for i := range servers {
			if r, ok := running[servers[i].ID]; ok {
				servers[i].Job = &r
			}
		}
	}
	d.markServers(ctx, servers, ids)
	if d.schedules != nil {
		for id, sc := range d.schedulesOf(ctx, ids) {
			for i := range servers {
				if servers[i].ID == id {
					servers[i].Schedule = &sc
				}
			}
		}
	}
	att, ok := d.attributions(ctx)
	if !ok {
		return
	}
	for i := range servers {
		s := &servers[i]
		for _, sn := range s.Snapshots {
			if a, ok := att.created[sn.ID]; ok {
				if s.CreatedBy == nil {
					s.CreatedBy = map[int64]Attribution{}
				}
				s.CreatedBy[sn.ID] = a
			}
		}
		if a, ok := att.restore[s.ID]; ok && s.Restoring() {
			s.RestoredBy = &a.Attribution
			s.RestoringFrom = a.snapshotID
		}
	}
}
