package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// TestKilledReplicasJobIsFinishedByTheOther: the replica whose River worker
// holds the job following a create is killed with SIGKILL; the other replica
// finishes the job, and the outcome is recorded once.
func TestKilledReplicasJobIsFinishedByTheOther(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	pg := pgtest.Start(t)
	sim := simulator.New(simulator.Options{SnapshotDelay: 12 * time.Second})
	upstream := httptest.NewServer(sim)
	t.Cleanup(upstream.Close)
	replicas := []*replica{startReplica(t, upstream.URL, pg.URL), startReplica(t, upstream.URL, pg.URL)}
	p := newPerson(t)
	p.signIn(replicas[0].URL)
	fid := p.formID(replicas[0].URL + "/snapshots/new?server_id=12348")
	if code, _ := p.post(replicas[0].URL+"/snapshots", url.Values{"server_id": {"12348"}, "name": {"survives-a-kill"}, "form_id": {fid}}); code != http.StatusSeeOther {
		t.Fatalf("create: %d", code)
	}

	holder, survivor := killHolder(t, pg.URL, "follow_action", replicas, func() bool { return true })

	var final string
	var n int
	if !wait.Within(4*time.Minute, func() bool { // a job killed mid-check waits for River's rescuer
		final, n = finals(t, pg.URL, "survives-a-kill")
		return final == "completed"
	}) {
		t.Fatalf("the surviving replica did not finish the job: final %q", final)
	}
	if n != 1 {
		t.Errorf("%d records of the outcome", n)
	}
	// The outcome is stored, then logged: wait for the line.
	wait.Until(t, 10*time.Second, func() bool { return strings.Contains(survivor.log(), `"msg":"followed action ended"`) })
	if strings.Count(survivor.log()+holder.log(), `"msg":"followed action ended"`) != 1 {
		t.Error("the outcome was not logged exactly once")
	}
	if _, acts := p.get(survivor.URL + "/activity"); !strings.Contains(acts, "completed") {
		t.Error("the activity page does not show the outcome")
	}
	if n := countRows(t, pg.URL, "SELECT COUNT(*) FROM job_tokens"); n != 0 {
		t.Errorf("%d job tokens left after the job ended", n)
	}
}

// lastAttemptBy is the client that last worked the follow job, "" before any.
// killHolder waits until ready and the job of kind is between two checks on
// one replica's worker (River records its client's name, which carries the
// process id; a job killed mid-check would wait minutes for River's
// rescuer), kills that replica with SIGKILL, and returns it and the other.
func killHolder(t *testing.T, databaseURL, kind string, replicas []*replica, ready func() bool) (holder, survivor *replica) {
	t.Helper()
	wait.Until(t, 10*time.Second, func() bool {
		if !ready() {
			return false
		}
		by := lastAttemptByKind(t, databaseURL, kind)
		for i, r := range replicas {
			if by != "" && strings.HasSuffix(by, fmt.Sprintf("-%d", r.proc.Pid)) && waiting(jobState(t, databaseURL, kind)) {
				holder, survivor = r, replicas[1-i]
				return true
			}
		}
		return false
	})
	if err := holder.proc.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	return holder, survivor
}

// finals is the final outcome of the record of snapshot name, and how many
// records of it have one.
func finals(t *testing.T, databaseURL, name string) (string, int) {
	t.Helper()
	var final string
	var n int
	if err := queryRow(t, databaseURL, "SELECT MAX(final), COUNT(*) FILTER (WHERE final <> '') FROM activity WHERE snapshot_name = '"+name+"'", &final, &n); err != nil {
		t.Fatal(err)
	}
	return final, n
}

