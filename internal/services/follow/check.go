package follow

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/snapdash/snapdash/internal/i18n"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/steps"
	"github.com/snapdash/snapdash/vpsapi"
)

// shared is how recent what another follower saw of the same server may be
// for this one not to ask VPS.org again: one follower's calls per busy
// server, however many actions it has. Only a look asked after this
// follower's action was accepted (strictly: the same millisecond may be
// before it) stands in for its own.
const shared = 1500 * time.Millisecond

// sharedSince is the oldest look f may take from another follower; the
// zero time when none (a job queued before Accepted was recorded).
func (s *Service) sharedSince(f FollowArgs) time.Time {
	if f.Accepted.IsZero() {
		return s.now().Add(time.Hour)
	}
	return later(f.Accepted, s.now().Add(-shared))
}

// snapshots are a server's snapshots: as another follower just saw them,
// else listed (and kept for the pages).
func (s *Service) snapshots(ctx context.Context, token vpsapi.Token, f FollowArgs) ([]vpsapi.Snapshot, error) {
	if _, snaps, ok := s.views.Since(ctx, f.ServerID, s.sharedSince(f)); ok {
		return snaps, nil
	}
	asked := s.views.Asked()
	snaps, err := s.api.ListSnapshots(ctx, token, f.ServerID)
	if err == nil {
		s.views.SawSnapshots(ctx, f.ServerID, snaps, asked)
	}
	return snaps, err
}

// status is a server's status: as another follower just saw it, else asked
// (and kept for the pages, with its snapshots when none are kept yet, so a
// page can be answered about a restoring server from the store).
func (s *Service) status(ctx context.Context, token vpsapi.Token, f FollowArgs) (vpsapi.Server, error) {
	status, _, at, known := s.views.Last(ctx, f.ServerID)
	if known && status != "" && at.After(s.sharedSince(f)) {
		return vpsapi.Server{ID: f.ServerID, Status: status}, nil
	}
	asked := s.views.Asked()
	srv, err := s.api.GetServer(ctx, token, f.ServerID)
	if err != nil {
		return srv, err
	}
	if !known {
		if snaps, err := s.api.ListSnapshots(ctx, token, f.ServerID); err == nil {
			s.views.SawSnapshots(ctx, f.ServerID, snaps, asked)
		}
	}
	s.views.SawStatus(ctx, f.ServerID, srv.Status, asked)
	return srv, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Progress is how a followed action stands after one check.
type Progress struct {
	Done   bool
	Final  string        // an activity final outcome, when Done
	Detail string        // VPS.org's words or ours, when Done
	Wait   time.Duration // when not Done: the next look is not due before it (0: the usual pace)
}

// Check looks once at a followed create or restore: the server's snapshots
// for a create, the server's status for a restore. Only an answer that
// cannot tell (VPS.org unavailable) is an error; the job asks again later.
func (s *Service) Check(ctx context.Context, f FollowArgs, token vpsapi.Token) (Progress, error) {
	switch f.Action {
	case activity.Create:
		snaps, err := s.snapshots(ctx, token, f)
		if err != nil {
			return ended(err, i18n.N("the server is gone from VPS.org"))
		}
		if f.SnapshotID == 0 {
			return s.resolveCreate(f, snaps), nil
		}
		i := slices.IndexFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == f.SnapshotID })
		switch {
		case i < 0:
			return s.gone(ctx, f), nil
		case snaps[i].Failed():
			return Progress{Done: true, Final: activity.Failed, Detail: steps.FailedWords(snaps[i].Status)}, nil
		case snaps[i].Done():
			return Progress{Done: true, Final: activity.Completed}, nil
		}
		return Progress{}, nil
	case activity.Restore:
		srv, err := s.status(ctx, token, f)
		if errors.Is(err, vpsapi.ErrNotFound) {
			// The Servers API is missing here (or the server is gone):
			// nothing tells how the restore goes, so it is taken to run as
			// long as a restore may, without asking again meanwhile.
			if left := f.Started.Add(vpsapi.RestoreTakes).Sub(s.now()); left > 0 {
				return Progress{Wait: left}, nil
			}
			return Progress{Done: true, Final: activity.Stopped, Detail: i18n.N("VPS.org does not tell how the restore went")}, nil
		}
		if err != nil {
			return ended(err, "")
		}
		switch srv.Status {
		case vpsapi.ServerRestoring:
			return Progress{}, nil
		case vpsapi.ServerRunning, vpsapi.ServerStopped:
			return Progress{Done: true, Final: activity.Completed, Detail: i18n.Nf("the server is %s", srv.Status)}, nil
		}
		return Progress{Done: true, Final: activity.Failed, Detail: i18n.Nf("the server is %s after the restore", srv.Status)}, nil
	}
	return Progress{Done: true, Final: activity.Stopped, Detail: i18n.Nf("nothing to follow for %s", f.Action)}, nil
}

// gone says how a snapshot being taken went away: deleted through Snapdash
// (the record says who), or lost.
func (s *Service) gone(ctx context.Context, f FollowArgs) Progress {
	{
		recs, _, err := s.activity.Query(ctx, activity.Query{Servers: []int64{f.ServerID}, SnapshotID: f.SnapshotID, Action: activity.Delete, Limit: 5})
		if err == nil {
			for _, r := range recs {
				if r.Outcome == activity.Started || r.Outcome == activity.Sending {
					return Progress{Done: true, Final: activity.Deleted, Detail: i18n.Nf("deleted by %s while it was being taken", r.Actor)}
				}
			}
		}
	}
	return Progress{Done: true, Final: activity.Lost, Detail: i18n.N("the snapshot is gone from VPS.org before it completed")}
}

// resolveCreate follows a create whose answer was lost (no snapshot id):
// a snapshot of its name made since shows it happened, and is followed to its
// end; none after steps.LostAnswerWindow shows it did not.
func (s *Service) resolveCreate(f FollowArgs, snaps []vpsapi.Snapshot) Progress {
	happened := i18n.N("VPS.org's answer was lost, but it made the snapshot")
	if sn, ok := steps.MadeSince(snaps, f.SnapshotName, f.Started); ok {
		switch {
		case sn.Failed():
			return Progress{Done: true, Final: activity.Failed, Detail: i18n.Nf("VPS.org's answer was lost, but it made the snapshot; %s", steps.FailedWords(sn.Status))}
		case sn.Done():
			return Progress{Done: true, Final: activity.Completed, Detail: happened}
		}
		return Progress{}
	}
	if s.now().Sub(f.Started) < steps.LostAnswerWindow {
		return Progress{}
	}
	return Progress{Done: true, Final: activity.NotCreated, Detail: i18n.N("VPS.org's answer was lost, and it has no snapshot of that name: nothing was created")}
}

// ended is a check's answer to an error: a refused token or a missing server
// end the job; anything else leaves it to check again.
func ended(err error, gone string) (Progress, error) {
	switch {
	case errors.Is(err, vpsapi.ErrUnauthorized):
		return Progress{Done: true, Final: activity.TokenRefused, Detail: i18n.N("VPS.org refused the token during the job")}, nil
	case errors.Is(err, vpsapi.ErrNotFound) && gone != "":
		return Progress{Done: true, Final: activity.Lost, Detail: gone}, nil
	}
	return Progress{}, err
}
