package schedule_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

const automationToken = "tok_automation_ops"

// A run happens at its time, not before; when its snapshot completed it
// deletes the oldest of the snapshots its schedule made beyond the keep
// count: never a person's (even one named like the schedule's), never a
// pinned one.
func TestScheduledRunOnTimeKeepsOnlyItsOwn(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01", Snapshots: []simulator.SnapshotSeed{
		{ID: 501, Name: "pre-migration-snapshot", CreatedAt: day.AddDate(0, 0, -10)},
		{ID: 502, Name: "auto-web-server-01-20261101-0300", CreatedAt: day.AddDate(0, 0, -26)}, // a person's, named alike
		{ID: 503, Name: "auto-web-server-01-20261124-0300", CreatedAt: day.AddDate(0, 0, -3)},
		{ID: 504, Name: "auto-web-server-01-20261125-0300", CreatedAt: day.AddDate(0, 0, -2)},
	}})
	ctx := context.Background()
	sc := s.daily(t, s.servers[0], 1)
	if !sc.NextRun.Equal(day) {
		t.Fatalf("next run %s, want %s", sc.NextRun, day)
	}
	for _, id := range []int64{503, 504} {
		if err := s.st.Schedules().Own(ctx, schedules.Owned{SnapshotID: id, ScheduleID: sc.ID, ServerID: s.servers[0], Name: "x", Created: day.AddDate(0, 0, -int(505-id))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.st.Marks().Pin(ctx, marks.Pin{SnapshotID: 504, ServerID: s.servers[0], Actor: "bob", Reason: "before the audit", At: day}); err != nil {
		t.Fatal(err)
	}

	s.ticks(t, 3) // several ticks before 03:00
	if n := s.calls(createKey); n != 0 {
		t.Fatalf("%d creates before the run's time", n)
	}
	s.clock.forward(time.Minute)
	run := s.ended(t, sc.ID, 30*time.Second)
	if run.State != schedules.Completed || run.SnapshotName != "auto-web-server-01-20261127-0300" {
		t.Fatalf("run %+v", run)
	}
	if n := s.calls(createKey); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
	want := []string{"auto-web-server-01-20261101-0300", "auto-web-server-01-20261125-0300", "auto-web-server-01-20261127-0300", "pre-migration-snapshot"}
	if got := s.names(); !slices.Equal(got, want) {
		t.Errorf("left %v, want %v (only the schedule's own unpinned oldest deleted)", got, want)
	}
	if n := s.calls(deleteKey); n != 1 {
		t.Errorf("%d deletes, want 1", n)
	}
	got, _ := s.st.Schedules().Get(ctx, sc.ID)
	if got.LastOutcome != schedules.Completed || !strings.Contains(got.LastDetail, "auto-web-server-01-20261124-0300") || !got.NextRun.Equal(day.AddDate(0, 0, 1)) {
		t.Errorf("schedule after the run: %+v", got)
	}
	recs, _ := s.st.Activity().Recent(ctx, 10)
	var run1, del bool
	for _, r := range recs {
		run1 = run1 || (r.Action == activity.Scheduled && r.Final == activity.Completed && r.Actor == "automation")
		del = del || (r.Action == activity.Delete && r.SnapshotID == 503 && strings.Contains(r.Detail, "retention"))
	}
	if !run1 || !del {
		t.Errorf("activity: run recorded %v, retention delete recorded %v: %+v", run1, del, recs)
	}
}

// A snapshot that fails deletes nothing (with room for it within the keep
// count, nothing was deleted before it either).
func TestScheduledRunFailedSnapshotDeletesNothing(t *testing.T) {
	t.Parallel()
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01", Snapshots: []simulator.SnapshotSeed{{ID: 601, Name: "old-auto"}}})
	s.sim.FailSnapshotsNamed("auto-")
	ctx := context.Background()
	sc := s.daily(t, s.servers[0], 2)
	if err := s.st.Schedules().Own(ctx, schedules.Owned{SnapshotID: 601, ScheduleID: sc.ID, ServerID: s.servers[0], Name: "old-auto"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svcs[0].Schedules.RunNow(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: sc.ID}}); err != nil {
		t.Fatal(err)
	}
	run := s.ended(t, sc.ID, 30*time.Second)
	if run.State != schedules.Failed || !strings.Contains(run.Detail, "nothing was deleted") {
		t.Errorf("run %+v", run)
	}
	if n := s.calls(deleteKey); n != 0 {
		t.Errorf("%d deletes after a failed snapshot", n)
	}
	recs, _ := s.st.Activity().Recent(ctx, 1)
	if len(recs) != 1 || recs[0].Actor != "alice" || recs[0].Final != activity.Failed {
		t.Errorf("record %+v", recs)
	}
}

// At 5 of 5 a run deletes nothing to make room: it skips, says why, and
// notifies.
func TestScheduledRunSkipsAFullServer(t *testing.T) {
	t.Parallel()
	var seeds []simulator.SnapshotSeed
	for _, n := range []string{"a", "b", "c", "d"} {
		seeds = append(seeds, simulator.SnapshotSeed{Name: n})
	}
	hook, received := servicestest.NewHook(t)
	s := newSchedulingWith(t, 1, "", hook, simulator.ServerSeed{Name: "web-server-01", Snapshots: seeds})
	ctx := context.Background()
	sc := s.daily(t, s.servers[0], 2)
	if err := s.sim.AddSnapshot(s.servers[0], simulator.SnapshotSeed{Name: "e"}); err != nil {
		t.Fatal(err)
	}
	s.clock.forward(time.Minute)
	run := s.ended(t, sc.ID, 30*time.Second)
	if run.State != schedules.Skipped || !strings.Contains(run.Detail, "5 of 5") {
		t.Errorf("run %+v", run)
	}
	if c, d := s.calls(createKey), s.calls(deleteKey); c+d != 0 {
		t.Errorf("%d creates and %d deletes on a full server", c, d)
	}
	recs, _ := s.st.Activity().Recent(ctx, 1)
	if len(recs) != 1 || recs[0].Final != activity.Skipped || !strings.Contains(recs[0].FinalDetail, "nothing was deleted") {
		t.Errorf("record %+v", recs)
	}
	wait.Until(t, 30*time.Second, func() bool { return len(received()) == 1 })
	bodies := received()
	if !strings.Contains(bodies[0], `"action":"scheduled snapshot"`) || !strings.Contains(bodies[0], `"outcome":"skipped"`) ||
		!strings.Contains(bodies[0], "5 of 5") || !strings.Contains(bodies[0], `"text":"automation's scheduled snapshot of web-server-01: skipped`) || strings.Contains(bodies[0], automationToken) {
		t.Errorf("webhook got %q", bodies)
	}
}

// VPS.org refusing the automation token pauses every schedule, with the
// reason shown.
func TestAutomationTokenRefusedPausesEverySchedule(t *testing.T) {
	t.Parallel()
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-1"}, simulator.ServerSeed{Name: "web-2"})
	ctx := context.Background()
	one, two := s.daily(t, s.servers[0], 2), s.daily(t, s.servers[1], 2)
	s.sim.RevokeToken(automationToken)
	if _, err := s.svcs[0].Schedules.RunNow(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: one.ID}}); err != nil {
		t.Fatal(err)
	}
	run := s.ended(t, one.ID, 30*time.Second)
	if run.State != schedules.Failed {
		t.Fatalf("run %+v", run)
	}
	for _, id := range []int64{one.ID, two.ID} {
		got, _ := s.st.Schedules().Get(ctx, id)
		if !got.Paused || !strings.Contains(got.PausedWhy, "refused the automation token") {
			t.Errorf("schedule %d: %+v", id, got)
		}
	}
	recs, _ := s.st.Activity().Recent(ctx, 1)
	if len(recs) != 1 || recs[0].Final != activity.TokenRefused {
		t.Errorf("record %+v", recs)
	}
	if c := s.calls(createKey); c != 0 {
		t.Errorf("%d creates", c)
	}
}

