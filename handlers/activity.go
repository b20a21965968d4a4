package handlers

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// outcome turns the upstream's answer into an activity outcome and its words.
func outcome(err error) (string, string) {
	var ve *vpsapi.Error
	switch {
	case err == nil:
		return activity.Started, ""
	case errors.As(err, &ve) && (errors.Is(err, vpsapi.ErrRejected) || errors.Is(err, vpsapi.ErrNotFound)):
		msg := ve.Summary()
		if msg == "" {
			msg = ve.Kind.Error()
		}
		for f, m := range ve.Fields {
			if f != "non_field_errors" {
				msg += " " + f + ": " + m[0]
			}
		}
		return activity.Refused, msg
	default:
		return activity.Unknown, "VPS.org did not answer"
	}
}

// record keeps an action in the activity store and writes it as one log line.
func (s *Site) record(ctx context.Context, r activity.Record) {
	ctx = context.WithoutCancel(ctx) // recorded even when the browser has gone
	r.Time = s.Now().UTC()
	s.Log.LogAttrs(ctx, slog.LevelInfo, "activity",
		slog.String("actor", r.Actor), slog.String("action", r.Action), slog.String("outcome", r.Outcome),
		slog.Int64("server_id", r.ServerID), slog.String("server", r.ServerName),
		slog.Int64("snapshot_id", r.SnapshotID), slog.String("snapshot", r.SnapshotName),
		slog.String("detail", r.Detail))
	if s.Activity == nil {
		return
	}
	if err := s.Activity.Add(ctx, r); err != nil {
		s.Log.ErrorContext(ctx, "activity not stored", "error", err)
	}
	s.forgetAttributions()
}

// attributions is who created which snapshot and who started which restore,
// derived from the activity record.
type attributions struct {
	created map[int64]views.Attribution // by snapshot id
	restore map[int64]restoreStarted    // by server id, the newest
}

// restoreStarted is who started a server's newest restore, and from which snapshot.
type restoreStarted struct {
	views.Attribution
	snapshotID int64
}

// Attributions reads the activity record at most every two seconds: every
// poll annotates, and the record is the team's, the same for everyone.
type Attributions struct {
	mu   sync.Mutex
	at   time.Time
	last attributions
}

func (s *Site) attributions(ctx context.Context) (attributions, bool) {
	a := s.Attributions
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last.created != nil && s.Now().Sub(a.at) < 2*time.Second && !s.Now().Before(a.at) {
		return a.last, true
	}
	recs, err := s.Activity.Recent(ctx, activity.DefaultCap)
	if err != nil {
		s.Log.WarnContext(ctx, "activity unavailable", "error", err)
		return attributions{}, false
	}
	created := map[int64]views.Attribution{}
	restore := map[int64]restoreStarted{}
	for _, r := range recs { // newest first
		if r.Outcome != activity.Started {
			continue
		}
		switch r.Action {
		case activity.Create:
			if _, seen := created[r.SnapshotID]; !seen {
				created[r.SnapshotID] = views.Attribution{Actor: r.Actor, At: r.Time}
			}
		case activity.Restore:
			if _, seen := restore[r.ServerID]; !seen {
				restore[r.ServerID] = restoreStarted{views.Attribution{Actor: r.Actor, At: r.Time}, r.SnapshotID}
			}
		}
	}
	a.last, a.at = attributions{created: created, restore: restore}, s.Now()
	return a.last, true
}

// forgetAttributions makes the next page read the record again: after an
// action, its own line must show at once.
func (s *Site) forgetAttributions() {
	if s.Attributions == nil {
		return
	}
	s.Attributions.mu.Lock()
	defer s.Attributions.mu.Unlock()
	s.Attributions.last = attributions{}
}

// annotate adds who created each snapshot and who started a running restore,
// where Snapdash saw it happen.
func (s *Site) annotate(ctx context.Context, groups []views.ServerGroup) {
	if s.Activity == nil || s.Attributions == nil || len(groups) == 0 {
		return
	}
	att, ok := s.attributions(ctx)
	if !ok {
		return
	}
	created, restore := att.created, att.restore
	for i := range groups {
		g := &groups[i]
		for _, sn := range g.Snapshots {
			if a, ok := created[sn.ID]; ok {
				if g.CreatedBy == nil {
					g.CreatedBy = map[int64]views.Attribution{}
				}
				g.CreatedBy[sn.ID] = a
			}
		}
		if a, ok := restore[g.ID]; ok && g.Restoring() {
			g.RestoredBy = &a.Attribution
			g.RestoringFrom = a.snapshotID
		}
	}
}

// restoringFrom is the snapshot the running restore of a server reads from,
// when Snapdash started that restore; 0 otherwise. The record is read afresh:
// this decides whether a delete is refused.
func (s *Site) restoringFrom(ctx context.Context, serverID int64) int64 {
	if s.Activity == nil || s.Attributions == nil {
		return 0
	}
	s.forgetAttributions()
	att, ok := s.attributions(ctx)
	if !ok {
		return 0
	}
	return att.restore[serverID].snapshotID
}
