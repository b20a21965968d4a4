package dashboard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/vpsapi"
)

// Limits of a scheduled run.
const (
	// RunLimit is how long a run's snapshot may take to complete; past it
	// the run fails and deletes nothing.
	RunLimit = time.Hour
	// automationActor names the automation token in the record.
	automationActor = "automation"
)

// TokenRefusedWhy is what a schedule paused by VPS.org's refusal of the
// automation token says.
const TokenRefusedWhy = "VPS.org refused the automation token (401). Put a valid token in SNAPDASH_AUTOMATION_TOKEN_FILE, restart Snapdash, then resume."

// ErrNoSchedules: the schedules cannot be read or saved (the database is
// not answering).
var ErrNoSchedules = errors.New("the schedules cannot be read or saved")

// unavailable marks a store error as ErrNoSchedules; the schedules' own
// errors (not found, exists, running) pass as they are.
func unavailable(err error) error {
	if err == nil || errors.Is(err, schedules.ErrNotFound) || errors.Is(err, schedules.ErrExists) || errors.Is(err, schedules.ErrRunning) ||
		errors.Is(err, schedules.ErrNoRun) {
		return err
	}
	return errors.Join(ErrNoSchedules, err)
}

// ScheduleChange is a person changing a schedule.
type ScheduleChange struct {
	Actor    string
	Groups   []string
	Token    vpsapi.Token
	Schedule schedules.Schedule // ServerID and the settings; ID for an edit
	// ConfirmRoom: the person was warned the server has fewer free slots
	// than the schedule keeps, and saves it anyway.
	ConfirmRoom bool
}

// Automation reports whether schedules can run: the operator gave an
// automation token and the job engine runs.
func (d *Dashboard) Automation() bool {
	return d.automation != "" && d.schedules != nil && d.jobs != nil
}

// ScheduleServer is the server of a schedule, 0 when there is none: for the
// record of a refusal, before anything about the schedule is shown.
func (d *Dashboard) ScheduleServer(ctx context.Context, id int64) int64 {
	if d.schedules == nil {
		return 0
	}
	s, err := d.schedules.Get(ctx, id)
	if err != nil {
		return 0
	}
	return s.ServerID
}

// SchedulesKept reports whether schedules are stored at all.
func (d *Dashboard) SchedulesKept() bool { return d.schedules != nil }

// schedulesOf returns the schedules of servers, by server id.
func (d *Dashboard) schedulesOf(ctx context.Context, servers []int64) map[int64]schedules.Schedule {
	out := map[int64]schedules.Schedule{}
	if d.schedules == nil || len(servers) == 0 {
		return out
	}
	list, err := d.schedules.List(ctx, servers)
	if err != nil {
		d.log.WarnContext(ctx, "schedules not read", "error", err)
	}
	for _, s := range list {
		out[s.ServerID] = s
	}
	return out
}

// ScheduleOverview is what the schedules page shows a person: their
// servers, and the schedules of those with their newest runs.
type ScheduleOverview struct {
	Servers   []vpsapi.Server
	Schedules []schedules.Schedule
	Runs      map[int64][]schedules.Run // by schedule id, newest first
}

// RunsShown is how many of a schedule's runs the page lists.
const RunsShown = 5

// Schedules loads the schedules of the servers the person's token sees:
// one call to VPS.org.
func (d *Dashboard) Schedules(ctx context.Context, token vpsapi.Token) (ScheduleOverview, error) {
	servers, err := d.Servers(ctx, token)
	if err != nil {
		return ScheduleOverview{}, err
	}
	o := ScheduleOverview{Servers: servers, Runs: map[int64][]schedules.Run{}}
	if d.schedules == nil || len(servers) == 0 {
		return o, nil
	}
	ids := make([]int64, len(servers))
	for i, s := range servers {
		ids[i] = s.ID
	}
	if o.Schedules, err = d.schedules.List(ctx, ids); err != nil {
		return o, unavailable(err)
	}
	sids := make([]int64, len(o.Schedules))
	for i, s := range o.Schedules {
		sids[i] = s.ID
	}
	if o.Runs, err = d.schedules.Recent(ctx, sids, RunsShown); err != nil {
		o.Schedules, o.Runs = nil, map[int64][]schedules.Run{}
		return o, unavailable(err)
	}
	return o, nil
}