// Runs missed while Snapdash was down run once when it is back, and the
// next run is the next one due from now.
func TestMissedRunsCatchUpOnce(t *testing.T) {
	t.Parallel()
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01"})
	ctx := context.Background()
	sc, err := s.svcs[0].Schedules.Save(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken,
		Schedule: schedules.Schedule{ServerID: s.servers[0], Every: schedules.Hourly, Hours: 1, Keep: 4}})
	if err != nil {
		t.Fatal(err)
	}
	s.clock.forward(3*24*time.Hour + 30*time.Minute) // 72 slots missed
	s.ended(t, sc.ID, 30*time.Second)
	s.ticks(t, 3) // more ticks
	recent, _ := s.st.Schedules().Recent(ctx, []int64{sc.ID}, 10)
	runs := recent[sc.ID]
	if len(runs) != 1 || s.calls(createKey) != 1 {
		t.Errorf("%d runs and %d creates after 72 missed slots, want one", len(runs), s.calls(createKey))
	}
	got, _ := s.st.Schedules().Get(ctx, sc.ID)
	if now := s.clock.now(); !got.NextRun.After(now) || got.NextRun.Sub(now) > time.Hour {
		t.Errorf("next run %s, now %s", got.NextRun, now)
	}
}

// Two replicas ticking on one PostgreSQL run each slot once.
func TestScheduledRunOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t)
	s := newScheduling(t, 2, pg.URL, simulator.ServerSeed{Name: "web-server-01"})
	sc := s.daily(t, s.servers[0], 2)
	s.clock.forward(time.Minute)
	s.ended(t, sc.ID, 30*time.Second)
	s.ticks(t, 4) // both replicas tick again
	if n := s.calls(createKey); n != 1 {
		t.Errorf("%d creates by two replicas, want 1", n)
	}
	recent, _ := s.st.Schedules().Recent(context.Background(), []int64{sc.ID}, 10)
	runs := recent[sc.ID]
	if len(runs) != 1 {
		t.Errorf("%d runs: %+v", len(runs), runs)
	}
}

