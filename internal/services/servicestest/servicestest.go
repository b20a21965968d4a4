// Package servicestest builds the use cases for tests as cmd/snapdash
// builds them (services.New), on a test's store, API and clock, and stops
// them when the test ends.
package servicestest

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/services"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// Keys are the session keys tests seal jobs' tokens with.
var Keys = [][]byte{bytes.Repeat([]byte("h"), 32), bytes.Repeat([]byte("b"), 32)}

// Options are what a test changes of the use cases.
type Options struct {
	Keys        [][]byte // default Keys
	Roles       dashboard.Roles
	Schedule    schedule.Options // Tick defaults to 100 ms
	FollowLimit time.Duration
	Webhook     string
	Log         *slog.Logger
	Now         func() time.Time
	// Work: the job engine works jobs (River started); otherwise jobs are
	// inserted and wait.
	Work bool
}

// New builds the use cases on st and api, starts the job engine when o.Work,
// and stops it when the test ends.
func New(t testing.TB, st *store.Store, api vpsapi.API, o Options) *services.Services {
	t.Helper()
	if o.Keys == nil {
		o.Keys = Keys
	}
	if o.Schedule.Tick <= 0 {
		o.Schedule.Tick = 100 * time.Millisecond
	}
	svc, err := services.New(context.Background(), services.Options{
		Store: st, API: api, Keys: o.Keys, Roles: o.Roles, Schedule: o.Schedule, FollowLimit: o.FollowLimit,
		Webhook: o.Webhook, Log: o.Log, Now: o.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = svc.Stop(ctx)
	})
	if o.Work {
		if err := svc.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}