// ScheduleOf reads one schedule of a server the person's token sees.
func (d *Dashboard) ScheduleOf(ctx context.Context, token vpsapi.Token, id int64) (schedules.Schedule, error) {
	if d.schedules == nil {
		return schedules.Schedule{}, schedules.ErrNotFound
	}
	s, err := d.schedules.Get(ctx, id)
	if err != nil {
		return s, unavailable(err)
	}
	if _, err := d.visibleServer(ctx, token, s.ServerID); err != nil {
		if errors.Is(err, vpsapi.ErrNotFound) {
			return schedules.Schedule{}, schedules.ErrNotFound
		}
		return schedules.Schedule{}, err
	}
	return s, nil
}

// visibleServer is a server the person's token sees; ErrNotFound otherwise.
func (d *Dashboard) visibleServer(ctx context.Context, token vpsapi.Token, id int64) (vpsapi.Server, error) {
	servers, err := d.Servers(ctx, token)
	if err != nil {
		return vpsapi.Server{}, err
	}
	i := slices.IndexFunc(servers, func(s vpsapi.Server) bool { return s.ID == id })
	if i < 0 {
		return vpsapi.Server{}, &vpsapi.Error{Kind: vpsapi.ErrNotFound, Op: "find server"}
	}
	return servers[i], nil
}

// changeable reads the schedule a change is about (or takes the new one),
// with its server, which the person's token must see, after the
// roles allowed the change.
func (d *Dashboard) changeable(ctx context.Context, c ScheduleChange) (schedules.Schedule, vpsapi.Server, error) {
	if d.schedules == nil {
		return schedules.Schedule{}, vpsapi.Server{}, schedules.ErrNotFound
	}
	if ok, why := d.roles.Allows(c.Groups, ScheduleAction); !ok {
		return schedules.Schedule{}, vpsapi.Server{}, fmt.Errorf("%w: %s", schedules.ErrNotAllowed, why)
	}
	s := c.Schedule
	if s.ID != 0 {
		var err error
		if s, err = d.schedules.Get(ctx, s.ID); err != nil {
			return s, vpsapi.Server{}, unavailable(err)
		}
	}
	srv, err := d.visibleServer(ctx, c.Token, s.ServerID)
	if errors.Is(err, vpsapi.ErrNotFound) && s.ID != 0 {
		return s, srv, schedules.ErrNotFound // someone else's server: as if there were none
	}
	return s, srv, err
}

// SaveSchedule adds a server's schedule or changes it, for a person allowed
// to and whose token sees the server, and records it. A paused schedule
// stays paused.
func (d *Dashboard) SaveSchedule(ctx context.Context, c ScheduleChange) (schedules.Schedule, error) {
	if d.automation == "" {
		return schedules.Schedule{}, schedules.ErrNoToken
	}
	if c.Schedule.ID != 0 && d.schedules != nil {
		// An edit keeps its server.
		old, err := d.schedules.Get(ctx, c.Schedule.ID)
		if err != nil {
			return c.Schedule, unavailable(err)
		}
		c.Schedule.ServerID = old.ServerID
	}
	if err := c.Schedule.Validate(); err != nil {
		return c.Schedule, err
	}
	old, srv, err := d.changeable(ctx, c)
	if err != nil {
		return c.Schedule, err
	}
	if !c.ConfirmRoom {
		if err := d.roomForSchedule(ctx, c.Token, c.Schedule, srv.Name); err != nil {
			return c.Schedule, err
		}
	}
	s := c.Schedule
	s.ServerName, s.UpdatedBy = srv.Name, c.Actor
	s.NextRun = s.Next(d.now())
	verb := "created"
	if s.ID != 0 {
		verb = "changed"
		s.Paused, s.PausedWhy = old.Paused, old.PausedWhy
		err = d.schedules.Update(ctx, s)
	} else {
		s.ID, err = d.schedules.Add(ctx, s)
	}
	if err != nil {
		return s, unavailable(err)
	}
	d.recordRule(ctx, activity.Record{Time: d.now().UTC(), Actor: c.Actor, Action: activity.Schedule, ServerID: s.ServerID,
		ServerName: s.ServerName, Outcome: activity.Started, Detail: verb + ": " + Summary(s)})
	return s, nil
}