// Schedules are for servers the person's token sees, by the schedule
// groups, and need the automation token.
func TestScheduleChangesAreGuarded(t *testing.T) {
	t.Parallel()
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01"})
	other := s.sim.AddAccount("tok_someone_else", simulator.ServerSeed{Name: "theirs"})
	ctx := context.Background()
	d := s.svcs[0]
	_, err := d.Schedules.Save(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken,
		Schedule: schedules.Schedule{ServerID: other[0], Every: schedules.Daily, Keep: 2}})
	if !errors.Is(err, vpsapi.ErrNotFound) {
		t.Errorf("a schedule for a server alice's token cannot see: %v", err)
	}
	_, err = d.Schedules.Save(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken,
		Schedule: schedules.Schedule{ServerID: s.servers[0], Every: schedules.Daily, Keep: 5}})
	var invalid *schedules.InvalidError
	if !errors.As(err, &invalid) {
		t.Errorf("keep 5: %v", err)
	}
	sc := s.daily(t, s.servers[0], 2)
	if _, err := d.Schedules.RunNow(ctx, schedule.Change{Actor: "mallory", Token: "tok_someone_else", Schedule: schedules.Schedule{ID: sc.ID}}); !errors.Is(err, schedules.ErrNotFound) {
		t.Errorf("run now by someone whose token cannot see the server: %v", err)
	}
	// Refused before anything is asked of VPS.org.
	guarded := servicestest.New(t, s.st, s.api, servicestest.Options{Schedule: schedule.Options{Automation: automationToken},
		Roles: dashboard.Roles{Schedule: []string{"ops"}}})
	before := len(s.sim.Requests())
	if _, err := guarded.Schedules.Pause(ctx, schedule.Change{Actor: "bob", Groups: []string{"dev"}, Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: sc.ID}}, true); !errors.Is(err, schedules.ErrNotAllowed) {
		t.Errorf("pause by a non-member: %v", err)
	}
	none := servicestest.New(t, s.st, s.api, servicestest.Options{})
	if _, err := none.Schedules.Save(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken,
		Schedule: schedules.Schedule{ServerID: s.servers[0], Every: schedules.Daily, Keep: 2}}); !errors.Is(err, schedules.ErrNoToken) {
		t.Errorf("without an automation token: %v", err)
	}
	if n := len(s.sim.Requests()) - before; n != 0 {
		t.Errorf("%d calls reached VPS.org before the refusals", n)
	}
	recs, _ := s.st.Activity().Recent(ctx, 5)
	if len(recs) == 0 || recs[0].Action != activity.Schedule || !strings.Contains(recs[0].Detail, "created: every day at 03:00 UTC") {
		t.Errorf("the schedule's creation not recorded: %+v", recs)
	}
}

