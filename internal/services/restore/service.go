// Package restore carries out a restore with a safety snapshot (snapshot
// the server first, restore only once that snapshot completed, optionally
// deleting a chosen snapshot first to free a slot) and a new snapshot that
// makes room at the limit (delete the chosen snapshot, then create): each
// a row in the restores table moved on by one job (SafeRestoreArgs,
// SafeRestoreWorker), at most one call that changes anything per step,
// each recorded before and after it.
package restore

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// Service starts restores with a safety snapshot and new snapshots that
// make room, and carries out their steps.
type Service struct {
	dash     *dashboard.Dashboard
	api      vpsapi.API   // for the pages
	job      vpsapi.API   // for its jobs: what they see is kept for the pages
	store    *store.Store // its rows and job are written in one of its transactions
	restores restores.Store
	activity activity.Store
	jobs     *jobs.Runner
	roles    dashboard.Roles
	log      *slog.Logger
	now      func() time.Time
}

// New returns a Service and adds its worker to the job engine.
func New(dash *dashboard.Dashboard, st *store.Store, engine *jobs.Runner) *Service {
	s := &Service{dash: dash, api: dash.API(), job: dash.Seeing(), store: st, restores: st.Restores(), activity: st.Activity(), jobs: engine, roles: dash.Roles(), log: dash.Log(), now: dash.Now}
	jobs.AddWorker(engine, &SafeRestoreWorker{Service: s})
	return s
}

// Restore runs a person's restore: with a safety snapshot, its job; without,
// the dashboard's one call.
func (s *Service) Restore(ctx context.Context, a dashboard.Action) (dashboard.Result, error) {
	if !a.Safety {
		return s.dash.Act(ctx, a)
	}
	return s.dash.ActWith(ctx, a, s.startSafeRestore)
}

// Create runs a person's new snapshot: making room first when they chose a
// snapshot to delete, otherwise the dashboard's one call.
func (s *Service) Create(ctx context.Context, a dashboard.Action) (dashboard.Result, error) {
	if a.DeleteFirst == 0 {
		return s.dash.Act(ctx, a)
	}
	return s.dash.ActWith(ctx, a, s.startMakeRoom)
}

// SafeRestoreArgs name a restore's row and the sealed token's key.
type SafeRestoreArgs struct {
	RestoreID  int64  `json:"restore_id"`
	ActivityID int64  `json:"activity_id"`
	TokenKey   string `json:"token_key"`
}

// Kind names the job in River.
func (SafeRestoreArgs) Kind() string { return "safe_restore" }

// jobLife bounds a restore's job: the safety snapshot's limit, the
// restore's, and some.
const jobLife = 2 * time.Hour

// SafeRestoreWorker moves a restore on by one step a run.
type SafeRestoreWorker struct {
	river.WorkerDefaults[SafeRestoreArgs]
	Service *Service
}

// Work takes one step with the person's token, then snoozes until the next.
func (w *SafeRestoreWorker) Work(ctx context.Context, job *river.Job[SafeRestoreArgs]) error {
	a := job.Args
	return w.Service.jobs.Step(ctx, a.TokenKey,
		func(final string) { w.Service.stop(ctx, a.RestoreID, final) },
		func(token vpsapi.Token) (jobs.Next, error) { return w.Service.Advance(ctx, a.RestoreID, token) })
}

// Stop ends a restore whose person signed out while its job waited.
func (w *SafeRestoreWorker) Stop(ctx context.Context, a SafeRestoreArgs, final string) {
	w.Service.stop(ctx, a.RestoreID, final)
}