// Summary is a schedule in a line: how often, what it keeps, its rule.
func Summary(s schedules.Schedule) string {
	words := s.Describe() + fmt.Sprintf(", keeps its %d newest", s.Keep)
	if s.SkipRestoring {
		words += ", skips while the server restores"
	}
	return words
}

// PauseSchedule pauses or resumes a schedule. A resumed schedule runs at
// its next time, not at once.
func (d *Dashboard) PauseSchedule(ctx context.Context, c ScheduleChange, pause bool) (schedules.Schedule, error) {
	s, _, err := d.changeable(ctx, c)
	if err != nil {
		return s, err
	}
	if s.Paused == pause && (pause || s.PausedWhy == "") {
		return s, nil
	}
	detail := "paused"
	if !pause {
		detail = "resumed"
		if d.automation == "" {
			return s, schedules.ErrNoToken
		}
	}
	s.Paused, s.PausedWhy, s.UpdatedBy = pause, "", c.Actor
	if !pause {
		s.Alert = "" // a person resumed it: what it said is seen
	}
	s.NextRun = s.Next(d.now())
	if err := d.schedules.Update(ctx, s); err != nil {
		return s, unavailable(err)
	}
	d.recordRule(ctx, activity.Record{Time: d.now().UTC(), Actor: c.Actor, Action: activity.Schedule, ServerID: s.ServerID,
		ServerName: s.ServerName, Outcome: activity.Started, Detail: detail})
	return s, nil
}

// DeleteSchedule removes a schedule. The snapshots it made stay, as
// ordinary snapshots no retention deletes.
func (d *Dashboard) DeleteSchedule(ctx context.Context, c ScheduleChange) error {
	s, _, err := d.changeable(ctx, c)
	if err != nil {
		return err
	}
	if err := d.schedules.Delete(ctx, s.ID); err != nil {
		return unavailable(err)
	}
	d.recordRule(ctx, activity.Record{Time: d.now().UTC(), Actor: c.Actor, Action: activity.Schedule, ServerID: s.ServerID,
		ServerName: s.ServerName, Outcome: activity.Started, Detail: "deleted; the snapshots it made stay"})
	return nil
}

// RunScheduleNow starts a run of a schedule at once, for a person testing
// it; ErrRunning when one is under way.
func (d *Dashboard) RunScheduleNow(ctx context.Context, c ScheduleChange) (schedules.Run, error) {
	if !d.Automation() {
		return schedules.Run{}, schedules.ErrNoToken
	}
	s, _, err := d.changeable(ctx, c)
	if err != nil {
		return schedules.Run{}, err
	}
	return d.openRun(ctx, s, d.now().UTC().Truncate(time.Second), c.Actor)
}