// A create whose answer was lost is found by listing and adopted, never sent
// again; one that did not happen fails the run, and is not sent again either.
func TestScheduledRunLostAnswerIsNeverResent(t *testing.T) {
	t.Parallel()
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-1"}, simulator.ServerSeed{Name: "web-2"})
	ctx := context.Background()
	var one, two schedules.Schedule
	for i, sc := range []*schedules.Schedule{&one, &two} {
		var err error
		*sc, err = s.svcs[0].Schedules.Save(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken,
			Schedule: schedules.Schedule{ServerID: s.servers[i], Every: schedules.Daily, Minute: 12 * 60, Keep: 2}})
		if err != nil {
			t.Fatal(err)
		}
	}

	s.sim.SetFault(simulator.Fault{Match: createKey, LoseAnswer: true, Times: 1})
	if _, err := s.svcs[0].Schedules.RunNow(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: one.ID}}); err != nil {
		t.Fatal(err)
	}
	run := s.ended(t, one.ID, 30*time.Second)
	if run.State != schedules.Completed || run.SnapshotID == 0 || s.calls(createKey) != 1 {
		t.Errorf("a lost answer: run %+v, %d creates", run, s.calls(createKey))
	}
	owned, _ := s.st.Schedules().Owned(ctx, one.ID)
	if len(owned) != 1 || owned[0].SnapshotID != run.SnapshotID {
		t.Errorf("the adopted snapshot is not the schedule's own: %+v", owned)
	}

	s.sim.SetFault(simulator.Fault{Match: createKey, Reset: true, Times: 1})
	started, err := s.svcs[0].Schedules.RunNow(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: two.ID}})
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, 30*time.Second, func() bool { return s.calls(createKey) == 2 }) // the lost create was sent
	s.clock.forward(5 * time.Minute)                                              // past the window in which a lost create may still show
	wait.Within(30*time.Second, func() bool {
		run, _ = s.st.Schedules().Run(ctx, started.ID)
		return run.State != schedules.Running
	})
	if run.State != schedules.Failed || !strings.Contains(run.Detail, "not sent again") || s.calls(createKey) != 2 {
		t.Errorf("a create that did not happen: run %+v, %d creates in all", run, s.calls(createKey))
	}
}

