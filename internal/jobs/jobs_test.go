package jobs_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi"
)

var keys = [][]byte{[]byte("hash-key-0123456789abcdef0123456789abcdef"), []byte("block-key-0123456789abcdef012345")}

// engines opens a fresh, migrated store on SQLite and on a real PostgreSQL.
func engines() map[store.Engine]func(t *testing.T) *store.Store {
	return map[store.Engine]func(t *testing.T) *store.Store{
		store.SQLite:   func(t *testing.T) *store.Store { return storetest.SQLite(t) },
		store.Postgres: func(t *testing.T) *store.Store { return storetest.Open(t, pgtest.Start(t).URL) },
	}
}

// follower answers checks from a script: each answer in turn, the last one
// again and again. It remembers the tokens it was given.
type follower struct {
	mu      sync.Mutex
	answers []answer
	checks  int
	tokens  []vpsapi.Token
}

type answer struct {
	p   jobs.Progress
	err error
}

func (f *follower) Check(_ context.Context, _ jobs.Follow, token vpsapi.Token) (jobs.Progress, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.answers[min(f.checks, len(f.answers)-1)]
	f.checks++
	f.tokens = append(f.tokens, token)
	return a.p, a.err
}

func (f *follower) AdvanceRestore(context.Context, int64, vpsapi.Token) (jobs.Next, error) {
	return jobs.Next{Done: true}, nil
}

func (f *follower) StopRestore(context.Context, int64, string) {}

func (f *follower) AdvanceBulk(context.Context, int64, vpsapi.Token) (jobs.Next, error) {
	return jobs.Next{Done: true}, nil
}

func (f *follower) StopBulk(context.Context, int64) {}

func (f *follower) StartDueRuns(context.Context) error { return nil }

func (f *follower) AdvanceRun(context.Context, int64) (jobs.Next, error) {
	return jobs.Next{Done: true}, nil
}

func (f *follower) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checks
}

func start(t *testing.T, st *store.Store, f jobs.Work, o jobs.Options) *jobs.Runner {
	t.Helper()
	o.Store = st
	if o.Keys == nil {
		o.Keys = keys
	}
	r, err := jobs.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return r
}

// started records an accepted create by alice, signed in as
// "alice-session", as the dashboard does before it starts a follow job.
func started(t *testing.T, st *store.Store, at time.Time) jobs.Follow {
	t.Helper()
	err := st.Sessions().Create(context.Background(), "alice-session", []byte("x"), time.Hour)
	if err != nil && !strings.Contains(err.Error(), "UNIQUE") && !strings.Contains(err.Error(), "duplicate") {
		t.Fatal(err)
	}
	id, err := st.Activity().Add(context.Background(), activity.Record{Time: at, Actor: "alice", Action: activity.Create,
		ServerID: 7, ServerName: "web", SnapshotID: 900, SnapshotName: "nightly", Outcome: activity.Started})
	if err != nil {
		t.Fatal(err)
	}
	return jobs.Follow{ActivityID: id, Action: activity.Create, ServerID: 7, SnapshotID: 900, SnapshotName: "nightly", Started: at}
}

