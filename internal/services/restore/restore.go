package restore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/snapdash/snapdash/internal/i18n"

	"github.com/riverqueue/river"
	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// Limits of a restore with a safety snapshot.
const (
	// SafetyLimit is how long the safety snapshot may take to complete;
	// past it nothing is restored.
	SafetyLimit = 30 * time.Minute
	// RestoringLimit is how long the server may take to run again.
	RestoringLimit = time.Hour
)

// SafetyName is the safety snapshot's name for a restore started at now:
// before-restore-YYYYMMDD-HHMM, with -2, -3, … when the server has it already.
func SafetyName(now time.Time, snaps []vpsapi.Snapshot) string {
	base := "before-restore-" + now.UTC().Format("20060102-1504")
	name := base
	for n := 2; slices.ContainsFunc(snaps, func(s vpsapi.Snapshot) bool { return s.Name == name }); n++ {
		name = base + "-" + strconv.Itoa(n)
	}
	return name
}

// Plan is what the restore dialog offers for a snapshot of a server.
type Plan struct {
	SafetyName string            // the safety snapshot's name, if one is taken
	FreeSlot   bool              // a safety snapshot fits without deleting one
	Deletable  []vpsapi.Snapshot // what may be deleted to free a slot, newest first
	Running    *restores.Restore // a restore of this server already running
}

// Plan lists what the restore dialog offers: one call to VPS.org.
func (s *Service) Plan(ctx context.Context, token vpsapi.Token, serverID, snapshotID int64) (Plan, error) {
	snaps, err := s.api.ListSnapshots(ctx, token, serverID)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{SafetyName: SafetyName(s.now(), snaps), FreeSlot: len(snaps) < dashboard.Limit}
	prot, err := s.dash.Protection(ctx, token, map[int64]string{serverID: ""})
	if err != nil {
		return Plan{}, err
	}
	p.Deletable = deletable(snaps, snapshotID, prot)
	running, err := s.restores.Running(ctx, []int64{serverID})
	if err == nil && len(running) > 0 {
		p.Running = &running[0]
	}
	return p, nil
}

// deletable is what may be deleted to free a slot: never the snapshot being
// restored, never one in progress, and nothing the one rule of what must not
// be deleted protects (a pinned snapshot, one a running restore reads from
// or made, among them a plain restore's while its server restores).
func deletable(snaps []vpsapi.Snapshot, restoring int64, prot dashboard.Protected) []vpsapi.Snapshot {
	var out []vpsapi.Snapshot
	for _, s := range snaps {
		if s.ID != restoring && s.Done() && prot.Why(s.ID) == "" {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b vpsapi.Snapshot) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out
}

// startSafeRestore checks the plan still holds, records the restore and
// starts its job. Nothing reaches VPS.org here: the job sends every call. A
// restore without a safety snapshot is sent at once, as Act's own.
func (s *Service) startSafeRestore(ctx context.Context, a dashboard.Action) (dashboard.Result, error) {
	// One restore of a server at a time: one that runs already (a
	// teammate's plain restore, or VPS.org's console) is waited for, not
	// snapshotted under.
	if err := s.notRestoring(ctx, a.Token, a.ServerID); err != nil {
		return dashboard.Result{}, dashboard.BeforeSending(err)
	}
	snaps, err := s.api.ListSnapshots(ctx, a.Token, a.ServerID)
	if err != nil {
		return dashboard.Result{}, dashboard.BeforeSending(err)
	}
	i := slices.IndexFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == a.SnapshotID })
	if i < 0 {
		return dashboard.Result{}, dashboard.BeforeSending(fmt.Errorf("%w: snapshot %d", vpsapi.ErrNotFound, a.SnapshotID))
	}
	r := restores.Restore{
		Actor: a.Actor, Groups: a.Groups, ServerID: a.ServerID, ServerName: a.ServerName, SnapshotID: a.SnapshotID, SnapshotName: snaps[i].Name,
		SafetyName: SafetyName(s.now(), snaps), Step: restores.StepCreateSending, Started: s.now().UTC(),
	}
	if a.DeleteFirst != 0 {
		prot, err := s.dash.Protection(ctx, a.Token, map[int64]string{a.ServerID: ""})
		if err != nil {
			return dashboard.Result{}, dashboard.BeforeSending(err)
		}
		free := deletable(snaps, a.SnapshotID, prot)
		j := slices.IndexFunc(free, func(s vpsapi.Snapshot) bool { return s.ID == a.DeleteFirst })
		if j < 0 {
			return dashboard.Result{}, dashboard.BeforeSending(dashboard.ErrBadDeleteChoice)
		}
		r.DeleteID, r.DeleteName, r.Step = a.DeleteFirst, free[j].Name, restores.StepDeleteSending
	} else if len(snaps) >= dashboard.Limit {
		return dashboard.Result{}, dashboard.BeforeSending(dashboard.ErrNoFreeSlot)
	}
	detail := i18n.Nf("safety snapshot %s first", r.SafetyName)
	if r.DeleteName != "" {
		detail = i18n.Nf("deleting %s, then safety snapshot %s first", r.DeleteName, r.SafetyName)
	}
	return s.startRestoreJob(ctx, a, r, activity.Record{Time: r.Started, Actor: a.Actor, Action: dashboard.Restore, ServerID: a.ServerID, ServerName: a.ServerName,
		SnapshotID: a.SnapshotID, SnapshotName: r.SnapshotName, Outcome: activity.Started, Detail: detail})
}

