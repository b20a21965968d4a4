package schedule

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/steps"
	"github.com/snapdash/snapdash/vpsapi"
)

// A scheduled run: opened once per slot, moved on one step at a time by its
// job with the automation token, each step recorded before and after its call.

// StartDueRuns starts the runs of every schedule that is due, once across
// replicas, and moves each schedule's next run past now: a schedule that
// missed several runs while Snapdash was down runs once. River's leader
// calls it every tick.
func (svc *Service) StartDueRuns(ctx context.Context) error {
	if !svc.Automation() {
		return nil
	}
	now := svc.now().UTC()
	due, err := svc.schedules.Due(ctx, now)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range due {
		// The run first, then the next time: a replica that dies between
		// the two leaves the slot to open again, which finds its run.
		if _, err := svc.openRun(ctx, s, s.NextRun, ""); err != nil && !errors.Is(err, schedules.ErrRunning) {
			errs = append(errs, fmt.Errorf("schedule %d: %w", s.ID, err))
			continue
		}
		if _, err := svc.schedules.Advance(ctx, s.ID, s.NextRun, s.Next(now)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// AdvanceRun moves a scheduled run on by one step with the automation
// token: at most one call that changes anything, recorded before and after.
func (svc *Service) AdvanceRun(ctx context.Context, id int64) (jobs.Next, error) {
	r, err := svc.schedules.Run(ctx, id)
	if err != nil {
		return jobs.Next{}, err
	}
	if r.State != schedules.Running {
		return jobs.Next{Done: true}, nil
	}
	if svc.automation == "" {
		svc.endRun(ctx, r, schedules.Skipped, i18n.N("no automation token is configured"))
		return jobs.Next{Done: true}, nil
	}
	s, err := svc.schedules.Get(ctx, r.ScheduleID)
	if errors.Is(err, schedules.ErrNotFound) {
		why := i18n.N("its schedule was deleted; nothing was sent")
		if r.Step != schedules.StepCheck {
			why = deletedWords(r, i18n.Nf("its schedule was deleted while it ran; %s stays, as an ordinary snapshot", r.SnapshotName))
		}
		svc.endRun(ctx, r, schedules.Skipped, why)
		return jobs.Next{Done: true}, nil
	}
	if err != nil {
		return jobs.Next{Wait: vpsapi.Pace(2)}, err
	}
	next, err := svc.advanceRun(ctx, s, r)
	if errors.Is(err, vpsapi.ErrUnauthorized) {
		svc.automationRefused(ctx)
		svc.endRunAs(ctx, r, schedules.Failed, activity.TokenRefused, TokenRefusedWhy)
		return jobs.Next{Done: true}, nil
	}
	return next, err
}

func (svc *Service) advanceRun(ctx context.Context, s schedules.Schedule, r schedules.Run) (jobs.Next, error) {
	token := svc.automation
	wait := jobs.Next{Wait: vpsapi.PaceAfter(svc.now().Sub(r.Updated))}
	switch r.Step {
	case schedules.StepCheck:
		if s.Paused && !r.Manual {
			svc.endRun(ctx, r, schedules.Skipped, i18n.N("the schedule is paused"))
			return jobs.Next{Done: true}, nil
		}
		// VPS.org takes no snapshot of a restoring server: nothing is
		// deleted to make room for one then.
		srv, err := svc.job.GetServer(ctx, token, r.ServerID)
		if err != nil && !errors.Is(err, vpsapi.ErrNotFound) {
			return wait, err
		}
		restoring, err := svc.dash.Restoring(ctx, r.ServerID, srv.Status)
		if err != nil {
			return wait, err
		}
		if restoring && s.SkipRestoring {
			svc.endRun(ctx, r, schedules.Skipped, i18n.N("the server was restoring; nothing was sent"))
			return jobs.Next{Done: true}, nil
		}
		snaps, err := svc.job.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		if !restoring {
			if next, done, err := svc.makeRoom(ctx, s, r, snaps); done || err != nil {
				return next, err
			}
		}
		if len(snaps) >= dashboard.Limit {
			svc.endRun(ctx, r, schedules.Skipped, deletedWords(r, i18n.Nf("the server has %d of %d snapshots", len(snaps), dashboard.Limit)))
			return jobs.Next{Done: true}, nil
		}
		r.SnapshotName = schedules.SnapshotName(s.ServerName, svc.now(), func(n string) bool {
			return slices.ContainsFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.Name == n })
		})
		r.Step = schedules.StepCreateSending
		moved, err := svc.schedules.Move(ctx, schedules.StepCheck, r)
		if err != nil || !moved {
			return jobs.Next{Wait: time.Second}, err
		}
		return svc.sendCreate(ctx, s, r)
	case schedules.StepPruneSending:
		return svc.resumePrune(ctx, s, r)
	case schedules.StepCreateSending:
		// Found here on a later run, the create may have been sent before a
		// replica died or its answer was lost: the list tells; it is never
		// sent again.
		snaps, err := svc.job.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		if sn, ok := steps.MadeSince(snaps, r.SnapshotName, r.Started); ok {
			return svc.created(ctx, s, r, sn)
		}
		if svc.now().Sub(r.Updated) < steps.LostAnswerWindow {
			return wait, nil // an answer lost may show in the list a little later
		}
		svc.endRun(ctx, r, schedules.Failed, i18n.Nf("it is not known whether VPS.org received the create, and %s is not listed; it was not sent again", r.SnapshotName))
		return jobs.Next{Done: true}, nil
	case schedules.StepWaiting:
		snaps, err := svc.job.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		i := slices.IndexFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == r.SnapshotID })
		switch {
		case i < 0:
			svc.endRun(ctx, r, schedules.Failed, deletedWords(r, i18n.Nf("%s is gone from VPS.org", r.SnapshotName)))
			return jobs.Next{Done: true}, nil
		case snaps[i].Failed():
			svc.endRun(ctx, r, schedules.Failed, deletedWords(r, r.SnapshotName+" "+snaps[i].Status))
			return jobs.Next{Done: true}, nil
		case !snaps[i].Done():
			if svc.now().Sub(r.Started) > RunLimit {
				svc.endRun(ctx, r, schedules.Failed, deletedWords(r, i18n.Nf("%s was still %s after %d min",
					r.SnapshotName, strings.ReplaceAll(snaps[i].Status, "_", " "), int(RunLimit/time.Minute))))
				return jobs.Next{Done: true}, nil
			}
			return wait, nil
		}
		return svc.moveRun(ctx, r, schedules.StepWaiting, func(r *schedules.Run) { r.Step = schedules.StepRotating })
	case schedules.StepRotating:
		snaps, err := svc.job.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		victim, kept, err := svc.oldestBeyondKeep(ctx, s, snaps)
		if errors.Is(err, dashboard.ErrUnprotected) {
			return svc.unprotected(ctx, r, err)
		}
		if err != nil {
			return wait, err
		}
		if victim.ID == 0 {
			svc.endRun(ctx, r, schedules.Completed, completedWords(r, kept))
			return jobs.Next{Done: true}, nil
		}
		r.Step, r.DeleteID = schedules.StepDeleteSending, victim.ID
		moved, err := svc.schedules.Move(ctx, schedules.StepRotating, r)
		if err != nil || !moved {
			return jobs.Next{Wait: time.Second}, err
		}
		return svc.sendRetentionDelete(ctx, s, r, victim)
	case schedules.StepDeleteSending:
		// Deleting twice is harmless: a second delete finds nothing. The
		// checks run again, in case it was pinned or put to use meanwhile.
		snaps, err := svc.job.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		i := slices.IndexFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == r.DeleteID })
		if i < 0 {
			return svc.deleted(ctx, s, r, vpsapi.Snapshot{ID: r.DeleteID})
		}
		prot, err := svc.dash.Protection(ctx, svc.automation, map[int64]string{r.ServerID: ""})
		if err != nil {
			return svc.unprotected(ctx, r, err)
		}
		if prot.Why(r.DeleteID) != "" {
			return svc.moveRun(ctx, r, schedules.StepDeleteSending, func(r *schedules.Run) { r.Step, r.DeleteID = schedules.StepRotating, 0 })
		}
		return svc.sendRetentionDelete(ctx, s, r, snaps[i])
	}
	return jobs.Next{Done: true}, fmt.Errorf("dashboard: run %d at unknown step %q", r.ID, r.Step)
}

