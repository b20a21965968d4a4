// Package mark pins, unpins and notes snapshots: what a team marks so that
// nothing deletes a snapshot someone still needs (dashboard.Protection
// reads the pins) and everyone knows what a snapshot is for.
package mark

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/snapdash/snapdash/internal/i18n"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/vpsapi"
)

// ErrTooLong: a pin's reason or a note is longer than allowed.
var ErrTooLong = errors.New("too long")

// Service marks snapshots.
type Service struct {
	dash  *dashboard.Dashboard
	marks marks.Store
}

// New returns a Service.
func New(dash *dashboard.Dashboard, st marks.Store) *Service { return &Service{dash: dash, marks: st} }

// Mark is a person pinning, unpinning or noting a snapshot.
type Mark struct {
	Kind       string // activity.Pin, activity.Unpin or activity.Note
	Actor      string
	Token      vpsapi.Token
	ServerID   int64
	SnapshotID int64
	Text       string // the pin's reason, or the note ("" removes it)
}

// Snapshot pins, unpins or notes a snapshot the person's token can see
// (one list call tells), and records it.
func (s *Service) Snapshot(ctx context.Context, m Mark) (vpsapi.Snapshot, error) {
	m.Text = strings.TrimSpace(m.Text)
	limit := map[string]int{activity.Pin: marks.ReasonMax, activity.Note: marks.NoteMax}[m.Kind]
	if utf8.RuneCountInString(m.Text) > limit && m.Kind != activity.Unpin {
		return vpsapi.Snapshot{}, fmt.Errorf("%w: at most %d characters", ErrTooLong, limit)
	}
	snaps, err := s.dash.API().ListSnapshots(ctx, m.Token, m.ServerID)
	if err != nil {
		return vpsapi.Snapshot{}, err
	}
	i := slices.IndexFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == m.SnapshotID })
	if i < 0 {
		return vpsapi.Snapshot{}, &vpsapi.Error{Kind: vpsapi.ErrNotFound, Op: "find snapshot"}
	}
	sn := snaps[i]
	now := s.dash.Now().UTC()
	detail := m.Text
	switch m.Kind {
	case activity.Pin:
		err = s.marks.Pin(ctx, marks.Pin{SnapshotID: sn.ID, ServerID: m.ServerID, Actor: m.Actor, Reason: m.Text, At: now})
	case activity.Unpin:
		var p marks.Pin
		var ok bool
		p, ok, err = s.marks.Unpin(ctx, sn.ID)
		if err == nil && !ok {
			return sn, nil // not pinned: nothing to record
		}
		detail = i18n.Nf("pinned by %s: %s", p.Actor, p.Reason)
	case activity.Note:
		err = s.marks.SetNote(ctx, marks.Note{SnapshotID: sn.ID, ServerID: m.ServerID, Actor: m.Actor, Text: m.Text, At: now})
		// A note removed is recorded without words: Activity says so.
	default:
		return sn, fmt.Errorf("mark: no mark %q", m.Kind)
	}
	if err != nil {
		return sn, err
	}
	s.dash.RecordDecision(ctx, activity.Record{Time: now, Actor: m.Actor, Action: m.Kind, ServerID: m.ServerID, ServerName: sn.Server.Name,
		SnapshotID: sn.ID, SnapshotName: sn.Name, Outcome: activity.Started, Detail: detail})
	return sn, nil
}