// openRun opens the run of a schedule's slot and starts its job; a run the
// slot already had is returned as it is, its job started again only if
// River has none (a replica died between the two).
func (d *Dashboard) openRun(ctx context.Context, s schedules.Schedule, slot time.Time, actor string) (schedules.Run, error) {
	manual := actor != ""
	run, created, err := d.schedules.Open(ctx, schedules.Run{ScheduleID: s.ID, ServerID: s.ServerID, ServerName: s.ServerName,
		Slot: slot, Manual: manual, Actor: actor})
	if err != nil {
		return run, unavailable(err)
	}
	if created {
		if actor == "" {
			actor = automationActor
		}
		rec := activity.Record{Time: run.Started, Actor: actor, Action: activity.Scheduled, ServerID: s.ServerID,
			ServerName: s.ServerName, Outcome: activity.Started, Detail: runDetail(s, run)}
		if d.activity != nil {
			if id, err := d.activity.Add(context.WithoutCancel(ctx), rec); err == nil {
				run.ActivityID = id
				_, _ = d.schedules.Move(ctx, run.Step, run)
			} else {
				d.log.ErrorContext(ctx, "activity not stored", "error", err)
			}
		}
		d.observe("started", 0)
		if run.State == schedules.Skipped {
			d.finishRun(context.WithoutCancel(ctx), run, activity.Skipped)
			return run, nil
		}
	}
	if run.State == schedules.Running {
		return run, d.jobs.ScheduledRun(ctx, run.ID)
	}
	return run, nil
}

func runDetail(s schedules.Schedule, r schedules.Run) string {
	if r.Manual {
		return "run now, " + Summary(s)
	}
	return "due " + r.Slot.Format("2006-01-02 15:04") + " UTC, " + Summary(s)
}