// sendCreate sends the run's create, recorded at StepCreateSending before.
func (svc *Service) sendCreate(ctx context.Context, s schedules.Schedule, r schedules.Run) (jobs.Next, error) {
	created, err := svc.job.CreateSnapshot(ctx, svc.automation, vpsapi.CreateRequest{ServerID: r.ServerID, Name: r.SnapshotName,
		Description: "Scheduled by Snapdash: " + s.Describe() + ", keeps " + fmt.Sprint(s.Keep)})
	if err != nil {
		var ve *vpsapi.Error
		if errors.As(err, &ve) && (errors.Is(err, vpsapi.ErrRejected) || errors.Is(err, vpsapi.ErrNotFound)) {
			svc.endRun(ctx, r, schedules.Failed, deletedWords(r, i18n.Nf("VPS.org refused the snapshot: %s", ve.Summary())))
			return jobs.Next{Done: true}, nil
		}
		if errors.Is(err, vpsapi.ErrUnauthorized) {
			return jobs.Next{}, err
		}
		// No answer: the next run lists, and never sends it again.
		return jobs.Next{Wait: time.Second}, nil
	}
	return svc.created(ctx, s, r, created.Snapshot)
}

// created records the run's snapshot as its schedule's own, then waits for it.
func (svc *Service) created(ctx context.Context, s schedules.Schedule, r schedules.Run, sn vpsapi.Snapshot) (jobs.Next, error) {
	ctx = context.WithoutCancel(ctx)
	if err := svc.schedules.Own(ctx, schedules.Owned{SnapshotID: sn.ID, ScheduleID: s.ID, ServerID: r.ServerID, Name: sn.Name, Created: sn.CreatedAt}); err != nil {
		return jobs.Next{Wait: time.Second}, err
	}
	return svc.moveRun(ctx, r, schedules.StepCreateSending, func(r *schedules.Run) { r.Step, r.SnapshotID = schedules.StepWaiting, sn.ID })
}

