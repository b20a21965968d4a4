// Package services builds Snapdash's use cases together on one store and
// one job engine: the shared dashboard and each feature (follow, restore,
// bulkdelete, schedule, signout, activitylog, mark, feed), each adding its River
// workers to the engine. cmd/snapdash builds them here, and so does every
// test that needs the whole: one wiring.
package services

import (
	"context"
	"log/slog"
	"time"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/live"
	"github.com/snapdash/snapdash/internal/services/activitylog"
	"github.com/snapdash/snapdash/internal/services/bulkdelete"
	"github.com/snapdash/snapdash/internal/services/feed"
	"github.com/snapdash/snapdash/internal/services/fleet"
	"github.com/snapdash/snapdash/internal/services/follow"
	"github.com/snapdash/snapdash/internal/services/mark"
	"github.com/snapdash/snapdash/internal/services/restore"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/services/signout"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// Options are what the use cases are built from. Store, API and Keys are
// required.
type Options struct {
	Store *store.Store
	API   vpsapi.API
	Keys  [][]byte // the session keys' hash/block pairs, newest first: they seal jobs' tokens
	// WorkerID names this process in River's records; default: River's.
	WorkerID string
	// FollowLimit is how long a create or restore is followed; default
	// follow.DefaultLimit.
	FollowLimit time.Duration
	// Retention is how long activity records are kept; 0 keeps them all.
	Retention time.Duration
	// Webhook receives a JSON POST for every job that ends; "" sends none.
	Webhook   string
	PublicURL string // for links in notifications; "" leaves them out
	Language  string // the notifications' language: "en" (default) or "ca"
	Roles     dashboard.Roles
	Schedule  schedule.Options
	// ObserveNotify counts notifications delivered (true) and failed.
	ObserveNotify func(delivered bool)
	Log           *slog.Logger     // default: discard
	Now           func() time.Time // default: time.Now
}

// Services are the use cases, built on one store and one job engine.
type Services struct {
	Jobs      *jobs.Runner
	Dash      *dashboard.Dashboard
	Follow    *follow.Service
	Fleet     *fleet.Service
	Restores  *restore.Service
	Bulk      *bulkdelete.Service
	Schedules *schedule.Service
	SignOut   *signout.Service
	Activity  *activitylog.Service
	Marks     *mark.Service
	Feed      *feed.Service
}

// New builds the use cases. Jobs can be inserted at once; they are worked
// once Start is called.
func New(ctx context.Context, o Options) (*Services, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FollowLimit <= 0 {
		o.FollowLimit = follow.DefaultLimit
	}
	st := o.Store
	engine, err := jobs.New(ctx, jobs.Options{
		Store: st, Keys: o.Keys, ID: o.WorkerID, Retention: o.Retention,
		TokenLife: max(o.FollowLimit+15*time.Minute, jobs.DefaultTokenLife),
		Webhook:   o.Webhook, PublicURL: o.PublicURL, Language: o.Language, ObserveNotify: o.ObserveNotify, Log: o.Log, Now: o.Now,
	})
	if err != nil {
		return nil, err
	}
	tokens := live.NewSeen()
	seen := live.NewViews(serverViews{st.ServerViews()}, o.Now, o.Log)
	fol := follow.New(follow.Options{API: o.API, Activity: st.Activity(), Jobs: engine, Views: seen, Limit: o.FollowLimit, Log: o.Log, Now: o.Now})
	dash := dashboard.New(dashboard.Options{
		API: o.API, Activity: st.Activity(), Claims: st.Claims(), Follow: fol, Restores: st.Restores(), Schedules: st.Schedules(),
		Marks: st.Marks(), Changes: st.Changes(), Seen: tokens, Views: seen, Roles: o.Roles, Log: o.Log, Now: o.Now,
	})
	table := fleet.New(dash)
	return &Services{
		Jobs: engine, Dash: dash, Follow: fol, Fleet: table,
		Restores:  restore.New(dash, st, engine),
		Bulk:      bulkdelete.New(dash, table, st, engine),
		Schedules: schedule.New(dash, st, engine, o.Schedule),
		SignOut:   signout.New(dash, engine, st.Activity(), st.Bulk()),
		Activity:  activitylog.New(dash, st.Activity(), st.Restores()),
		Marks:     mark.New(dash, st.Marks()),
		Feed:      feed.New(dash, st.Changes(), tokens),
	}, nil
}

// Start works jobs until ctx ends or Stop is called.
func (s *Services) Start(ctx context.Context) error { return s.Jobs.Start(ctx) }

// Stop lets jobs being worked finish (within ctx); the rest wait in the
// database for another replica or the next start.
func (s *Services) Stop(ctx context.Context) error { return s.Jobs.Stop(ctx) }

// serverViews is the store's views of servers, as the dashboard asks them.
type serverViews struct{ store.ServerViews }

func (v serverViews) Put(ctx context.Context, serverID int64, status string, snapshots []byte, at time.Time) error {
	return v.ServerViews.Put(ctx, store.ServerView{ServerID: serverID, Status: status, Snapshots: snapshots, ReadAt: at})
}

func (v serverViews) Get(ctx context.Context, serverID int64) (string, []byte, time.Time, bool, error) {
	w, ok, err := v.ServerViews.Get(ctx, serverID)
	return w.Status, w.Snapshots, w.ReadAt, ok, err
}