// StartDueRuns starts the runs of every schedule that is due, once across
// replicas, and moves each schedule's next run past now: a schedule that
// missed several runs while Snapdash was down runs once. River's leader
// calls it every tick.
func (d *Dashboard) StartDueRuns(ctx context.Context) error {
	if !d.Automation() {
		return nil
	}
	now := d.now().UTC()
	due, err := d.schedules.Due(ctx, now)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range due {
		// The run first, then the next time: a replica that dies between
		// the two leaves the slot to open again, which finds its run.
		if _, err := d.openRun(ctx, s, s.NextRun, ""); err != nil && !errors.Is(err, schedules.ErrRunning) {
			errs = append(errs, fmt.Errorf("schedule %d: %w", s.ID, err))
			continue
		}
		if _, err := d.schedules.Advance(ctx, s.ID, s.NextRun, s.Next(now)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// AdvanceRun moves a scheduled run on by one step with the automation
// token: at most one call that changes anything, recorded before and after.
func (d *Dashboard) AdvanceRun(ctx context.Context, id int64) (jobs.Next, error) {
	r, err := d.schedules.Run(ctx, id)
	if err != nil {
		return jobs.Next{}, err
	}
	if r.State != schedules.Running {
		return jobs.Next{Done: true}, nil
	}
	if d.automation == "" {
		d.endRun(ctx, r, schedules.Skipped, "no automation token is configured")
		return jobs.Next{Done: true}, nil
	}
	s, err := d.schedules.Get(ctx, r.ScheduleID)
	if errors.Is(err, schedules.ErrNotFound) {
		why := "its schedule was deleted; nothing was sent"
		if r.Step != schedules.StepCheck {
			why = "its schedule was deleted while it ran; " + r.SnapshotName + " stays, as an ordinary snapshot, and nothing was deleted"
		}
		d.endRun(ctx, r, schedules.Skipped, why)
		return jobs.Next{Done: true}, nil
	}
	if err != nil {
		return jobs.Next{Wait: vpsapi.Pace(2)}, err
	}
	next, err := d.advanceRun(ctx, s, r)
	if errors.Is(err, vpsapi.ErrUnauthorized) {
		d.automationRefused(ctx)
		d.endRunAs(ctx, r, schedules.Failed, activity.TokenRefused, TokenRefusedWhy)
		return jobs.Next{Done: true}, nil
	}
	return next, err
}

func (d *Dashboard) advanceRun(ctx context.Context, s schedules.Schedule, r schedules.Run) (jobs.Next, error) {
	token := d.automation
	wait := jobs.Next{Wait: vpsapi.PaceAfter(d.now().Sub(r.Updated))}
	switch r.Step {
	case schedules.StepCheck:
		if s.Paused && !r.Manual {
			d.endRun(ctx, r, schedules.Skipped, "the schedule is paused")
			return jobs.Next{Done: true}, nil
		}
		if s.SkipRestoring {
			srv, err := d.api.GetServer(ctx, token, r.ServerID)
			if err != nil && !errors.Is(err, vpsapi.ErrNotFound) {
				return wait, err
			}
			if srv.Status == vpsapi.ServerRestoring || d.restoreRunning(ctx, r.ServerID) {
				d.endRun(ctx, r, schedules.Skipped, "the server was restoring; nothing was sent")
				return jobs.Next{Done: true}, nil
			}
		}
		snaps, err := d.api.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		if next, done, err := d.makeRoom(ctx, s, r, snaps); done || err != nil {
			return next, err
		}
		if len(snaps) >= Limit {
			d.endRun(ctx, r, schedules.Skipped, fmt.Sprintf("the server has %d of %d snapshots; nothing was deleted to make room", len(snaps), Limit))
			return jobs.Next{Done: true}, nil
		}
		r.SnapshotName = schedules.SnapshotName(s.ServerName, d.now(), func(n string) bool {
			return slices.ContainsFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.Name == n })
		})
		r.Step = schedules.StepCreateSending
		moved, err := d.schedules.Move(ctx, schedules.StepCheck, r)
		if err != nil || !moved {
			return jobs.Next{Wait: time.Second}, err
		}
		return d.sendCreate(ctx, s, r)
	case schedules.StepPruneSending:
		return d.resumePrune(ctx, s, r)
	case schedules.StepCreateSending:
		// Found here on a later run, the create may have been sent before a
		// replica died or its answer was lost: the list tells; it is never
		// sent again.
		snaps, err := d.api.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		for _, sn := range snaps {
			if sn.Name == r.SnapshotName && !sn.CreatedAt.Before(r.Started.Add(-lostAnswerWindow)) {
				return d.created(ctx, s, r, sn)
			}
		}
		if d.now().Sub(r.Updated) < lostAnswerWindow {
			return wait, nil // an answer lost may show in the list a little later
		}
		d.endRun(ctx, r, schedules.Failed, "it is not known whether VPS.org received the create, and "+r.SnapshotName+" is not listed; it was not sent again")
		return jobs.Next{Done: true}, nil
	case schedules.StepWaiting:
		snaps, err := d.api.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		i := slices.IndexFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == r.SnapshotID })
		switch {
		case i < 0:
			d.endRun(ctx, r, schedules.Failed, r.SnapshotName+" is gone from VPS.org; nothing was deleted")
			return jobs.Next{Done: true}, nil
		case snaps[i].Failed():
			d.endRun(ctx, r, schedules.Failed, r.SnapshotName+" "+snaps[i].Status+"; nothing was deleted")
			return jobs.Next{Done: true}, nil
		case !snaps[i].Done():
			if d.now().Sub(r.Started) > RunLimit {
				d.endRun(ctx, r, schedules.Failed, fmt.Sprintf("%s was still %s after %d min; nothing was deleted",
					r.SnapshotName, strings.ReplaceAll(snaps[i].Status, "_", " "), int(RunLimit/time.Minute)))
				return jobs.Next{Done: true}, nil
			}
			return wait, nil
		}
		return d.moveRun(ctx, r, schedules.StepWaiting, func(r *schedules.Run) { r.Step = schedules.StepRotating })
	case schedules.StepRotating:
		snaps, err := d.api.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		victim, kept, err := d.oldestBeyondKeep(ctx, s, snaps)
		if errors.Is(err, ErrUnprotected) {
			return d.unprotected(ctx, r, err)
		}
		if err != nil {
			return wait, err
		}
		if victim.ID == 0 {
			d.endRun(ctx, r, schedules.Completed, completedWords(r, kept))
			return jobs.Next{Done: true}, nil
		}
		r.Step, r.DeleteID = schedules.StepDeleteSending, victim.ID
		moved, err := d.schedules.Move(ctx, schedules.StepRotating, r)
		if err != nil || !moved {
			return jobs.Next{Wait: time.Second}, err
		}
		return d.sendRetentionDelete(ctx, s, r, victim)
	case schedules.StepDeleteSending:
		// Deleting twice is harmless: a second delete finds nothing. The
		// checks run again, in case it was pinned or put to use meanwhile.
		snaps, err := d.api.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		i := slices.IndexFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == r.DeleteID })
		if i < 0 {
			return d.deleted(ctx, s, r, vpsapi.Snapshot{ID: r.DeleteID})
		}
		prot, err := d.Protection(ctx, d.automation, map[int64]string{r.ServerID: ""})
		if err != nil {
			return d.unprotected(ctx, r, err)
		}
		if prot.Why(r.DeleteID) != "" {
			return d.moveRun(ctx, r, schedules.StepDeleteSending, func(r *schedules.Run) { r.Step, r.DeleteID = schedules.StepRotating, 0 })
		}
		return d.sendRetentionDelete(ctx, s, r, snaps[i])
	}
	return jobs.Next{Done: true}, fmt.Errorf("dashboard: run %d at unknown step %q", r.ID, r.Step)
}

