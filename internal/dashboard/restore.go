package dashboard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/vpsapi"
)

// Errors of a restore with a safety snapshot, found before anything is sent.
var (
	// ErrNoFreeSlot: the server has Limit snapshots, so a safety snapshot
	// needs one deleted first (or the restore made without one).
	ErrNoFreeSlot = errors.New("the server has no free snapshot slot")
	// ErrBadDeleteChoice: the snapshot chosen to free a slot cannot be
	// deleted: it is the one being restored, in progress, or gone.
	ErrBadDeleteChoice = errors.New("that snapshot cannot be deleted to free a slot")
	// ErrNoJobs: restores with a safety snapshot need the job engine.
	ErrNoJobs = errors.New("restores with a safety snapshot need the job engine")
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

// RestorePlan is what the restore dialog offers for a snapshot of a server.
type RestorePlan struct {
	SafetyName string            // the safety snapshot's name, if one is taken
	FreeSlot   bool              // a safety snapshot fits without deleting one
	Deletable  []vpsapi.Snapshot // what may be deleted to free a slot, newest first
	Running    *restores.Restore // a restore of this server already running
	Jobs       bool              // the job engine runs: a safety snapshot can be taken
}

// PlanRestore lists what the restore dialog offers: one call to VPS.org.
func (d *Dashboard) PlanRestore(ctx context.Context, token vpsapi.Token, serverID, snapshotID int64) (RestorePlan, error) {
	snaps, err := d.api.ListSnapshots(ctx, token, serverID)
	if err != nil {
		return RestorePlan{}, err
	}
	p := RestorePlan{SafetyName: SafetyName(d.now(), snaps), FreeSlot: len(snaps) < Limit, Jobs: d.jobs != nil && d.restores != nil}
	pins, err := d.pins(ctx, serverID)
	if err != nil {
		return RestorePlan{}, err
	}
	p.Deletable = deletable(snaps, snapshotID, pins)
	if d.restores != nil {
		running, err := d.restores.Running(ctx, []int64{serverID})
		if err == nil && len(running) > 0 {
			p.Running = &running[0]
		}
	}
	return p, nil
}

// deletable is what may be deleted to free a slot: never the snapshot being
// restored, never one in progress, never a pinned one. (A running restore's
// safety snapshot is on a server whose restores are one at a time: it is not
// offered because no second restore of that server can start.)
func deletable(snaps []vpsapi.Snapshot, restoring int64, pins map[int64]marks.Pin) []vpsapi.Snapshot {
	var out []vpsapi.Snapshot
	for _, s := range snaps {
		if _, pinned := pins[s.ID]; s.ID != restoring && s.Done() && !pinned {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b vpsapi.Snapshot) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out
}

// startSafeRestore checks the plan still holds, records the restore and
// starts its job. Nothing reaches VPS.org here: the job sends every call. A
// restore without a safety snapshot is sent at once, as Act's own.
func (d *Dashboard) startSafeRestore(ctx context.Context, a Action) (Result, error) {
	if d.jobs == nil || d.restores == nil || d.activity == nil {
		return Result{}, notSent{ErrNoJobs}
	}
	snaps, err := d.api.ListSnapshots(ctx, a.Token, a.ServerID)
	if err != nil {
		return Result{}, notSent{err}
	}
	i := slices.IndexFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == a.SnapshotID })
	if i < 0 {
		return Result{}, notSent{fmt.Errorf("%w: snapshot %d", vpsapi.ErrNotFound, a.SnapshotID)}
	}
	r := restores.Restore{
		Actor: a.Actor, Groups: a.Groups, ServerID: a.ServerID, ServerName: a.ServerName, SnapshotID: a.SnapshotID, SnapshotName: snaps[i].Name,
		SafetyName: SafetyName(d.now(), snaps), Step: restores.StepCreateSending, Started: d.now().UTC(),
	}
	if a.DeleteFirst != 0 {
		pins, err := d.pins(ctx, a.ServerID)
		if err != nil {
			return Result{}, notSent{err}
		}
		free := deletable(snaps, a.SnapshotID, pins)
		j := slices.IndexFunc(free, func(s vpsapi.Snapshot) bool { return s.ID == a.DeleteFirst })
		if j < 0 {
			return Result{}, notSent{ErrBadDeleteChoice}
		}
		r.DeleteID, r.DeleteName, r.Step = a.DeleteFirst, free[j].Name, restores.StepDeleteSending
	} else if len(snaps) >= Limit {
		return Result{}, notSent{ErrNoFreeSlot}
	}
	detail := "safety snapshot " + r.SafetyName + " first"
	if r.DeleteName != "" {
		detail = "deleting " + r.DeleteName + ", then safety snapshot " + r.SafetyName + " first"
	}
	return d.startRestoreJob(ctx, a, r, activity.Record{Time: r.Started, Actor: a.Actor, Action: Restore, ServerID: a.ServerID, ServerName: a.ServerName,
		SnapshotID: a.SnapshotID, SnapshotName: r.SnapshotName, Outcome: activity.Started, Detail: detail})
}

