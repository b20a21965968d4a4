package schedule_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// noon saves a daily schedule at noon keeping keep: the tests' clock never
// gets there, so only runs started now run.
func (s *scheduling) noon(t *testing.T, server int64, keep int) schedules.Schedule {
	t.Helper()
	sc, err := s.svcs[0].Schedules.Save(context.Background(), schedule.Change{Actor: "alice", Token: servicestest.AliceToken, ConfirmRoom: true,
		Schedule: schedules.Schedule{ServerID: server, Every: schedules.Daily, Minute: 12 * 60, Keep: keep}})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// runNow runs a schedule now, as a person would, and waits for the run to end.
func (s *scheduling) runNow(t *testing.T, id int64) schedules.Run {
	t.Helper()
	s.clock.forward(time.Minute) // a slot of its own
	return s.runNowHere(t, id)
}

// runNowHere is runNow at the clock's time.
func (s *scheduling) runNowHere(t *testing.T, id int64) schedules.Run {
	t.Helper()
	started, err := s.svcs[0].Schedules.RunNow(context.Background(), schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: id}})
	if err != nil {
		t.Fatal(err)
	}
	var run schedules.Run
	wait.Until(t, 30*time.Second, func() bool {
		run, _ = s.st.Schedules().Run(context.Background(), started.ID)
		sc, _ := s.st.Schedules().Get(context.Background(), id)
		// Ended, and written everywhere: the schedule's line is last.
		return run.State != schedules.Running && !sc.LastRun.Before(run.Finished.Truncate(time.Millisecond))
	})
	return run
}

// own counts the schedule's own snapshots on VPS.org, and all of them.
func (s *scheduling) own(t *testing.T, id int64) (own, all int) {
	t.Helper()
	owned, err := s.st.Schedules().Owned(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range s.sim.Snapshots(servicestest.AliceToken) {
		all++
		for _, o := range owned {
			if o.SnapshotID == sn.ID {
				own++
			}
		}
	}
	return own, all
}

// Five runs of a keep-3 schedule whose snapshots all fail never hold more
// than 3 of its snapshots nor fill the server: each run deletes the failed
// one before it creates. The third failure in a row pauses the schedule,
// in red, on Activity and to the webhook, once; resuming clears it.
func TestFailingScheduleNeverFillsTheServer(t *testing.T) {
	t.Parallel()
	hook, received := servicestest.NewHook(t)
	s := newSchedulingWith(t, 1, "", hook, simulator.ServerSeed{Name: "web-server-01", Snapshots: []simulator.SnapshotSeed{
		{Name: "a-persons-snapshot"},
	}})
	sc := s.noon(t, s.servers[0], 3)
	s.sim.FailSnapshotsNamed("auto-")
	for i := 1; i <= 5; i++ {
		run := s.runNow(t, sc.ID)
		if run.State != schedules.Failed {
			t.Fatalf("run %d: %+v", i, run)
		}
		own, all := s.own(t, sc.ID)
		if own > 3 || all >= 5 {
			t.Errorf("after run %d the schedule holds %d snapshots and the server %d", i, own, all)
		}
		got, _ := s.st.Schedules().Get(context.Background(), sc.ID)
		if i < 3 && (got.Paused || got.Alert != "") {
			t.Errorf("after %d failures: paused %v, alert %q", i, got.Paused, got.Alert)
		}
		if i >= 3 && (!got.Paused || !strings.Contains(got.Alert, "Its last 3 runs failed, so Snapdash paused it.")) {
			t.Errorf("after %d failures: paused %v, alert %q", i, got.Paused, got.Alert)
		}
	}
	if n := s.calls("DELETE /api/v1/snapshots/{id}/"); n != 4 {
		t.Errorf("%d deletes, want the 4 failed snapshots of the runs before the last", n)
	}
	if !slices.Contains(s.names(), "a-persons-snapshot") {
		t.Error("a person's snapshot was deleted")
	}
	wait.Until(t, 30*time.Second, func() bool {
		n := 0
		for _, b := range received() {
			if strings.Contains(b, `"outcome":"paused"`) {
				n++
			}
		}
		return n == 1
	})
	if _, err := s.svcs[0].Schedules.Pause(context.Background(), schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: sc.ID}}, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.st.Schedules().Get(context.Background(), sc.ID); got.Paused || got.Alert != "" {
		t.Errorf("resumed: paused %v, alert %q", got.Paused, got.Alert)
	}
}