// oldestBeyondKeep is the oldest completed snapshot this schedule made that
// is beyond its keep count and may be deleted (not pinned, not in use); a
// zero snapshot when there is none. kept counts what stays of its own.
// Snapshots it made that are gone from VPS.org are forgotten.
func (svc *Service) oldestBeyondKeep(ctx context.Context, s schedules.Schedule, snaps []vpsapi.Snapshot) (vpsapi.Snapshot, int, error) {
	owned, err := svc.schedules.Owned(ctx, s.ID)
	if err != nil {
		return vpsapi.Snapshot{}, 0, err
	}
	var mine []vpsapi.Snapshot
	for _, o := range owned {
		i := slices.IndexFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == o.SnapshotID })
		switch {
		case i < 0:
			if err := svc.schedules.Disown(ctx, o.SnapshotID); err != nil {
				svc.log.WarnContext(ctx, "a gone snapshot not forgotten", "snapshot_id", o.SnapshotID, "error", err)
			}
		case snaps[i].Status == vpsapi.StatusCompleted && snaps[i].Server.ID == s.ServerID:
			mine = append(mine, snaps[i])
		}
	}
	// Newest first; the keep count's newest stay.
	slices.SortFunc(mine, func(a, b vpsapi.Snapshot) int { return b.CreatedAt.Compare(a.CreatedAt) })
	kept := min(len(mine), s.Keep)
	prot, err := svc.dash.Protection(ctx, svc.automation, map[int64]string{s.ServerID: ""})
	if err != nil {
		return vpsapi.Snapshot{}, kept, err
	}
	for i := len(mine) - 1; i >= s.Keep; i-- {
		if prot.Why(mine[i].ID) == "" {
			return mine[i], kept, nil
		}
		kept++
	}
	return vpsapi.Snapshot{}, kept, nil
}

