package schedule

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/vpsapi"
)

// A schedule never holds more than its keep count of snapshots, failed ones
// included, so that with keep ≤ 4 a slot always stays free for people:
// before a run creates anything it deletes its own failed snapshots, then
// its oldest, until the new one fits within the keep count. Only its own
// (by id), never a pinned one or one a restore uses: those are held by a
// person or a restore, not by the schedule, and do not count. Each delete
// is recorded before and after its call, as any step.

// makeRoom starts deleting the next of the schedule's own snapshots that
// stand in the new one's way; done is true when the run has moved on (a
// delete sent, or the run ended because what is left may not be deleted).
func (svc *Service) makeRoom(ctx context.Context, s schedules.Schedule, r schedules.Run, snaps []vpsapi.Snapshot) (jobs.Next, bool, error) {
	victim, blocked, err := svc.inTheWay(ctx, s, snaps)
	switch {
	case errors.Is(err, dashboard.ErrUnprotected):
		svc.endRun(ctx, r, schedules.Failed, unprotectedWords(r))
		return jobs.Next{Done: true}, true, nil
	case err != nil:
		return jobs.Next{Wait: vpsapi.Pace(2)}, true, err
	case victim.ID != 0:
		r.Step, r.DeleteID = schedules.StepPruneSending, victim.ID
		moved, err := svc.schedules.Move(ctx, schedules.StepCheck, r)
		if err != nil || !moved {
			return jobs.Next{Wait: time.Second}, true, err
		}
		next, err := svc.sendPrune(ctx, s, r, victim)
		return next, true, err
	case blocked:
		svc.endRun(ctx, r, schedules.Skipped, i18n.Nf("its own snapshots still in progress fill its keep count (%d); nothing was created", s.Keep))
		return jobs.Next{Done: true}, true, nil
	}
	return jobs.Next{}, false, nil
}

// inTheWay is the next of the schedule's own snapshots to delete before a
// run creates one: a failed one first, else the oldest while the schedule
// holds its keep count or more. blocked: it holds too many, and none of
// them may be deleted.
func (svc *Service) inTheWay(ctx context.Context, s schedules.Schedule, snaps []vpsapi.Snapshot) (vpsapi.Snapshot, bool, error) {
	owned, err := svc.schedules.Owned(ctx, s.ID)
	if err != nil {
		return vpsapi.Snapshot{}, false, err
	}
	var mine []vpsapi.Snapshot
	for _, o := range owned {
		i := slices.IndexFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == o.SnapshotID && sn.Server.ID == s.ServerID })
		if i >= 0 {
			mine = append(mine, snaps[i])
		}
	}
	failed := slices.ContainsFunc(mine, vpsapi.Snapshot.Failed)
	if !failed && len(mine) < s.Keep {
		return vpsapi.Snapshot{}, false, nil
	}
	prot, err := svc.dash.Protection(ctx, svc.automation, map[int64]string{s.ServerID: ""})
	if err != nil {
		return vpsapi.Snapshot{}, false, err
	}
	mine = slices.DeleteFunc(mine, func(sn vpsapi.Snapshot) bool { return prot.Why(sn.ID) != "" })
	// Failed ones first, then the oldest.
	slices.SortFunc(mine, func(a, b vpsapi.Snapshot) int {
		if a.Failed() != b.Failed() {
			if a.Failed() {
				return -1
			}
			return 1
		}
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	for _, sn := range mine {
		if !sn.Done() {
			continue // in progress: it stays, and counts
		}
		if sn.Failed() || len(mine) >= s.Keep {
			return sn, false, nil
		}
	}
	return vpsapi.Snapshot{}, len(mine) >= s.Keep, nil
}

// sendPrune deletes one of the schedule's own snapshots to make room,
// recorded at StepPruneSending before.
func (svc *Service) sendPrune(ctx context.Context, s schedules.Schedule, r schedules.Run, victim vpsapi.Snapshot) (jobs.Next, error) {
	err := svc.job.DeleteSnapshot(ctx, svc.automation, victim.ID)
	if err != nil && !errors.Is(err, vpsapi.ErrNotFound) {
		var ve *vpsapi.Error
		if errors.As(err, &ve) && errors.Is(err, vpsapi.ErrRejected) {
			svc.endRun(ctx, r, schedules.Failed, i18n.Nf("VPS.org refused to delete %s to make room: %s; nothing was created", victim.Name, ve.Summary()))
			return jobs.Next{Done: true}, nil
		}
		if errors.Is(err, vpsapi.ErrUnauthorized) {
			return jobs.Next{}, err
		}
		return jobs.Next{Wait: time.Second}, nil // no answer: the next step lists first
	}
	why := i18n.Nf("retention of the schedule (keeps %d): room made before its next snapshot", s.Keep)
	if victim.Failed() {
		why = i18n.N("the schedule's failed snapshot, deleted to free its slot")
	}
	return svc.deletedOwn(ctx, s, r, victim, schedules.StepPruneSending, schedules.StepCheck, why)
}

// resumePrune finds a prune recorded as sending: gone means it was deleted;
// otherwise the checks run again (pinned or put to use meanwhile) and it
// is sent again, which is harmless.
func (svc *Service) resumePrune(ctx context.Context, s schedules.Schedule, r schedules.Run) (jobs.Next, error) {
	wait := jobs.Next{Wait: vpsapi.PaceAfter(svc.now().Sub(r.Updated))}
	snaps, err := svc.job.ListSnapshots(ctx, svc.automation, r.ServerID)
	if err != nil {
		return wait, err
	}
	i := slices.IndexFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == r.DeleteID })
	if i < 0 {
		return svc.deletedOwn(ctx, s, r, vpsapi.Snapshot{ID: r.DeleteID}, schedules.StepPruneSending, schedules.StepCheck,
			i18n.Nf("retention of the schedule (keeps %d): room made before its next snapshot", s.Keep))
	}
	prot, err := svc.dash.Protection(ctx, svc.automation, map[int64]string{r.ServerID: ""})
	if err != nil {
		svc.endRun(ctx, r, schedules.Failed, unprotectedWords(r))
		return jobs.Next{Done: true}, nil
	}
	if prot.Why(r.DeleteID) != "" {
		return svc.moveRun(ctx, r, schedules.StepPruneSending, func(r *schedules.Run) { r.Step, r.DeleteID = schedules.StepCheck, 0 })
	}
	return svc.sendPrune(ctx, s, r, snaps[i])
}