// sendCreate sends the run's create, recorded at StepCreateSending before.
func (d *Dashboard) sendCreate(ctx context.Context, s schedules.Schedule, r schedules.Run) (jobs.Next, error) {
	created, err := d.api.CreateSnapshot(ctx, d.automation, vpsapi.CreateRequest{ServerID: r.ServerID, Name: r.SnapshotName,
		Description: "Scheduled by Snapdash: " + s.Describe() + ", keeps " + fmt.Sprint(s.Keep)})
	if err != nil {
		var ve *vpsapi.Error
		if errors.As(err, &ve) && (errors.Is(err, vpsapi.ErrRejected) || errors.Is(err, vpsapi.ErrNotFound)) {
			d.endRun(ctx, r, schedules.Failed, "VPS.org refused the snapshot: "+ve.Summary()+"; nothing was deleted")
			return jobs.Next{Done: true}, nil
		}
		if errors.Is(err, vpsapi.ErrUnauthorized) {
			return jobs.Next{}, err
		}
		// No answer: the next run lists, and never sends it again.
		return jobs.Next{Wait: time.Second}, nil
	}
	return d.created(ctx, s, r, created.Snapshot)
}

// created records the run's snapshot as its schedule's own, then waits for it.
func (d *Dashboard) created(ctx context.Context, s schedules.Schedule, r schedules.Run, sn vpsapi.Snapshot) (jobs.Next, error) {
	ctx = context.WithoutCancel(ctx)
	if err := d.schedules.Own(ctx, schedules.Owned{SnapshotID: sn.ID, ScheduleID: s.ID, ServerID: r.ServerID, Name: sn.Name, Created: sn.CreatedAt}); err != nil {
		return jobs.Next{Wait: time.Second}, err
	}
	return d.moveRun(ctx, r, schedules.StepCreateSending, func(r *schedules.Run) { r.Step, r.SnapshotID = schedules.StepWaiting, sn.ID })
}