// startRestoreJob records a job on the restores' steps (rec, its row, one
// running per server, and the job with the person's token sealed) in one
// transaction: all of it, or nothing. Nothing reaches VPS.org here: the
// job sends every call.
func (s *Service) startRestoreJob(ctx context.Context, a dashboard.Action, r restores.Restore, rec activity.Record) (dashboard.Result, error) {
	if running, err := s.restores.Running(ctx, []int64{a.ServerID}); err != nil {
		return dashboard.Result{}, dashboard.BeforeSending(err)
	} else if len(running) > 0 {
		return dashboard.Result{}, dashboard.BeforeSending(restores.ErrAlreadyRunning)
	}
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if r.ActivityID, err = tx.Activity().Add(ctx, rec); err != nil {
			return err
		}
		// Fails when another restore of the server started in between.
		if r.ID, err = tx.Restores().Add(ctx, r); err != nil {
			return err
		}
		p := jobs.Person{Session: a.Session, Token: a.Token, ActivityID: r.ActivityID, Life: jobLife + 15*time.Minute}
		return s.jobs.InsertWithTokenTx(ctx, tx, p, func(key string) (river.JobArgs, *river.InsertOpts) {
			return SafeRestoreArgs{RestoreID: r.ID, ActivityID: r.ActivityID, TokenKey: key}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
		})
	})
	if err != nil {
		return dashboard.Result{}, dashboard.BeforeSending(err)
	}
	if err := s.jobs.StopIfSessionEnded(ctx, a.Session); err != nil {
		s.log.WarnContext(ctx, "a restore whose session ended was not stopped; it stops at its next step", "restore_id", r.ID, "error", err)
	}
	s.log.InfoContext(ctx, "job on a restore's steps started", "kind", cmp.Or(r.Kind, restores.KindRestore), "actor", a.Actor, "server_id", a.ServerID,
		"snapshot_id", a.SnapshotID, "safety", r.SafetyName, "delete_first", r.DeleteID, "restore_id", r.ID)
	return dashboard.Result{SafeRestore: r}, nil
}

// Cancel stops a restore whose restore has not been sent;
// restores.ErrTooLate once it has. Only a person whose token sees the
// server may cancel its restore (one call to VPS.org tells).
func (s *Service) Cancel(ctx context.Context, token vpsapi.Token, serverID, restoreID int64) (restores.Restore, error) {
	r, err := s.restores.Get(ctx, restoreID)
	if err != nil {
		return restores.Restore{}, err
	}
	if r.ServerID != serverID {
		return restores.Restore{}, restores.ErrNotFound
	}
	servers, err := s.dash.Servers(ctx, token)
	if err != nil {
		return restores.Restore{}, err
	}
	if !slices.ContainsFunc(servers, func(s vpsapi.Server) bool { return s.ID == serverID }) {
		return restores.Restore{}, restores.ErrNotFound
	}
	if err := s.restores.Cancel(ctx, restoreID); err != nil {
		return restores.Restore{}, err
	}
	r.CancelRequested = true
	return r, nil
}

// Get reads a restore of serverID, running or ended: for a poll that
// saw its job end.
func (s *Service) Get(ctx context.Context, serverID, id int64) (restores.Restore, error) {
	r, err := s.restores.Get(ctx, id)
	if err == nil && r.ServerID != serverID {
		return restores.Restore{}, restores.ErrNotFound
	}
	return r, err
}

// notRestoring is restores.ErrAlreadyRunning while the server restores
// (dashboard.Restoring): VPS.org takes no snapshot of it then, so nothing
// is deleted to make room for one and no safety snapshot is taken.
func (s *Service) notRestoring(ctx context.Context, token vpsapi.Token, serverID int64) error {
	status, err := s.dash.ServerStatus(ctx, token, serverID)
	if err != nil {
		return err
	}
	restoring, err := s.dash.Restoring(ctx, serverID, status)
	if err == nil && restoring {
		err = restores.ErrAlreadyRunning
	}
	return err
}