// final waits for the job's record to have a final outcome.
func final(t *testing.T, st *store.Store, job jobs.Follow, within time.Duration) activity.Record {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		recs, _, err := st.Activity().Query(context.Background(), activity.Query{Servers: []int64{job.ServerID}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.ID == job.ActivityID && r.Final != "" {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no final outcome after %s: %+v", within, recs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// jobTokens counts the job tokens stored, expired or not.
func jobTokens(t *testing.T, st *store.Store) int {
	return storetest.Count(t, st, "SELECT COUNT(*) FROM job_tokens")
}

// riverArgs is every job's arguments as River stored them.
func riverArgs(t *testing.T, st *store.Store) string {
	t.Helper()
	db := storetest.RawDB(t, st)
	rows, err := db.Query("SELECT args FROM river_job")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all []string
	for rows.Next() {
		var a []byte
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		all = append(all, string(a))
	}
	return strings.Join(all, "\n")
}

// A follow job checks until the action ends, past a failed check, with the
// person's token, records the outcome and its duration, and erases the token.
func TestFollowRecordsTheOutcome(t *testing.T) {
	for engine, open := range engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			st := open(t)
			f := &follower{answers: []answer{{}, {err: vpsapi.ErrUnavailable}, {p: jobs.Progress{Done: true, Final: activity.Completed}}}}
			r := start(t, st, f, jobs.Options{})
			job := started(t, st, time.Now())
			if err := r.Follow(context.Background(), job, "alice-session", "tok_alice_secret"); err != nil {
				t.Fatal(err)
			}
			rec := final(t, st, job, 30*time.Second)
			if rec.Final != activity.Completed || rec.Duration() < 4*time.Second {
				t.Errorf("record %+v after %s; want completed after three checks", rec, rec.Duration())
			}
			if f.count() != 3 {
				t.Errorf("%d checks, want 3", f.count())
			}
			for _, tok := range f.tokens {
				if tok != "tok_alice_secret" {
					t.Errorf("checked with token %q", tok)
				}
			}
			if n := jobTokens(t, st); n != 0 {
				t.Errorf("%d job tokens kept after the job ended", n)
			}
			if args := riverArgs(t, st); strings.Contains(args, "tok_alice_secret") || !strings.Contains(args, "activity_id") {
				t.Errorf("River's stored arguments: %s", args)
			}
		})
	}
}

// Signing out stops the person's running jobs: their tokens are erased,
// their records say "stopped: signed out", and no check follows.
func TestSignOutStopsJobs(t *testing.T) {
	for engine, open := range engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			st := open(t)
			f := &follower{answers: []answer{{}}}
			r := start(t, st, f, jobs.Options{})
			job := started(t, st, time.Now())
			if err := r.Follow(context.Background(), job, "alice-session", "tok_alice_secret"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, func() bool { return f.count() >= 1 })
			n, err := r.StopFor(context.Background(), "alice-session", activity.SignedOut)
			if err != nil || n != 1 {
				t.Fatalf("stopped %d, %v; want 1", n, err)
			}
			if rec := final(t, st, job, time.Second); rec.Final != activity.SignedOut {
				t.Errorf("final %q, want %q", rec.Final, activity.SignedOut)
			}
			if n := jobTokens(t, st); n != 0 {
				t.Errorf("%d job tokens kept after the sign-out", n)
			}
			// River holds the job as ended: no check can follow.
			waitFor(t, func() bool {
				return storetest.Jobs(t, st, "follow_action", "cancelled", "completed", "discarded") == 1
			})
			checks := f.count()
			if n := storetest.Jobs(t, st, "follow_action", "available", "scheduled", "running", "retryable"); n != 0 || f.count() != checks {
				t.Errorf("%d follow jobs still to run after the sign-out", n)
			}
			if n, err := r.StopFor(context.Background(), "alice-session", activity.SignedOut); n != 0 || err != nil {
				t.Errorf("a second sign-out stopped %d, %v", n, err)
			}
		})
	}
}

// A job that outlives the follow limit records "still running after N min".
func TestFollowGivesUpAfterTheLimit(t *testing.T) {
	st := storetest.SQLite(t)
	f := &follower{answers: []answer{{}}}
	r := start(t, st, f, jobs.Options{FollowLimit: 10 * time.Minute})
	job := started(t, st, time.Now().Add(-11*time.Minute))
	if err := r.Follow(context.Background(), job, "alice-session", "tok"); err != nil {
		t.Fatal(err)
	}
	rec := final(t, st, job, 20*time.Second)
	if rec.Final != activity.StillRunning || rec.FinalDetail != "still running after 10 min" {
		t.Errorf("record %+v", rec)
	}
	if f.count() != 0 {
		t.Errorf("checked %d times past the limit", f.count())
	}
}