// startRestoreJob records a job on the restores' steps (rec, then its row,
// one running per server) and starts it with the person's token. Nothing
// reaches VPS.org here: the job sends every call.
func (d *Dashboard) startRestoreJob(ctx context.Context, a Action, r restores.Restore, rec activity.Record) (Result, error) {
	if running, err := d.restores.Running(ctx, []int64{a.ServerID}); err != nil {
		return Result{}, notSent{err}
	} else if len(running) > 0 {
		return Result{}, notSent{restores.ErrAlreadyRunning}
	}
	var err error
	if r.ActivityID, err = d.activity.Add(ctx, rec); err != nil {
		return Result{}, notSent{err}
	}
	d.forgetAttributions()
	if r.ID, err = d.restores.Add(ctx, r); err != nil {
		// Another restore of the server started in between.
		_, _ = d.activity.Finish(context.WithoutCancel(ctx), r.ActivityID, activity.Stopped, "another restore of this server started at the same time", d.now().UTC())
		return Result{}, notSent{err}
	}
	if err := d.jobs.Restore(ctx, r.ID, r.ActivityID, a.Session, a.Token); err != nil {
		d.endRestore(context.WithoutCancel(ctx), r, restores.Failed, activity.Stopped, "the job could not start: "+err.Error())
		return Result{}, notSent{err}
	}
	d.log.InfoContext(ctx, "job on a restore's steps started", "kind", cmp.Or(r.Kind, restores.KindRestore), "actor", a.Actor, "server_id", a.ServerID,
		"snapshot_id", a.SnapshotID, "safety", r.SafetyName, "delete_first", r.DeleteID, "restore_id", r.ID)
	return Result{SafeRestore: r}, nil
}

// CancelRestore stops a restore whose restore has not been sent;
// restores.ErrTooLate once it has. Only a person whose token sees the
// server may cancel its restore (one call to VPS.org tells).
func (d *Dashboard) CancelRestore(ctx context.Context, token vpsapi.Token, serverID, restoreID int64) error {
	if d.restores == nil {
		return restores.ErrNotFound
	}
	r, err := d.restores.Get(ctx, restoreID)
	if err != nil {
		return err
	}
	if r.ServerID != serverID {
		return restores.ErrNotFound
	}
	servers, err := d.Servers(ctx, token)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(servers, func(s vpsapi.Server) bool { return s.ID == serverID }) {
		return restores.ErrNotFound
	}
	return d.restores.Cancel(ctx, restoreID)
}

// RestoreOf reads a restore of serverID, running or ended: for a poll that
// saw its job end.
func (d *Dashboard) RestoreOf(ctx context.Context, serverID, id int64) (restores.Restore, error) {
	if d.restores == nil {
		return restores.Restore{}, restores.ErrNotFound
	}
	r, err := d.restores.Get(ctx, id)
	if err == nil && r.ServerID != serverID {
		return restores.Restore{}, restores.ErrNotFound
	}
	return r, err
}

// RunningRestores are the running restores of servers, by server.
func (d *Dashboard) RunningRestores(ctx context.Context, servers []int64) map[int64]restores.Restore {
	out := map[int64]restores.Restore{}
	if d.restores == nil {
		return out
	}
	rs, err := d.restores.Running(ctx, servers)
	if err != nil {
		d.log.WarnContext(ctx, "running restores not read", "error", err)
	}
	for _, r := range rs {
		out[r.ServerID] = r
	}
	return out
}