// oldestBeyondKeep is the oldest completed snapshot this schedule made that
// is beyond its keep count and may be deleted (not pinned, not in use); a
// zero snapshot when there is none. kept counts what stays of its own.
// Snapshots it made that are gone from VPS.org are forgotten.
func (d *Dashboard) oldestBeyondKeep(ctx context.Context, s schedules.Schedule, snaps []vpsapi.Snapshot) (vpsapi.Snapshot, int, error) {
	owned, err := d.schedules.Owned(ctx, s.ID)
	if err != nil {
		return vpsapi.Snapshot{}, 0, err
	}
	var mine []vpsapi.Snapshot
	for _, o := range owned {
		i := slices.IndexFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == o.SnapshotID })
		switch {
		case i < 0:
			if err := d.schedules.Disown(ctx, o.SnapshotID); err != nil {
				d.log.WarnContext(ctx, "a gone snapshot not forgotten", "snapshot_id", o.SnapshotID, "error", err)
			}
		case snaps[i].Status == vpsapi.StatusCompleted && snaps[i].Server.ID == s.ServerID:
			mine = append(mine, snaps[i])
		}
	}
	// Newest first; the keep count's newest stay.
	slices.SortFunc(mine, func(a, b vpsapi.Snapshot) int { return b.CreatedAt.Compare(a.CreatedAt) })
	kept := min(len(mine), s.Keep)
	prot, err := d.Protection(ctx, d.automation, map[int64]string{s.ServerID: ""})
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
func (d *Dashboard) unprotected(ctx context.Context, r schedules.Run, err error) (jobs.Next, error) {
	d.log.WarnContext(ctx, "retention skipped: pins and running restores not read", "run_id", r.ID, "error", err)
	d.endRun(ctx, r, schedules.Failed, r.SnapshotName+" completed, but Snapdash could not read its pins and running restores, so nothing was deleted")
	return jobs.Next{Done: true}, nil
}

func (d *Dashboard) restoreRunning(ctx context.Context, serverID int64) bool {
	_, ok := d.RunningRestores(ctx, []int64{serverID})[serverID]
	return ok
}

// sendRetentionDelete deletes one of the schedule's old snapshots, recorded
// at StepDeleteSending before.
func (d *Dashboard) sendRetentionDelete(ctx context.Context, s schedules.Schedule, r schedules.Run, victim vpsapi.Snapshot) (jobs.Next, error) {
	err := d.api.DeleteSnapshot(ctx, d.automation, victim.ID)
	if err != nil && !errors.Is(err, vpsapi.ErrNotFound) {
		var ve *vpsapi.Error
		if errors.As(err, &ve) && errors.Is(err, vpsapi.ErrRejected) {
			d.endRun(ctx, r, schedules.Failed, r.SnapshotName+" completed, but VPS.org refused to delete "+victim.Name+": "+ve.Summary())
			return jobs.Next{Done: true}, nil
		}
		if errors.Is(err, vpsapi.ErrUnauthorized) {
			return jobs.Next{}, err
		}
		return jobs.Next{Wait: time.Second}, nil // the next run lists and deletes again if still there
	}
	return d.deleted(ctx, s, r, victim)
}

// deleted records one of the schedule's snapshots deleted, and goes on rotating.
func (d *Dashboard) deleted(ctx context.Context, s schedules.Schedule, r schedules.Run, sn vpsapi.Snapshot) (jobs.Next, error) {
	return d.deletedOwn(ctx, s, r, sn, schedules.StepDeleteSending, schedules.StepRotating, fmt.Sprintf("retention of the schedule (keeps %d)", s.Keep))
}

// deletedOwn records that one of the schedule's own snapshots was deleted
// at step from, and moves the run on to step to.
func (d *Dashboard) deletedOwn(ctx context.Context, s schedules.Schedule, r schedules.Run, sn vpsapi.Snapshot, from, to, why string) (jobs.Next, error) {
	ctx = context.WithoutCancel(ctx)
	if err := d.schedules.Disown(ctx, sn.ID); err != nil {
		return jobs.Next{Wait: time.Second}, err
	}
	name := sn.Name
	if name == "" {
		name = fmt.Sprintf("snapshot %d", sn.ID)
	}
	d.recordRule(ctx, activity.Record{Time: d.now().UTC(), Actor: automationActor, Action: activity.Delete, ServerID: s.ServerID,
		ServerName: s.ServerName, SnapshotID: sn.ID, SnapshotName: name, Outcome: activity.Started,
		Detail: why})
	return d.moveRun(ctx, r, from, func(r *schedules.Run) {
		r.Step, r.DeleteID = to, 0
		if r.Deleted != "" {
			r.Deleted += ", "
		}
		r.Deleted += name
	})
}