// RoomError: a schedule would keep more snapshots than its server has free
// slots for (those not already its own); nothing was saved.
type RoomError struct {
	Server string
	Free   int // slots not taken by snapshots other than the schedule's
	Keep   int
}

func (e *RoomError) Error() string {
	return i18n.Nf("%s has %d free slots for a schedule keeping %d", e.Server, e.Free, e.Keep)
}

// Words say it in the person's words.
func (e *RoomError) Words(tr *i18n.Translator) string {
	if e.Free <= 0 {
		return tr.T("%s has %d of %d snapshots that are not this schedule's: there is no free slot for it, so its runs would be skipped until people delete some.", e.Server, dashboard.Limit, dashboard.Limit)
	}
	return tr.T("%s has room for %d of this schedule's snapshots, and it keeps %d: once it holds %d, its runs are skipped while the server is full.", e.Server, e.Free, e.Keep, e.Free)
}

// roomForSchedule checks that the server has a free slot for each snapshot
// the schedule keeps (counting those it made already as its own): one
// list call. Without room it says so (RoomError), before anything is saved.
func (svc *Service) roomForSchedule(ctx context.Context, token vpsapi.Token, s schedules.Schedule, serverName string) error {
	snaps, err := svc.api.ListSnapshots(ctx, token, s.ServerID)
	if err != nil {
		return err
	}
	var owned []schedules.Owned
	if s.ID != 0 {
		if owned, err = svc.schedules.Owned(ctx, s.ID); err != nil {
			return unavailable(err)
		}
	}
	others := 0
	for _, sn := range snaps {
		if !slices.ContainsFunc(owned, func(o schedules.Owned) bool { return o.SnapshotID == sn.ID }) {
			others++
		}
	}
	if free := dashboard.Limit - others; free < s.Keep {
		return &RoomError{Server: serverName, Free: free, Keep: s.Keep}
	}
	return nil
}

// unprotectedWords says why a run that could not read what must not be
// deleted stopped before it created, and what it had deleted before.
func unprotectedWords(r schedules.Run) string {
	if r.Deleted == "" {
		return i18n.N("Snapdash could not read its pins and running restores, so nothing was deleted or created")
	}
	return deletedWords(r, i18n.N("Snapdash could not read its pins and running restores, so nothing was created"))
}
