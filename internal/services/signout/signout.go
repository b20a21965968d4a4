// Package signout is what ending a session does to the jobs its person
// started: name them, stop them (recording why), or let them finish with
// the person's token, sealed, each until it ends.
package signout

import (
	"context"
	"log/slog"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/store"
)

// Service is what a session's end does to the jobs its person started.
type Service struct {
	jobs     *jobs.Runner
	activity activity.Store
	bulk     bulk.Store
	dash     *dashboard.Dashboard
	log      *slog.Logger
}

// New returns a Service.
func New(dash *dashboard.Dashboard, engine *jobs.Runner, act activity.Store, bulks bulk.Store) *Service {
	return &Service{jobs: engine, activity: act, bulk: bulks, dash: dash, log: dash.Log()}
}

// JobUnderway is a job a session started that is still under way, for the
// sign-out page to name before the person chooses.
type JobUnderway struct {
	Words   string           // "restore of web-server-01 from nightly"
	Servers map[int64]string // the servers it acts on, by id: their names
}

// JobsUnderway lists the jobs a session started that are still under way.
func (s *Service) JobsUnderway(ctx context.Context, sessionID string) ([]JobUnderway, error) {
	erased, err := s.jobs.Underway(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return s.describeJobs(ctx, erased)
}

// describeJobs puts jobs in words, from their records.
func (s *Service) describeJobs(ctx context.Context, underway []store.Erased) ([]JobUnderway, error) {
	var ids []int64
	for _, e := range underway {
		if e.ActivityID != 0 {
			ids = append(ids, e.ActivityID)
		}
	}
	var recs []activity.Record
	if len(ids) > 0 {
		var err error
		if recs, err = s.activity.Get(ctx, ids); err != nil {
			return nil, err
		}
	}
	var out []JobUnderway
	for _, r := range recs {
		j := JobUnderway{Servers: map[int64]string{r.ServerID: r.ServerName}}
		switch r.Action {
		case activity.Create:
			j.Words = i18n.T(ctx, "snapshot %s of %s, followed until it completes", r.SnapshotName, r.ServerName)
		case activity.Restore:
			j.Words = i18n.T(ctx, "restore of %s from %s", r.ServerName, r.SnapshotName)
		default:
			j.Words = i18n.T(ctx, "a %s job on %s", r.Action, r.ServerName)
		}
		out = append(out, j)
	}
	for _, e := range underway {
		if e.BulkID == 0 {
			continue
		}
		b, err := s.bulk.Get(ctx, e.BulkID)
		if err != nil {
			return nil, err
		}
		left, j := 0, JobUnderway{Servers: map[int64]string{}}
		for _, it := range b.Items {
			if it.State == bulk.Pending || it.State == bulk.Sending {
				left++
			}
			j.Servers[it.ServerID] = it.ServerName
		}
		j.Words = i18n.T(ctx, "bulk delete of %d snapshots, %d still to delete", len(b.Items), left)
		out = append(out, j)
	}
	return out, nil
}

// LetJobsFinish keeps a signing-out session's jobs going with its person's
// token, sealed, each until it ends; the choice is recorded on each job's
// servers. It says how many jobs go on.
func (s *Service) LetJobsFinish(ctx context.Context, sessionID, actor string) (int, error) {
	ctx = context.WithoutCancel(ctx)
	released, err := s.jobs.Release(ctx, sessionID)
	if err != nil {
		return 0, err
	}
	// In English, as every record: Word says it in each reader's language.
	jobs, err := s.describeJobs(i18n.NewContext(ctx, nil), released)
	if err != nil {
		s.log.WarnContext(ctx, "jobs let finish after a sign-out not described", "error", err)
	}
	for _, j := range jobs {
		for id, name := range j.Servers {
			s.dash.RecordDecision(ctx, activity.Record{Time: s.dash.Now().UTC(), Actor: actor, Action: activity.LetFinish, ServerID: id,
				ServerName: name, Outcome: activity.Started,
				Detail: j.Words})
		}
	}
	return len(released), nil
}

// StopJobs erases the tokens of the jobs a session started and stops them,
// at sign-out; it returns how many it stopped.
func (s *Service) StopJobs(ctx context.Context, sessionID string) (int, error) {
	return s.jobs.StopFor(ctx, sessionID, activity.SignedOut)
}

// EndJobsOfChangedIdentity stops the jobs of a session ended because the
// proxy named another person or other groups, as a sign-out does: their
// tokens are erased and their records say why.
func (s *Service) EndJobsOfChangedIdentity(ctx context.Context, sessionID string) (int, error) {
	return s.jobs.StopFor(ctx, sessionID, activity.IdentityChanged)
}

// EndJobsOfRefusedToken stops the jobs of a session ended because VPS.org
// refused its token: their records say "token refused".
func (s *Service) EndJobsOfRefusedToken(ctx context.Context, sessionID string) error {
	_, err := s.jobs.StopFor(ctx, sessionID, activity.TokenRefused)
	return err
}