func completedWords(r schedules.Run, kept int) string {
	words := fmt.Sprintf("%s completed; %d of its own kept", r.SnapshotName, kept)
	if r.Deleted != "" {
		words += "; deleted " + r.Deleted
	}
	return words
}

// moveRun records the run's next step, from step.
func (d *Dashboard) moveRun(ctx context.Context, r schedules.Run, from string, change func(*schedules.Run)) (jobs.Next, error) {
	change(&r)
	if _, err := d.schedules.Move(context.WithoutCancel(ctx), from, r); err != nil {
		return jobs.Next{Wait: time.Second}, err
	}
	return jobs.Next{Wait: vpsapi.Pace(0)}, nil
}

// endRun records how a run ended, once (another replica may have ended it
// first), then tells everyone (finishRun); the record's final outcome
// follows the run's state.
func (d *Dashboard) endRun(ctx context.Context, r schedules.Run, state, detail string) {
	final := map[string]string{schedules.Completed: activity.Completed, schedules.Skipped: activity.Skipped, schedules.Failed: activity.Failed}[state]
	d.endRunAs(ctx, r, state, final, detail)
}

// endRunAs is endRun with the record's final outcome given.
func (d *Dashboard) endRunAs(ctx context.Context, r schedules.Run, state, final, detail string) {
	ctx = context.WithoutCancel(ctx)
	from := r.Step
	r.State, r.Detail, r.Finished = state, detail, d.now().UTC()
	moved, err := d.schedules.Move(ctx, from, r)
	if err != nil {
		d.log.ErrorContext(ctx, "run's end not stored", "run_id", r.ID, "error", err)
	}
	if moved {
		d.finishRun(ctx, r, final)
	}
}

// finishRun records a run's end on its schedule and its activity record,
// and in the metrics, the log and the notifications.
// The schedule's own line is written last: once it shows the run, the
// record and any alert show it too.
func (d *Dashboard) finishRun(ctx context.Context, r schedules.Run, final string) {
	if r.ActivityID != 0 && d.activity != nil {
		if _, err := d.activity.Finish(ctx, r.ActivityID, final, r.Detail, r.Finished); err != nil {
			d.log.ErrorContext(ctx, "run's outcome not stored", "run_id", r.ID, "error", err)
		}
	}
	if r.State == schedules.Failed || r.State == schedules.Skipped {
		d.watchStreak(ctx, r)
	}
	if err := d.schedules.Finished(ctx, r); err != nil {
		d.log.ErrorContext(ctx, "run's end not stored on its schedule", "run_id", r.ID, "error", err)
	}
	took := r.Finished.Sub(r.Started)
	d.observe(r.State, took)
	person := automationActor
	if r.Manual {
		person = r.Actor + " (run now)"
	}
	if d.jobs != nil {
		d.jobs.Notify(ctx, jobs.Notice{Action: "scheduled snapshot", Server: r.ServerName, ServerID: r.ServerID,
			Snapshot: r.SnapshotName, Person: person, Outcome: final, Detail: r.Detail, Duration: took})
	}
	d.log.InfoContext(ctx, "scheduled run ended", "run_id", r.ID, "schedule_id", r.ScheduleID, "server_id", r.ServerID,
		"state", r.State, "detail", r.Detail, "duration", took.Round(time.Second).String())
}

// automationRefused pauses every schedule: VPS.org refused the automation
// token, and every run would be refused too.
func (d *Dashboard) automationRefused(ctx context.Context) {
	n, err := d.schedules.PauseAll(context.WithoutCancel(ctx), TokenRefusedWhy)
	if err != nil {
		d.log.ErrorContext(ctx, "schedules not paused after the automation token was refused", "error", err)
		return
	}
	if n > 0 {
		d.log.ErrorContext(ctx, "VPS.org refused the automation token; every schedule is paused", "schedules", n)
	}
}

func (d *Dashboard) observe(outcome string, took time.Duration) {
	if d.observeRun != nil {
		d.observeRun(outcome, took)
	}
}