// Skipped runs are no failures: three in a row say so, in red, without
// pausing the schedule.
func TestSkippedRunsInARowSaySo(t *testing.T) {
	t.Parallel()
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01", Snapshots: []simulator.SnapshotSeed{
		{Name: "p1"}, {Name: "p2"}, {Name: "p3"}, {Name: "p4"}, {Name: "p5"},
	}})
	sc := s.noon(t, s.servers[0], 2)
	for i := 1; i <= 3; i++ {
		if run := s.runNow(t, sc.ID); run.State != schedules.Skipped {
			t.Fatalf("run %d: %+v", i, run)
		}
	}
	got, _ := s.st.Schedules().Get(context.Background(), sc.ID)
	if got.Paused || !strings.Contains(got.Alert, "Its last 3 runs were skipped") || !strings.Contains(got.Alert, "5 of 5 snapshots") {
		t.Errorf("after 3 skips: paused %v, alert %q", got.Paused, got.Alert)
	}
}

// A run that deleted its own snapshot to make room, and then ended without
// a new one, says what it deleted: "nothing was deleted" would be false.
func TestRunThatMadeRoomSaysWhatItDeleted(t *testing.T) {
	t.Parallel()
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01"})
	sc := s.noon(t, s.servers[0], 1)
	s.sim.FailSnapshotsNamed("auto-")
	before := s.runNow(t, sc.ID) // fails; its failed snapshot fills the keep count
	run := s.runNow(t, sc.ID)    // deletes that one, then its own fails
	if run.State != schedules.Failed || strings.Contains(run.Detail, "nothing was deleted") || !strings.Contains(run.Detail, before.SnapshotName) {
		t.Errorf("the run that deleted %s ended: %s, %q", before.SnapshotName, run.State, run.Detail)
	}
	langs, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if ca := langs.For("ca").Word(run.Detail); !strings.Contains(ca, "suprimides abans per fer lloc: "+before.SnapshotName) || strings.Contains(ca, "deleted") {
		t.Errorf("said in Catalan as %q", ca)
	}
}

// VPS.org takes no snapshot of a restoring server: a run of a schedule that
// does not skip restores deletes nothing to make room then (its oldest
// would be lost for a snapshot VPS.org refuses), and says so.
func TestRunMakesNoRoomWhileTheServerRestores(t *testing.T) {
	t.Parallel()
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01"})
	sc := s.noon(t, s.servers[0], 1)
	if run := s.runNow(t, sc.ID); run.State != schedules.Completed {
		t.Fatalf("the first run: %+v", run)
	}
	own := s.names()
	s.clock.forward(time.Minute) // the run's slot, before the restore: it lasts 30 s
	if _, err := s.api.RestoreSnapshot(context.Background(), servicestest.AliceToken, s.sim.Snapshots(servicestest.AliceToken)[0].ID); err != nil {
		t.Fatal(err)
	}
	run := s.runNowHere(t, sc.ID)
	if run.State != schedules.Failed || !strings.Contains(run.Detail, "nothing was deleted") || strings.Contains(run.Detail, ".;") {
		t.Errorf("the run on a restoring server: %s, %q", run.State, run.Detail)
	}
	if n := s.calls("DELETE /api/v1/snapshots/{id}/"); n != 0 || !slices.Equal(s.names(), own) {
		t.Errorf("%d deletes; snapshots %q, were %q", n, s.names(), own)
	}
}
