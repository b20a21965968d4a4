package schedule

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// Limits of a scheduled run.
const (
	// RunLimit is how long a run's snapshot may take to complete; past it
	// the run fails and deletes nothing.
	RunLimit = time.Hour
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

// Change is a person changing a schedule.
type Change struct {
	Actor    string
	Groups   []string
	Token    vpsapi.Token
	Schedule schedules.Schedule // ServerID and the settings; ID for an edit
	// ConfirmRoom: the person was warned the server has fewer free slots
	// than the schedule keeps, and saves it anyway.
	ConfirmRoom bool
}

// Automation reports whether schedules can run: the operator gave an
// automation token.
func (svc *Service) Automation() bool {
	return svc.automation != ""
}

// ServerOf is the server of a schedule, 0 when there is none: for the
// record of a refusal, before anything about the schedule is shown.
func (svc *Service) ServerOf(ctx context.Context, id int64) int64 {
	s, err := svc.schedules.Get(ctx, id)
	if err != nil {
		return 0
	}
	return s.ServerID
}

// Overview is what the schedules page shows a person: their
// servers, and the schedules of those with their newest runs.
type Overview struct {
	Servers   []vpsapi.Server
	Schedules []schedules.Schedule
	Runs      map[int64][]schedules.Run // by schedule id, newest first
}

// RunsShown is how many of a schedule's runs the page lists.
const RunsShown = 5

// Overview loads the schedules of the servers the person's token sees:
// one call to VPS.org.
func (svc *Service) Overview(ctx context.Context, token vpsapi.Token) (Overview, error) {
	servers, err := svc.dash.Servers(ctx, token)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{Servers: servers, Runs: map[int64][]schedules.Run{}}
	if len(servers) == 0 {
		return o, nil
	}
	ids := make([]int64, len(servers))
	for i, s := range servers {
		ids[i] = s.ID
	}
	if o.Schedules, err = svc.schedules.List(ctx, ids); err != nil {
		return o, unavailable(err)
	}
	sids := make([]int64, len(o.Schedules))
	for i, s := range o.Schedules {
		sids[i] = s.ID
	}
	if o.Runs, err = svc.schedules.Recent(ctx, sids, RunsShown); err != nil {
		o.Schedules, o.Runs = nil, map[int64][]schedules.Run{}
		return o, unavailable(err)
	}
	return o, nil
}

// Get reads one schedule of a server the person's token sees.
func (svc *Service) Get(ctx context.Context, token vpsapi.Token, id int64) (schedules.Schedule, error) {
	s, err := svc.schedules.Get(ctx, id)
	if err != nil {
		return s, unavailable(err)
	}
	if _, err := svc.dash.VisibleServer(ctx, token, s.ServerID); err != nil {
		if errors.Is(err, vpsapi.ErrNotFound) {
			return schedules.Schedule{}, schedules.ErrNotFound
		}
		return schedules.Schedule{}, err
	}
	return s, nil
}

// changeable reads the schedule a change is about (or takes the new one),
// with its server, which the person's token must see, after the
// roles allowed the change.
func (svc *Service) changeable(ctx context.Context, c Change) (schedules.Schedule, vpsapi.Server, error) {
	if ok, why := svc.roles.Allows(c.Groups, dashboard.ScheduleAction); !ok {
		return schedules.Schedule{}, vpsapi.Server{}, fmt.Errorf("%w: %s", schedules.ErrNotAllowed, why)
	}
	s := c.Schedule
	if s.ID != 0 {
		var err error
		if s, err = svc.schedules.Get(ctx, s.ID); err != nil {
			return s, vpsapi.Server{}, unavailable(err)
		}
	}
	srv, err := svc.dash.VisibleServer(ctx, c.Token, s.ServerID)
	if errors.Is(err, vpsapi.ErrNotFound) && s.ID != 0 {
		return s, srv, schedules.ErrNotFound // someone else's server: as if there were none
	}
	return s, srv, err
}

// Save adds a server's schedule or changes it, for a person allowed
// to and whose token sees the server, and records it. A paused schedule
// stays paused.
func (svc *Service) Save(ctx context.Context, c Change) (schedules.Schedule, error) {
	if svc.automation == "" {
		return schedules.Schedule{}, schedules.ErrNoToken
	}
	if c.Schedule.ID != 0 && svc.schedules != nil {
		// An edit keeps its server.
		old, err := svc.schedules.Get(ctx, c.Schedule.ID)
		if err != nil {
			return c.Schedule, unavailable(err)
		}
		c.Schedule.ServerID = old.ServerID
	}
	if err := c.Schedule.Validate(); err != nil {
		return c.Schedule, err
	}
	old, srv, err := svc.changeable(ctx, c)
	if err != nil {
		return c.Schedule, err
	}
	if !c.ConfirmRoom {
		if err := svc.roomForSchedule(ctx, c.Token, c.Schedule, srv.Name); err != nil {
			return c.Schedule, err
		}
	}
	s := c.Schedule
	s.ServerName, s.UpdatedBy = srv.Name, c.Actor
	s.NextRun = s.Next(svc.now())
	detail := i18n.Nf("created: %s", Summary(s))
	if s.ID != 0 {
		detail = i18n.Nf("changed: %s", Summary(s))
		s.Paused, s.PausedWhy = old.Paused, old.PausedWhy
		err = svc.schedules.Update(ctx, s)
	} else {
		s.ID, err = svc.schedules.Add(ctx, s)
	}
	if err != nil {
		return s, unavailable(err)
	}
	svc.dash.RecordDecision(ctx, activity.Record{Time: svc.now().UTC(), Actor: c.Actor, Action: activity.Schedule, ServerID: s.ServerID,
		ServerName: s.ServerName, Outcome: activity.Started, Detail: detail})
	return s, nil
}

// Summary is a schedule in a line: how often, what it keeps, its rule.
func Summary(s schedules.Schedule) string { return SummaryIn(nil, s) }

// SummaryIn is Summary in tr's language.
func SummaryIn(tr *i18n.Translator, s schedules.Schedule) string {
	if s.SkipRestoring {
		return tr.T("%s, keeps its %d newest, skips while the server restores", s.DescribeIn(tr), s.Keep)
	}
	return tr.T("%s, keeps its %d newest", s.DescribeIn(tr), s.Keep)
}

// Pause pauses or resumes a schedule. A resumed schedule runs at
// its next time, not at once.
func (svc *Service) Pause(ctx context.Context, c Change, pause bool) (schedules.Schedule, error) {
	s, _, err := svc.changeable(ctx, c)
	if err != nil {
		return s, err
	}
	if s.Paused == pause && (pause || s.PausedWhy == "") {
		return s, nil
	}
	detail := i18n.N("paused")
	if !pause {
		detail = i18n.N("resumed")
		if svc.automation == "" {
			return s, schedules.ErrNoToken
		}
	}
	s.Paused, s.PausedWhy, s.UpdatedBy = pause, "", c.Actor
	if !pause {
		s.Alert = "" // a person resumed it: what it said is seen
	}
	s.NextRun = s.Next(svc.now())
	if err := svc.schedules.Update(ctx, s); err != nil {
		return s, unavailable(err)
	}
	svc.dash.RecordDecision(ctx, activity.Record{Time: svc.now().UTC(), Actor: c.Actor, Action: activity.Schedule, ServerID: s.ServerID,
		ServerName: s.ServerName, Outcome: activity.Started, Detail: detail})
	return s, nil
}

// Delete removes a schedule. The snapshots it made stay, as
// ordinary snapshots no retention deletes.
func (svc *Service) Delete(ctx context.Context, c Change) error {
	s, _, err := svc.changeable(ctx, c)
	if err != nil {
		return err
	}
	if err := svc.schedules.Delete(ctx, s.ID); err != nil {
		return unavailable(err)
	}
	svc.dash.RecordDecision(ctx, activity.Record{Time: svc.now().UTC(), Actor: c.Actor, Action: activity.Schedule, ServerID: s.ServerID,
		ServerName: s.ServerName, Outcome: activity.Started, Detail: i18n.N("deleted; the snapshots it made stay")})
	return nil
}

// RunNow starts a run of a schedule at once, for a person testing
// it; ErrRunning when one is under way.
func (svc *Service) RunNow(ctx context.Context, c Change) (schedules.Run, error) {
	if !svc.Automation() {
		return schedules.Run{}, schedules.ErrNoToken
	}
	s, _, err := svc.changeable(ctx, c)
	if err != nil {
		return schedules.Run{}, err
	}
	return svc.openRun(ctx, s, svc.now().UTC().Truncate(time.Second), c.Actor)
}

// openRun opens the run of a schedule's slot, its record and its job in one
// transaction: a run is never open without its job, nor its job there
// without its record. A run the slot already had is returned as it is, its
// job inserted again only if River has none (a run opened before runs and
// jobs were written together).
func (svc *Service) openRun(ctx context.Context, s schedules.Schedule, slot time.Time, actor string) (schedules.Run, error) {
	ctx = context.WithoutCancel(ctx)
	var run schedules.Run
	var created bool
	err := svc.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		run, created, err = tx.Schedules().Open(ctx, schedules.Run{ScheduleID: s.ID, ServerID: s.ServerID, ServerName: s.ServerName,
			Slot: slot, Manual: actor != "", Actor: actor})
		if err != nil {
			return err
		}
		if created {
			rec := activity.Record{Time: run.Started, Actor: cmp.Or(actor, activity.Automation), Action: activity.Scheduled, ServerID: s.ServerID,
				ServerName: s.ServerName, Outcome: activity.Started, Detail: runDetail(s, run)}
			if run.ActivityID, err = tx.Activity().Add(ctx, rec); err != nil {
				return err
			}
			if _, err := tx.Schedules().Move(ctx, run.Step, run); err != nil {
				return err
			}
		}
		if run.State != schedules.Running {
			return nil
		}
		args, opts := runJob(run.ID)
		_, err = svc.jobs.InsertTx(ctx, tx, args, opts)
		return err
	})
	if err != nil {
		return run, unavailable(err)
	}
	if created {
		svc.observe("started", 0)
		if run.State == schedules.Skipped {
			svc.finishRun(ctx, run, activity.Skipped)
		}
	}
	return run, nil
}

func runDetail(s schedules.Schedule, r schedules.Run) string {
	if r.Manual {
		return i18n.Nf("run now, %s", Summary(s))
	}
	return i18n.Nf("due %s UTC, %s", r.Slot.Format("2006-01-02 15:04"), Summary(s))
}
