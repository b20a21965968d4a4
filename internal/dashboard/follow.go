package dashboard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/vpsapi"
)

var _ jobs.Follower = (*Dashboard)(nil)

// Check looks once at a followed create or restore: the server's snapshots
// for a create, the server's status for a restore. Only an answer that
// cannot tell (VPS.org unavailable) is an error; the job asks again later.
func (d *Dashboard) Check(ctx context.Context, f jobs.Follow, token vpsapi.Token) (jobs.Progress, error) {
	switch f.Action {
	case Create:
		snaps, err := d.api.ListSnapshots(ctx, token, f.ServerID)
		if err != nil {
			return ended(err, "the server is gone from VPS.org")
		}
		if f.SnapshotID == 0 {
			return d.resolveCreate(f, snaps), nil
		}
		i := slices.IndexFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == f.SnapshotID })
		switch {
		case i < 0:
			return d.gone(ctx, f), nil
		case snaps[i].Failed():
			return jobs.Progress{Done: true, Final: activity.Failed, Detail: failedWords(snaps[i].Status)}, nil
		case snaps[i].Done():
			return jobs.Progress{Done: true, Final: activity.Completed}, nil
		}
		return jobs.Progress{}, nil
	case Restore:
		srv, err := d.api.GetServer(ctx, token, f.ServerID)
		if errors.Is(err, vpsapi.ErrNotFound) {
			// The Servers API is missing here (or the server is gone):
			// nothing tells how the restore goes.
			return jobs.Progress{Done: true, Final: activity.Stopped, Detail: "VPS.org does not tell how the restore went"}, nil
		}
		if err != nil {
			return ended(err, "")
		}
		switch srv.Status {
		case vpsapi.ServerRestoring:
			return jobs.Progress{}, nil
		case vpsapi.ServerRunning, vpsapi.ServerStopped:
			return jobs.Progress{Done: true, Final: activity.Completed, Detail: "the server is " + srv.Status}, nil
		}
		return jobs.Progress{Done: true, Final: activity.Failed, Detail: "the server is " + srv.Status + " after the restore"}, nil
	}
	return jobs.Progress{Done: true, Final: activity.Stopped, Detail: "nothing to follow for " + f.Action}, nil
}

// failedWords say what VPS.org said of a failed snapshot, and what to do.
func failedWords(status string) string {
	return "VPS.org reports the snapshot as " + status + ". It still takes one of the server's " + fmt.Sprint(Limit) +
		" slots: delete it to free the slot, then try again."
}

// gone says how a snapshot being taken went away: deleted through Snapdash
// (the record says who), or lost.
func (d *Dashboard) gone(ctx context.Context, f jobs.Follow) jobs.Progress {
	if d.activity != nil {
		recs, _, err := d.activity.Query(ctx, activity.Query{Servers: []int64{f.ServerID}, SnapshotID: f.SnapshotID, Action: Delete, Limit: 5})
		if err == nil {
			for _, r := range recs {
				if r.Outcome == activity.Started || r.Outcome == activity.Sending {
					return jobs.Progress{Done: true, Final: activity.Deleted, Detail: "deleted by " + r.Actor + " while it was being taken"}
				}
			}
		}
	}
	return jobs.Progress{Done: true, Final: activity.Lost, Detail: "the snapshot is gone from VPS.org before it completed"}
}

// lostAnswerWindow is how long after a create whose answer was lost its
// snapshot may take to appear in the list before the create is judged not to
// have happened.
const lostAnswerWindow = time.Minute

// resolveCreate follows a create whose answer was lost (no snapshot id):
// a snapshot of its name made since shows it happened, and is followed to its
// end; none after lostAnswerWindow shows it did not.
func (d *Dashboard) resolveCreate(f jobs.Follow, snaps []vpsapi.Snapshot) jobs.Progress {
	const happened = "VPS.org's answer was lost, but it made the snapshot"
	for _, s := range snaps {
		if s.Name != f.SnapshotName || s.CreatedAt.Before(f.Started.Add(-lostAnswerWindow)) {
			continue
		}
		switch {
		case s.Failed():
			return jobs.Progress{Done: true, Final: activity.Failed, Detail: happened + "; " + failedWords(s.Status)}
		case s.Done():
			return jobs.Progress{Done: true, Final: activity.Completed, Detail: happened}
		}
		return jobs.Progress{}
	}
	if d.now().Sub(f.Started) < lostAnswerWindow {
		return jobs.Progress{}
	}
	return jobs.Progress{Done: true, Final: activity.NotCreated, Detail: "VPS.org's answer was lost, and it has no snapshot of that name: nothing was created"}
}

// ended is a check's answer to an error: a refused token or a missing server
// end the job; anything else leaves it to check again.
func ended(err error, gone string) (jobs.Progress, error) {
	switch {
	case errors.Is(err, vpsapi.ErrUnauthorized):
		return jobs.Progress{Done: true, Final: activity.TokenRefused, Detail: "VPS.org refused the token during the job"}, nil
	case errors.Is(err, vpsapi.ErrNotFound) && gone != "":
		return jobs.Progress{Done: true, Final: activity.Lost, Detail: gone}, nil
	}
	return jobs.Progress{}, err
}

// follow starts a job following an accepted create or restore to its end
// (or a create whose answer was lost, to learn whether it happened),
// with the token of the person who started it. Without a job engine, or when
// inserting the job fails, the error says so (the caller tries again).
func (d *Dashboard) follow(ctx context.Context, a Action, r activity.Record) error {
	accepted := r.Outcome == activity.Started && (a.Kind == Create || a.Kind == Restore)
	// A create whose answer was lost is resolved by listing, never by
	// sending it again.
	unknown := r.Outcome == activity.Unknown && a.Kind == Create
	if d.jobs == nil || r.ID == 0 || !(accepted || unknown) {
		return nil
	}
	f := jobs.Follow{
		ActivityID: r.ID, Action: a.Kind, ServerID: r.ServerID, ServerName: r.ServerName, Actor: r.Actor,
		SnapshotID: r.SnapshotID, SnapshotName: r.SnapshotName, Started: r.Time,
	}
	if err := d.jobs.Follow(ctx, f, a.Session, a.Token); err != nil {
		return fmt.Errorf("the action's follow job was not started: %w", err)
	}
	return nil
}

// StopJobs erases the tokens of the jobs a session started and stops them,
// at sign-out; it returns how many it stopped.
func (d *Dashboard) StopJobs(ctx context.Context, sessionID string) (int, error) {
	if d.jobs == nil {
		return 0, nil
	}
	return d.jobs.StopFor(context.WithoutCancel(ctx), sessionID, activity.SignedOut)
}

// EndJobsOfChangedIdentity stops the jobs of a session ended because the
// proxy named another person or other groups, as a sign-out does: their
// tokens are erased and their records say why.
func (d *Dashboard) EndJobsOfChangedIdentity(ctx context.Context, sessionID string) (int, error) {
	if d.jobs == nil {
		return 0, nil
	}
	return d.jobs.StopFor(context.WithoutCancel(ctx), sessionID, activity.IdentityChanged)
}

// EndJobsOfRefusedToken stops the jobs of a session ended because VPS.org
// refused its token: their records say "token refused".
func (d *Dashboard) EndJobsOfRefusedToken(ctx context.Context, sessionID string) error {
	if d.jobs == nil {
		return nil
	}
	_, err := d.jobs.StopFor(context.WithoutCancel(ctx), sessionID, activity.TokenRefused)
	return err
}
