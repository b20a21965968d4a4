package schedule_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/services"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// The simulator's names for the calls that change something.
const (
	createKey = "POST /api/v1/snapshots/"
	deleteKey = "DELETE /api/v1/snapshots/{id}/"
)

// clock is a test's time: it runs with the wall clock and can be moved on,
// the same for the dashboard, the store and the simulator.
type clock struct {
	mu    sync.Mutex
	start time.Time
	ahead time.Duration
	wall  time.Time
}

func newClock(at time.Time) *clock { return &clock{start: at, wall: time.Now()} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start.Add(c.ahead + time.Since(c.wall))
}

func (c *clock) forward(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ahead += d
}

// scheduling is a dashboard running schedules with an automation token of
// alice's account, ticking every 100 ms, on one store per replica.
type scheduling struct {
	sim     *simulator.Simulator
	clock   *clock
	svcs    []*services.Services
	st      *store.Store
	servers []int64
	api     *vpsapi.Client // a client of the simulator, for more dashboards
}

func newScheduling(t *testing.T, replicas int, databaseURL string, seeds ...simulator.ServerSeed) *scheduling {
	t.Helper()
	return newSchedulingWith(t, replicas, databaseURL, "", seeds...)
}

// newSchedulingWith is newScheduling posting jobs' outcomes to webhook.
func newSchedulingWith(t *testing.T, replicas int, databaseURL, webhook string, seeds ...simulator.ServerSeed) *scheduling {
	t.Helper()
	c := newClock(time.Date(2026, 11, 27, 2, 59, 0, 0, time.UTC))
	sim := simulator.New(simulator.Options{SnapshotDelay: time.Second, NoDemo: true, Now: c.now})
	ids := sim.AddAccount(servicestest.AliceToken, seeds...)
	sim.AddToken(automationToken, servicestest.AliceToken)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	s := &scheduling{sim: sim, clock: c, servers: ids}
	for i := 0; i < replicas; i++ {
		api, err := vpsapi.New(srv.URL, vpsapi.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		st := storetest.Open(t, databaseURL)
		st.SetClock(c.now)
		svc := servicestest.New(t, st, api, servicestest.Options{Now: c.now, Webhook: webhook, Work: true,
			Schedule: schedule.Options{Automation: automationToken}})
		s.svcs = append(s.svcs, svc)
		if s.st == nil {
			s.st, s.api = st, api
		}
	}
	return s
}

// daily saves a daily schedule at 03:00 keeping keep, by alice.
func (s *scheduling) daily(t *testing.T, server int64, keep int) schedules.Schedule {
	t.Helper()
	sc, err := s.svcs[0].Schedules.Save(context.Background(), schedule.Change{Actor: "alice", Token: servicestest.AliceToken, ConfirmRoom: true,
		Schedule: schedules.Schedule{ServerID: server, Every: schedules.Daily, Minute: 3 * 60, Keep: keep, SkipRestoring: true}})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// ended waits for the schedule's newest run to end.
func (s *scheduling) ended(t *testing.T, id int64, within time.Duration) schedules.Run {
	t.Helper()
	var runs []schedules.Run
	if !wait.Within(within, func() bool {
		recent, err := s.st.Schedules().Recent(context.Background(), []int64{id}, 1)
		if err != nil {
			t.Fatal(err)
		}
		runs = recent[id]
		if len(runs) != 1 || runs[0].State == schedules.Running {
			return false
		}
		// Ended, and written everywhere: the schedule's line is last.
		sc, err := s.st.Schedules().Get(context.Background(), id)
		return err == nil && !sc.LastRun.Before(runs[0].Finished.Truncate(time.Millisecond))
	}) {
		t.Fatalf("no run ended after %s: %+v", within, runs)
	}
	return runs[0]
}

// ticks waits until River has worked n more schedule ticks: each looked
// for due schedules.
func (s *scheduling) ticks(t *testing.T, n int) {
	t.Helper()
	from := storetest.Jobs(t, s.st, "schedule_tick", "completed")
	wait.Until(t, 30*time.Second, func() bool { return storetest.Jobs(t, s.st, "schedule_tick", "completed") >= from+n })
}

func (s *scheduling) calls(key string) int {
	n := 0
	for _, r := range s.sim.Requests() {
		if r.Key == key {
			n++
		}
	}
	return n
}

// names are the server's snapshots' names.
func (s *scheduling) names() []string {
	var out []string
	for _, sn := range s.sim.Snapshots(servicestest.AliceToken) {
		out = append(out, sn.Name)
	}
	slices.Sort(out)
	return out
}
