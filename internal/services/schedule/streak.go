package schedule

import (
	"context"

	"github.com/snapdash/snapdash/internal/i18n"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/schedules"
)

// watchStreak looks at a schedule's latest runs after one failed or was
// skipped: maxFailures failures in a row pause it, and as many skips in a
// row (not failures: a full or restoring server) say so; either way in red
// on the Schedules page and the server's card, on Activity and to the
// webhook, once.
func (svc *Service) watchStreak(ctx context.Context, r schedules.Run) {
	recent, err := svc.schedules.Recent(ctx, []int64{r.ScheduleID}, svc.maxFailures)
	if err != nil {
		svc.log.WarnContext(ctx, "a schedule's latest runs not read", "schedule_id", r.ScheduleID, "error", err)
		return
	}
	runs := recent[r.ScheduleID]
	if len(runs) < svc.maxFailures {
		return
	}
	for _, x := range runs {
		if x.State != r.State {
			return
		}
	}
	pause := r.State == schedules.Failed
	why := i18n.Nf("Its last %d runs failed, so Snapdash paused it. The last said: %s. Resume it once that is fixed.", svc.maxFailures, r.Detail)
	if !pause {
		why = i18n.Nf("Its last %d runs were skipped, so it has taken no snapshot since. The last said: %s.", svc.maxFailures, r.Detail)
	}
	set, err := svc.schedules.Alert(ctx, r.ScheduleID, why, pause)
	if err != nil || !set {
		if err != nil {
			svc.log.ErrorContext(ctx, "a schedule's alert not stored", "schedule_id", r.ScheduleID, "error", err)
		}
		return
	}
	svc.log.WarnContext(ctx, "schedule alert", "schedule_id", r.ScheduleID, "server_id", r.ServerID, "paused", pause, "why", why)
	outcome := activity.Skipped
	if pause {
		outcome = "paused"
	}
	svc.dash.RecordDecision(ctx, activity.Record{Time: svc.now().UTC(), Actor: activity.Automation, Action: activity.Schedule, ServerID: r.ServerID,
		ServerName: r.ServerName, Outcome: activity.Started, Detail: why})
	{
		svc.jobs.Notify(ctx, jobs.Notice{Action: "schedule", Server: r.ServerName, ServerID: r.ServerID, Person: activity.Automation,
			Outcome: outcome, Detail: why})
	}
}
