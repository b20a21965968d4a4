package dashboard

import (
	"context"
	"fmt"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/store"
)

// JobUnderway is a job a session started that is still under way, for the
// sign-out page to name before the person chooses.
type JobUnderway struct {
	Words   string           // "restore of web-server-01 from nightly"
	Servers map[int64]string // the servers it acts on, by id: their names
}

// JobsUnderway lists the jobs a session started that are still under way.
func (d *Dashboard) JobsUnderway(ctx context.Context, sessionID string) ([]JobUnderway, error) {
	if d.jobs == nil {
		return nil, nil
	}
	erased, err := d.jobs.Underway(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return d.describeJobs(ctx, erased)
}

// describeJobs puts jobs in words, from their records.
func (d *Dashboard) describeJobs(ctx context.Context, jobs []store.Erased) ([]JobUnderway, error) {
	var ids []int64
	for _, e := range jobs {
		if e.ActivityID != 0 {
			ids = append(ids, e.ActivityID)
		}
	}
	var recs []activity.Record
	if d.activity != nil && len(ids) > 0 {
		var err error
		if recs, err = d.activity.Get(ctx, ids); err != nil {
			return nil, err
		}
	}
	var out []JobUnderway
	for _, r := range recs {
		j := JobUnderway{Servers: map[int64]string{r.ServerID: r.ServerName}}
		switch r.Action {
		case activity.Create:
			j.Words = "snapshot " + r.SnapshotName + " of " + r.ServerName + ", followed until it completes"
		case activity.Restore:
			j.Words = "restore of " + r.ServerName + " from " + r.SnapshotName
		default:
			j.Words = r.Action + " on " + r.ServerName
		}
		out = append(out, j)
	}
	for _, e := range jobs {
		if e.BulkID == 0 || d.bulk == nil {
			continue
		}
		b, err := d.bulk.Get(ctx, e.BulkID)
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
		j.Words = fmt.Sprintf("bulk delete of %d snapshots, %d still to delete", len(b.Items), left)
		out = append(out, j)
	}
	return out, nil
}

// LetJobsFinish keeps a signing-out session's jobs going with its person's
// token, sealed, each until it ends; the choice is recorded on each job's
// servers. It says how many jobs go on.
func (d *Dashboard) LetJobsFinish(ctx context.Context, sessionID, actor string) (int, error) {
	if d.jobs == nil {
		return 0, nil
	}
	ctx = context.WithoutCancel(ctx)
	released, err := d.jobs.Release(ctx, sessionID)
	if err != nil {
		return 0, err
	}
	jobs, err := d.describeJobs(ctx, released)
	if err != nil {
		d.log.WarnContext(ctx, "jobs let finish after a sign-out not described", "error", err)
	}
	for _, j := range jobs {
		for id, name := range j.Servers {
			d.recordRule(ctx, activity.Record{Time: d.now().UTC(), Actor: actor, Action: activity.LetFinish, ServerID: id,
				ServerName: name, Outcome: activity.Started,
				Detail: j.Words})
		}
	}
	return len(released), nil
}