func countRows(t *testing.T, databaseURL, query string) int {
	t.Helper()
	var n int
	if err := queryRow(t, databaseURL, query, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func queryRow(t *testing.T, databaseURL, query string, dst ...any) error {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, query).Scan(dst...)
}

// TestKilledReplicasRestoreIsFinishedByTheOther: the replica whose worker
// holds a restore with a safety snapshot is killed while the safety snapshot
// is taken; the other replica resumes from the recorded step and sends one
// create and one restore in all.
func TestKilledReplicasRestoreIsFinishedByTheOther(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	pg := pgtest.Start(t)
	sim := simulator.New(simulator.Options{SnapshotDelay: 8 * time.Second, RestoreDelay: 4 * time.Second})
	upstream := httptest.NewServer(sim)
	t.Cleanup(upstream.Close)
	replicas := []*replica{startReplica(t, upstream.URL, pg.URL), startReplica(t, upstream.URL, pg.URL)}
	p := newPerson(t)
	p.signIn(replicas[0].URL)
	fid := p.formID(replicas[0].URL + "/snapshots/801/restore?server_id=12345")
	code, body := p.post(replicas[0].URL+"/snapshots/801/restore?server_id=12345", url.Values{
		"form_id": {fid}, "confirm_name": {"web-server-01"}, "safety_offered": {"1"}, "safety": {"1"}})
	if code != http.StatusSeeOther {
		t.Fatalf("restore: %d\n%s", code, body)
	}
	_, survivor := killHolder(t, pg.URL, "safe_restore", replicas, func() bool {
		var step string
		_ = queryRow(t, pg.URL, "SELECT step FROM restores", &step)
		return step == "safety"
	})
	var state, detail string
	wait.Within(4*time.Minute, func() bool {
		if err := queryRow(t, pg.URL, "SELECT state, detail FROM restores", &state, &detail); err != nil {
			t.Fatal(err)
		}
		return state != "running"
	})
	if state != "done" {
		t.Fatalf("the restore ended %s (%s)", state, detail)
	}
	if n := sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	if n := sim.Calls("POST /api/v1/snapshots/{id}/restore/"); n != 1 {
		t.Errorf("%d restores sent, want 1", n)
	}
	wait.Until(t, 10*time.Second, func() bool { return strings.Contains(survivor.log(), `"msg":"restore ended"`) })
	if _, acts := p.get(survivor.URL + "/activity"); !strings.Contains(acts, "restore sent by") {
		t.Error("the activity page does not show the restore's steps")
	}
}

// waiting reports a River job between two runs: snoozed until its next check.
func waiting(state string) bool { return state == "available" || state == "scheduled" }

// jobState is the River state of the job of kind.
func jobState(t *testing.T, databaseURL, kind string) string {
	t.Helper()
	var state string
	if err := queryRow(t, databaseURL, "SELECT state::text FROM river_job WHERE kind = '"+kind+"'", &state); err != nil {
		t.Fatal(err)
	}
	return state
}

// lastAttemptByKind is the client that last worked the job of kind.
func lastAttemptByKind(t *testing.T, databaseURL, kind string) string {
	t.Helper()
	var by []string
	err := queryRow(t, databaseURL, "SELECT COALESCE(attempted_by, '{}') FROM river_job WHERE kind = '"+kind+"'", &by)
	if err != nil || len(by) == 0 {
		return ""
	}
	return by[len(by)-1]
}

// TestKilledReplicasBulkDeleteIsFinishedByTheOther: the replica holding a
// bulk delete's job is killed between two deletes; the other finishes it,
// and each snapshot is deleted once.
func TestKilledReplicasBulkDeleteIsFinishedByTheOther(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	pg := pgtest.Start(t)
	sim := simulator.New(simulator.Options{})
	upstream := httptest.NewServer(sim)
	t.Cleanup(upstream.Close)
	replicas := []*replica{startReplica(t, upstream.URL, pg.URL), startReplica(t, upstream.URL, pg.URL)}
	p := newPerson(t)
	p.signIn(replicas[0].URL)
	fid := p.formID(replicas[0].URL + "/fleet/delete?snapshot=810&snapshot=811&snapshot=812&snapshot=813")
	sim.SetFault(simulator.Fault{Match: "DELETE /api/v1/snapshots/{id}/", Delay: time.Second}) // deletes take a while
	code, body := p.post(replicas[0].URL+"/fleet/delete", url.Values{"form_id": {fid}, "snapshots": {"810,811,812,813"}, "confirm_count": {"4"}})
	if code != http.StatusSeeOther {
		t.Fatalf("bulk delete: %d\n%s", code, body)
	}
	killHolder(t, pg.URL, "bulk_delete", replicas, func() bool {
		var deleted int
		_ = queryRow(t, pg.URL, "SELECT COUNT(*) FROM bulk_items WHERE state = 'deleted'", &deleted)
		return deleted >= 1 && deleted < 4
	})
	var done, deleted int
	if !wait.Within(4*time.Minute, func() bool {
		if err := queryRow(t, pg.URL, "SELECT d.done, (SELECT COUNT(*) FROM bulk_items WHERE state = 'deleted') FROM bulk_deletes d", &done, &deleted); err != nil {
			t.Fatal(err)
		}
		return done == 1
	}) {
		t.Fatal("the surviving replica did not finish the bulk delete")
	}
	if deleted != 4 {
		t.Errorf("%d of 4 deleted", deleted)
	}
	if n := sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 4 {
		t.Errorf("%d deletes sent, want 4", n)
	}
}

// TestKilledReplicasScheduledRunIsFinishedByTheOther: the replica holding a
// scheduled run is killed while the run waits for its snapshot; the other
// finishes it, with one create in all, and the automation token is in
// neither replica's log.
func TestKilledReplicasScheduledRunIsFinishedByTheOther(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	pg := pgtest.Start(t)
	sim := simulator.New(simulator.Options{SnapshotDelay: 8 * time.Second})
	upstream := httptest.NewServer(sim)
	t.Cleanup(upstream.Close)
	tokenFile := filepath.Join(t.TempDir(), "automation-token")
	if err := os.WriteFile(tokenFile, []byte(simulator.DemoAutomationToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := "SNAPDASH_AUTOMATION_TOKEN_FILE=" + tokenFile
	const keys = "replica-test-key-replica-test-key-0001"
	replicas := []*replica{startReplicaKeys(t, upstream.URL, pg.URL, keys, env), startReplicaKeys(t, upstream.URL, pg.URL, keys, env)}
	p := newPerson(t)
	p.signIn(replicas[0].URL)
	p.get(replicas[0].URL + "/schedules")
	if code, body := p.post(replicas[0].URL+"/schedules", url.Values{"server_id": {"12348"}, "every": {"daily"}, "time": {"03:00"},
		"hours": {"6"}, "weekday": {"0"}, "keep": {"2"}}); code != http.StatusSeeOther {
		t.Fatalf("schedule: %d\n%s", code, body)
	}
	var id int64
	if err := queryRow(t, pg.URL, "SELECT id FROM schedules", &id); err != nil {
		t.Fatal(err)
	}
	p.get(replicas[0].URL + "/schedules")
	if code, body := p.post(fmt.Sprintf("%s/schedules/%d/run", replicas[0].URL, id), url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("run now: %d\n%s", code, body)
	}
	killHolder(t, pg.URL, "scheduled_run", replicas, func() bool {
		var step string
		_ = queryRow(t, pg.URL, "SELECT step FROM schedule_runs", &step)
		return step == "waiting"
	})
	var state, detail string
	wait.Within(4*time.Minute, func() bool {
		if err := queryRow(t, pg.URL, "SELECT state, detail FROM schedule_runs", &state, &detail); err != nil {
			t.Fatal(err)
		}
		return state != "running"
	})
	if state != "completed" {
		t.Fatalf("the run ended %s (%s)", state, detail)
	}
	if n := sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	for _, r := range replicas {
		if strings.Contains(r.log(), simulator.DemoAutomationToken) {
			t.Error("the automation token is in a replica's log")
		}
	}
}
