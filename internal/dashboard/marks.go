package dashboard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/vpsapi"
)

// PinnedError: the snapshot is pinned, so nothing deletes it.
type PinnedError struct{ Pin marks.Pin }

func (e PinnedError) Error() string {
	return "the snapshot is pinned by " + e.Pin.Actor + ": " + e.Pin.Reason
}

// ErrNoMarks: pins and notes are not kept (no store).
var ErrNoMarks = errors.New("pins and notes are not available")

// ErrTooLong: a pin's reason or a note is longer than allowed.
var ErrTooLong = errors.New("too long")

// markServers reads the pins and notes of the servers' snapshots, and
// forgets those of snapshots gone from VPS.org.
func (d *Dashboard) markServers(ctx context.Context, servers []Server, ids []int64) {
	if d.marks == nil {
		return
	}
	pins, notes, err := d.marks.Of(ctx, ids)
	if err != nil {
		d.log.WarnContext(ctx, "pins and notes not read", "error", err)
		return
	}
	for i := range servers {
		s := &servers[i]
		gone := false
		present := make([]int64, 0, len(s.Snapshots))
		for _, sn := range s.Snapshots {
			present = append(present, sn.ID)
			if p, ok := pins[sn.ID]; ok {
				if s.Pins == nil {
					s.Pins = map[int64]marks.Pin{}
				}
				s.Pins[sn.ID] = p
			}
			if n, ok := notes[sn.ID]; ok {
				if s.Notes == nil {
					s.Notes = map[int64]marks.Note{}
				}
				s.Notes[sn.ID] = n
			}
		}
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

// Pin is a snapshot's pin, if it has one; an error when pins cannot be read.
func (d *Dashboard) Pin(ctx context.Context, serverID, snapshotID int64) (marks.Pin, bool, error) {
	pins, err := d.Pins(ctx, serverID)
	p, ok := pins[snapshotID]
	return p, ok, err
}

// MarksKept reports whether snapshots can be pinned and noted.
func (d *Dashboard) MarksKept() bool { return d.marks != nil }

// PinOf is a snapshot's pin, for a dialog to say why it cannot be deleted;
// the delete itself checks again.
func (d *Dashboard) PinOf(ctx context.Context, serverID, snapshotID int64) (marks.Pin, bool) {
	p, ok, err := d.Pin(ctx, serverID, snapshotID)
	return p, ok && err == nil
}

// Pins are the pins of a server's snapshots.
func (d *Dashboard) Pins(ctx context.Context, serverID int64) (map[int64]marks.Pin, error) {
	if d.marks == nil {
		return nil, nil
	}
	pins, _, err := d.marks.Of(ctx, []int64{serverID})
	return pins, err
}

// Mark is a person pinning, unpinning or noting a snapshot.
type Mark struct {
	Kind       string // activity.Pin, activity.Unpin or activity.Note
	Actor      string
	Token      vpsapi.Token
	ServerID   int64
	SnapshotID int64
	Text       string // the pin's reason, or the note ("" removes it)
}

// MarkSnapshot pins, unpins or notes a snapshot the person's token can see
// (one list call tells), and records it.
func (d *Dashboard) MarkSnapshot(ctx context.Context, m Mark) (vpsapi.Snapshot, error) {
	if d.marks == nil {
		return vpsapi.Snapshot{}, ErrNoMarks
	}
	m.Text = strings.TrimSpace(m.Text)
	limit := map[string]int{activity.Pin: marks.ReasonMax, activity.Note: marks.NoteMax}[m.Kind]
	if utf8.RuneCountInString(m.Text) > limit && m.Kind != activity.Unpin {
		return vpsapi.Snapshot{}, fmt.Errorf("%w: at most %d characters", ErrTooLong, limit)
	}
	snaps, err := d.api.ListSnapshots(ctx, m.Token, m.ServerID)
	if err != nil {
		return vpsapi.Snapshot{}, err
	}
	i := slices.IndexFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == m.SnapshotID })
	if i < 0 {
		return vpsapi.Snapshot{}, &vpsapi.Error{Kind: vpsapi.ErrNotFound, Op: "find snapshot"}
	}
	sn := snaps[i]
	now := d.now().UTC()
	detail := m.Text
	switch m.Kind {
	case activity.Pin:
		err = d.marks.Pin(ctx, marks.Pin{SnapshotID: sn.ID, ServerID: m.ServerID, Actor: m.Actor, Reason: m.Text, At: now})
	case activity.Unpin:
		var p marks.Pin
		var ok bool
		p, ok, err = d.marks.Unpin(ctx, sn.ID)
		if err == nil && !ok {
			return sn, nil // not pinned: nothing to record
		}
		detail = "pinned by " + p.Actor + ": " + p.Reason
	case activity.Note:
		err = d.marks.SetNote(ctx, marks.Note{SnapshotID: sn.ID, ServerID: m.ServerID, Actor: m.Actor, Text: m.Text, At: now})
		if m.Text == "" {
			detail = "note removed"
		}
	default:
		return sn, fmt.Errorf("dashboard: no mark %q", m.Kind)
	}
	if err != nil {
		return sn, err
	}
	d.RecordDecision(ctx, activity.Record{Time: now, Actor: m.Actor, Action: m.Kind, ServerID: m.ServerID, ServerName: sn.Server.Name,
		SnapshotID: sn.ID, SnapshotName: sn.Name, Outcome: activity.Started, Detail: detail})
	return sn, nil
}

// RefusedByRole records that a person's action was refused by the roles:
// against the server it named only when the person's token sees that
// server (one read; nothing that changes anything is sent), so nobody
// writes into another account's Activity. Otherwise it is
// logged and kept with no server, shown to no one.
func (d *Dashboard) RefusedByRole(ctx context.Context, token vpsapi.Token, actor, action string, serverID, snapshotID int64, snapshotName, reason string) {
	r := activity.Record{Time: d.now().UTC(), Actor: actor, Action: action,
		Outcome: activity.Refused, Detail: "refused by Snapdash: " + reason}
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