// Tokens sealed before the session keys rotated still open after, and a job
// started by a request that finished after its sign-out stops at once.
func TestKeyRotationAndLateFollow(t *testing.T) {
	st := storetest.SQLite(t)
	f := &follower{answers: []answer{{}, {p: jobs.Progress{Done: true, Final: activity.Completed}}}}
	old := start(t, st, f, jobs.Options{})
	job := started(t, st, time.Now())
	if err := old.Follow(context.Background(), job, "alice-session", "tok_alice"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := old.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	rotated := [][]byte{[]byte("new-hash-key-0123456789abcdef0123456789"), []byte("new-block-key-0123456789abcdef01"), keys[0], keys[1]}
	start(t, st, f, jobs.Options{Keys: rotated})
	if rec := final(t, st, job, 20*time.Second); rec.Final != activity.Completed {
		t.Errorf("after rotation: %+v", rec)
	}

	late := &follower{answers: []answer{{}}}
	r := start(t, st, late, jobs.Options{})
	job2 := started(t, st, time.Now())
	if err := r.Follow(context.Background(), job2, "gone-session", "tok_gone"); err != nil {
		t.Fatal(err)
	}
	if rec := final(t, st, job2, time.Second); rec.Final != activity.SignedOut {
		t.Errorf("a job for a session already gone: %+v", rec)
	}
	if n := jobTokens(t, st); n != 0 {
		t.Errorf("%d job tokens kept", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The activity record is pruned past the retention by a periodic job,
// which River's leader runs at start.
func TestPruneJobRunsAtStart(t *testing.T) {
	for engine, open := range engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			st := open(t)
			now := time.Now()
			for _, age := range []time.Duration{48 * time.Hour, time.Hour} {
				if _, err := st.Activity().Add(context.Background(), activity.Record{Time: now.Add(-age), Actor: "alice", Action: activity.Delete,
					ServerID: 7, ServerName: "web", SnapshotName: age.String(), Outcome: activity.Started}); err != nil {
					t.Fatal(err)
				}
			}
			start(t, st, &follower{answers: []answer{{}}}, jobs.Options{Retention: 24 * time.Hour})
			waitFor(t, func() bool {
				recs, _, err := st.Activity().Query(context.Background(), activity.Query{Servers: []int64{7}})
				return err == nil && len(recs) == 1 && recs[0].SnapshotName == "1h0m0s"
			})
		})
	}
}

// A job's end reaches the webhook once, in Slack's words and as fields,
// with a link and no token; a webhook answering 500 is tried again.
func TestWebhookGetsOneMessagePerOutcome(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, string(b))
		if len(bodies) == 1 {
			http.Error(w, "try later", http.StatusInternalServerError)
		}
	}))
	defer hook.Close()
	var delivered, failed atomic.Int32
	st := storetest.SQLite(t)
	f := &follower{answers: []answer{{p: jobs.Progress{Done: true, Final: activity.Completed}}}}
	r := start(t, st, f, jobs.Options{Webhook: hook.URL + "/services/T0/B0/secret", PublicURL: "https://snapdash.example.com/",
		ObserveNotify: func(ok bool) {
			if ok {
				delivered.Add(1)
			} else {
				failed.Add(1)
			}
		}})
	job := started(t, st, time.Now())
	job.ServerName, job.Actor = "web", "alice@example.com"
	if err := r.Follow(context.Background(), job, "alice-session", "tok_alice_secret"); err != nil {
		t.Fatal(err)
	}
	final(t, st, job, 20*time.Second)
	waitFor(t, func() bool { return delivered.Load() == 1 })
	// River holds every notice as delivered, and there was one: nothing more comes.
	waitFor(t, func() bool { return storetest.Jobs(t, st, "notify_webhook", "completed") == 1 })
	if n := storetest.Jobs(t, st, "notify_webhook"); n != 1 {
		t.Errorf("%d notices queued, want 1", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 || bodies[0] != bodies[1] || failed.Load() != 1 {
		t.Fatalf("%d deliveries (%d failed): %q", len(bodies), failed.Load(), bodies)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(bodies[1]), &m); err != nil {
		t.Fatal(err)
	}
	text, _ := m["text"].(string)
	if m["outcome"] != "completed" || m["person"] != "alice@example.com" || m["server"] != "web" || m["snapshot"] != "nightly" ||
		m["url"] != "https://snapdash.example.com/?server_id=7" || !strings.Contains(text, "alice@example.com's snapshot nightly of web: completed") {
		t.Errorf("message %v", m)
	}
	if strings.Contains(bodies[1], "tok_alice") {
		t.Error("the token is in the notification")
	}
}