// unprotected ends a run that cannot tell what must not be deleted: its
// snapshot stays, and nothing of the schedule's is deleted this time.
func (svc *Service) unprotected(ctx context.Context, r schedules.Run, err error) (jobs.Next, error) {
	svc.log.WarnContext(ctx, "retention skipped: pins and running restores not read", "run_id", r.ID, "error", err)
	svc.endRun(ctx, r, schedules.Failed, deletedWords(r, i18n.Nf("%s completed, but Snapdash could not read its pins and running restores", r.SnapshotName)))
	return jobs.Next{Done: true}, nil
}

// sendRetentionDelete deletes one of the schedule's old snapshots, recorded
// at StepDeleteSending before.
func (svc *Service) sendRetentionDelete(ctx context.Context, s schedules.Schedule, r schedules.Run, victim vpsapi.Snapshot) (jobs.Next, error) {
	err := svc.job.DeleteSnapshot(ctx, svc.automation, victim.ID)
	if err != nil && !errors.Is(err, vpsapi.ErrNotFound) {
		var ve *vpsapi.Error
		if errors.As(err, &ve) && errors.Is(err, vpsapi.ErrRejected) {
			svc.endRun(ctx, r, schedules.Failed, i18n.Nf("%s completed, but VPS.org refused to delete %s: %s", r.SnapshotName, victim.Name, ve.Summary()))
			return jobs.Next{Done: true}, nil
		}
		if errors.Is(err, vpsapi.ErrUnauthorized) {
			return jobs.Next{}, err
		}
		return jobs.Next{Wait: time.Second}, nil // the next run lists and deletes again if still there
	}
	return svc.deleted(ctx, s, r, victim)
}

// deleted records one of the schedule's snapshots deleted, and goes on rotating.
func (svc *Service) deleted(ctx context.Context, s schedules.Schedule, r schedules.Run, sn vpsapi.Snapshot) (jobs.Next, error) {
	return svc.deletedOwn(ctx, s, r, sn, schedules.StepDeleteSending, schedules.StepRotating, i18n.Nf("retention of the schedule (keeps %d)", s.Keep))
}

// deletedOwn records that one of the schedule's own snapshots was deleted
// at step from, and moves the run on to step to.
func (svc *Service) deletedOwn(ctx context.Context, s schedules.Schedule, r schedules.Run, sn vpsapi.Snapshot, from, to, why string) (jobs.Next, error) {
	ctx = context.WithoutCancel(ctx)
	if err := svc.schedules.Disown(ctx, sn.ID); err != nil {
		return jobs.Next{Wait: time.Second}, err
	}
	name := sn.Name
	if name == "" {
		name = fmt.Sprintf("snapshot %d", sn.ID)
	}
	svc.dash.RecordDecision(ctx, activity.Record{Time: svc.now().UTC(), Actor: activity.Automation, Action: activity.Delete, ServerID: s.ServerID,
		ServerName: s.ServerName, SnapshotID: sn.ID, SnapshotName: name, Outcome: activity.Started,
		Detail: why})
	return svc.moveRun(ctx, r, from, func(r *schedules.Run) {
		r.Step, r.DeleteID = to, 0
		if r.Deleted != "" {
			r.Deleted += ", "
		}
		r.Deleted += name
	})
}

// deletedWords ends what stopped a run with what it deleted: nothing, or
// its own snapshots deleted to make room before it created.
func deletedWords(r schedules.Run, what string) string {
	what = strings.TrimSuffix(what, ".") // VPS.org's words may end a sentence: "again.; …" reads badly
	if r.Deleted == "" {
		return i18n.Nf("%s; nothing was deleted", what)
	}
	return i18n.Nf("%s; deleted first to make room: %s", what, r.Deleted)
}