// Retention never deletes a snapshot a running restore uses, even its own:
// the next oldest beyond the keep count goes instead.
func TestRetentionKeepsASnapshotInUse(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01", Snapshots: []simulator.SnapshotSeed{
		{ID: 701, Name: "auto-web-server-01-20261125-0300", CreatedAt: day.AddDate(0, 0, -2)},
		{ID: 702, Name: "auto-web-server-01-20261126-0300", CreatedAt: day.AddDate(0, 0, -1)},
	}})
	ctx := context.Background()
	sc, err := s.svcs[0].Schedules.Save(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken,
		Schedule: schedules.Schedule{ServerID: s.servers[0], Every: schedules.Daily, Minute: 12 * 60, Keep: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{701, 702} {
		if err := s.st.Schedules().Own(ctx, schedules.Owned{SnapshotID: id, ScheduleID: sc.ID, ServerID: s.servers[0], Name: "x", Created: day.AddDate(0, 0, int(id-703))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.st.Restores().Add(ctx, restores.Restore{Actor: "bob", ServerID: s.servers[0], ServerName: "web-server-01", SnapshotID: 701,
		SnapshotName: "auto-web-server-01-20261125-0300", SafetyName: "before-restore-x", Step: restores.StepSafety, Started: s.clock.now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svcs[0].Schedules.RunNow(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: sc.ID}}); err != nil {
		t.Fatal(err)
	}
	run := s.ended(t, sc.ID, 30*time.Second)
	if run.State != schedules.Completed || run.Deleted != "auto-web-server-01-20261126-0300" {
		t.Errorf("run %+v", run)
	}
	if names := s.names(); !slices.Contains(names, "auto-web-server-01-20261125-0300") {
		t.Errorf("the snapshot in use was deleted: %v", names)
	}
}

// A schedule deleted while its run waits for the snapshot: the run stops,
// the snapshot stays, nothing is deleted, and the record says so.
func TestScheduleDeletedWhileItRuns(t *testing.T) {
	t.Parallel()
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01", Snapshots: []simulator.SnapshotSeed{{ID: 801, Name: "old-auto"}}})
	ctx := context.Background()
	sc := s.daily(t, s.servers[0], 2) // room for its next snapshot: nothing deleted before it
	if err := s.st.Schedules().Own(ctx, schedules.Owned{SnapshotID: 801, ScheduleID: sc.ID, ServerID: s.servers[0], Name: "old-auto"}); err != nil {
		t.Fatal(err)
	}
	change := schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: sc.ID}}
	run, err := s.svcs[0].Schedules.RunNow(ctx, change)
	if err != nil {
		t.Fatal(err)
	}
	if !wait.Within(10*time.Second, func() bool { run, _ = s.st.Schedules().Run(ctx, run.ID); return run.Step == schedules.StepWaiting }) {
		t.Fatalf("the run never waited for its snapshot: %+v", run)
	}
	if err := s.svcs[0].Schedules.Delete(ctx, change); err != nil {
		t.Fatal(err)
	}
	if !wait.Within(10*time.Second, func() bool { run, _ = s.st.Schedules().Run(ctx, run.ID); return run.State != schedules.Running }) {
		t.Fatalf("the run did not stop: %+v", run)
	}
	if run.State != schedules.Skipped || !strings.Contains(run.Detail, run.SnapshotName+" stays") || s.calls(deleteKey) != 0 {
		t.Errorf("run %+v, %d deletes", run, s.calls(deleteKey))
	}
	if names := s.names(); len(names) != 2 {
		t.Errorf("snapshots left: %v", names)
	}
}

// Retention fails closed: when the pins cannot be read, the run deletes
// nothing of its own and says why.
func TestRetentionDeletesNothingWhenPinsCannotBeRead(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	s := newScheduling(t, 1, "", simulator.ServerSeed{Name: "web-server-01", Snapshots: []simulator.SnapshotSeed{
		{ID: 701, Name: "auto-web-server-01-20261125-0300", CreatedAt: day.AddDate(0, 0, -2)},
		{ID: 702, Name: "auto-web-server-01-20261126-0300", CreatedAt: day.AddDate(0, 0, -1)},
	}})
	ctx := context.Background()
	sc, err := s.svcs[0].Schedules.Save(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken,
		Schedule: schedules.Schedule{ServerID: s.servers[0], Every: schedules.Daily, Minute: 12 * 60, Keep: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{701, 702} {
		if err := s.st.Schedules().Own(ctx, schedules.Owned{SnapshotID: id, ScheduleID: sc.ID, ServerID: s.servers[0], Name: "x", Created: day.AddDate(0, 0, int(id-703))}); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", store.SQLiteDSN(s.st.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("ALTER TABLE pins RENAME TO away"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svcs[0].Schedules.RunNow(ctx, schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: sc.ID}}); err != nil {
		t.Fatal(err)
	}
	run := s.ended(t, sc.ID, 30*time.Second)
	if run.State != schedules.Failed || !strings.Contains(run.Detail, "could not read its pins and running restores, so nothing was deleted") {
		t.Errorf("run %+v", run)
	}
	if n := s.calls("DELETE /api/v1/snapshots/{id}/"); n != 0 {
		t.Errorf("%d deletes sent", n)
	}
}
