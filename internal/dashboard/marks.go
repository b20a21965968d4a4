package dashboard

import (
	"context"
	"slices"

	"github.com/snapdash/snapdash/internal/i18n"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/vpsapi"
)

// PinnedError: the snapshot is pinned, so nothing deletes it.
type PinnedError struct{ Pin marks.Pin }

func (e PinnedError) Error() string {
	return i18n.Nf("the snapshot is pinned by %s: %s", e.Pin.Actor, e.Pin.Reason)
}

// forgetGone forgets the pins and notes of the servers' snapshots gone
// from VPS.org.
func (d *Dashboard) forgetGone(ctx context.Context, servers []Server, pins map[int64]marks.Pin, notes map[int64]marks.Note) {
	for _, s := range servers {
		present := make([]int64, 0, len(s.Snapshots))
		for _, sn := range s.Snapshots {
			present = append(present, sn.ID)
		}
		gone := false
		for id, p := range pins {
			gone = gone || (p.ServerID == s.ID && !slices.Contains(present, id))
		}
		for id, n := range notes {
			gone = gone || (n.ServerID == s.ID && !slices.Contains(present, id))
		}
		if gone {
			if err := d.marks.Forget(context.WithoutCancel(ctx), s.ID, present); err != nil {
				d.log.WarnContext(ctx, "pins and notes of gone snapshots not removed", "server_id", s.ID, "error", err)
			}
		}
	}
}

// RefusedByRole records that a person's action was refused by the roles:
// against the server it named only when the person's token sees that
// server (one read; nothing that changes anything is sent), so nobody
// writes into another account's Activity. Otherwise it is
// logged and kept with no server, shown to no one.
func (d *Dashboard) RefusedByRole(ctx context.Context, token vpsapi.Token, actor, action string, serverID, snapshotID int64, snapshotName, reason string) {
	r := activity.Record{Time: d.now().UTC(), Actor: actor, Action: action,
		Outcome: activity.Refused, Detail: i18n.Nf("refused by Snapdash: %s", reason)}
	if serverID != 0 {
		if srv, err := d.VisibleServer(ctx, token, serverID); err == nil {
			r.ServerID, r.ServerName, r.SnapshotID, r.SnapshotName = srv.ID, srv.Name, snapshotID, snapshotName
		}
	}
	d.RecordDecision(ctx, r)
}

// RecordDecision writes what Snapdash decided or a person changed without a
// call to VPS.org (a pin, a note, a schedule, a refusal by a rule) to
// the log and the activity record.
func (d *Dashboard) RecordDecision(ctx context.Context, r activity.Record) {
	ctx = context.WithoutCancel(ctx)
	d.log.InfoContext(ctx, "activity", "actor", r.Actor, "action", r.Action, "outcome", r.Outcome,
		"server_id", r.ServerID, "snapshot_id", r.SnapshotID, "snapshot", r.SnapshotName, "detail", r.Detail)
	if d.activity == nil {
		return
	}
	if _, err := d.activity.Add(ctx, r); err != nil {
		d.log.ErrorContext(ctx, "activity not stored", "error", err)
	}
}