func completedWords(r schedules.Run, kept int) string {
	if r.Deleted != "" {
		return i18n.Nf("%s completed; %d of its own kept; deleted %s", r.SnapshotName, kept, r.Deleted)
	}
	return i18n.Nf("%s completed; %d of its own kept", r.SnapshotName, kept)
}

// moveRun records the run's next step, from step.
func (svc *Service) moveRun(ctx context.Context, r schedules.Run, from string, change func(*schedules.Run)) (jobs.Next, error) {
	change(&r)
	if _, err := svc.schedules.Move(context.WithoutCancel(ctx), from, r); err != nil {
		return jobs.Next{Wait: time.Second}, err
	}
	return jobs.Next{Wait: vpsapi.Pace(0)}, nil
}

// endRun records how a run ended, once (another replica may have ended it
// first), then tells everyone (finishRun); the record's final outcome
// follows the run's state.
func (svc *Service) endRun(ctx context.Context, r schedules.Run, state, detail string) {
	final := map[string]string{schedules.Completed: activity.Completed, schedules.Skipped: activity.Skipped, schedules.Failed: activity.Failed}[state]
	svc.endRunAs(ctx, r, state, final, detail)
}

// endRunAs is endRun with the record's final outcome given.
func (svc *Service) endRunAs(ctx context.Context, r schedules.Run, state, final, detail string) {
	ctx = context.WithoutCancel(ctx)
	from := r.Step
	r.State, r.Detail, r.Finished = state, detail, svc.now().UTC()
	moved, err := svc.schedules.Move(ctx, from, r)
	if err != nil {
		svc.log.ErrorContext(ctx, "run's end not stored", "run_id", r.ID, "error", err)
	}
	if moved {
		svc.finishRun(ctx, r, final)
	}
}

// finishRun records a run's end on its schedule and its activity record,
// and in the metrics, the log and the notifications.
// The schedule's own line is written last: once it shows the run, the
// record and any alert show it too.
func (svc *Service) finishRun(ctx context.Context, r schedules.Run, final string) {
	if r.ActivityID != 0 {
		if _, err := svc.activity.Finish(ctx, r.ActivityID, final, r.Detail, r.Finished); err != nil {
			svc.log.ErrorContext(ctx, "run's outcome not stored", "run_id", r.ID, "error", err)
		}
	}
	if r.State == schedules.Failed || r.State == schedules.Skipped {
		svc.watchStreak(ctx, r)
	}
	if err := svc.schedules.Finished(ctx, r); err != nil {
		svc.log.ErrorContext(ctx, "run's end not stored on its schedule", "run_id", r.ID, "error", err)
	}
	took := r.Finished.Sub(r.Started)
	svc.observe(r.State, took)
	n := jobs.Notice{Action: "scheduled snapshot", Server: r.ServerName, ServerID: r.ServerID,
		Snapshot: r.SnapshotName, Person: activity.Automation, Outcome: final, Detail: r.Detail, Duration: took}
	if r.Manual {
		n.Person, n.RunNow = r.Actor, true
	}
	svc.jobs.Notify(ctx, n)
	svc.log.InfoContext(ctx, "scheduled run ended", "run_id", r.ID, "schedule_id", r.ScheduleID, "server_id", r.ServerID,
		"state", r.State, "detail", r.Detail, "duration", took.Round(time.Second).String())
}

// automationRefused pauses every schedule: VPS.org refused the automation
// token, and every run would be refused too.
func (svc *Service) automationRefused(ctx context.Context) {
	n, err := svc.schedules.PauseAll(context.WithoutCancel(ctx), TokenRefusedWhy)
	if err != nil {
		svc.log.ErrorContext(ctx, "schedules not paused after the automation token was refused", "error", err)
		return
	}
	if n > 0 {
		svc.log.ErrorContext(ctx, "VPS.org refused the automation token; every schedule is paused", "schedules", n)
	}
}

func (svc *Service) observe(outcome string, took time.Duration) {
	if svc.observeRun != nil {
		svc.observeRun(outcome, took)
	}
}
