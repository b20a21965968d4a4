package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/internal/wait"
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

// stepper is a test's feature: a job acting with its person's token whose
// steps answer from a script (each answer in turn, the last one again and
// again). It remembers the tokens it was given and the stops it was told.
type stepper struct {
	mu      sync.Mutex
	answers []answer
	steps   int
	tokens  []vpsapi.Token
	stops   []string
}

type answer struct {
	next jobs.Next
	err  error
}

type stepArgs struct {
	ActivityID int64  `json:"activity_id"`
	TokenKey   string `json:"token_key"`
}

func (stepArgs) Kind() string { return "test_step" }

type stepWorker struct {
	river.WorkerDefaults[stepArgs]
	r *jobs.Runner
	s *stepper
}

func (w *stepWorker) Work(ctx context.Context, job *river.Job[stepArgs]) error {
	return w.r.Step(ctx, job.Args.TokenKey, func(final string) { w.Stop(ctx, job.Args, final) }, func(token vpsapi.Token) (jobs.Next, error) {
		w.s.mu.Lock()
		defer w.s.mu.Unlock()
		a := w.s.answers[min(w.s.steps, len(w.s.answers)-1)]
		w.s.steps++
		w.s.tokens = append(w.s.tokens, token)
		return a.next, a.err
	})
}

func (w *stepWorker) Stop(_ context.Context, _ stepArgs, final string) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	w.s.stops = append(w.s.stops, final)
}

func (s *stepper) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.steps
}

// start opens the engine on st with the stepper's worker, and works jobs.
func start(t *testing.T, st *store.Store, s *stepper, o jobs.Options) *jobs.Runner {
	t.Helper()
	o.Store = st
	if o.Keys == nil {
		o.Keys = keys
	}
	r, err := jobs.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	jobs.AddWorker(r, &stepWorker{r: r, s: s})
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return r
}

// started records an action alice started, signed in as "alice-session".
func started(t *testing.T, st *store.Store, at time.Time) int64 {
	t.Helper()
	err := st.Sessions().Create(context.Background(), "alice-session", []byte("x"), time.Hour)
	if err != nil && !strings.Contains(err.Error(), "UNIQUE") && !strings.Contains(err.Error(), "duplicate") {
		t.Fatal(err)
	}
	id, err := st.Activity().Add(context.Background(), activity.Record{Time: at, Actor: "alice", Action: activity.Restore,
		ServerID: 7, ServerName: "web", SnapshotID: 900, SnapshotName: "nightly", Outcome: activity.Started})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// insert starts the stepper's job for the record id with alice's token.
func insert(t *testing.T, r *jobs.Runner, id int64, session string, token vpsapi.Token) {
	t.Helper()
	err := r.InsertWithToken(context.Background(), jobs.Person{Session: session, Token: token, ActivityID: id, Life: time.Hour},
		func(key string) (river.JobArgs, *river.InsertOpts) {
			return stepArgs{ActivityID: id, TokenKey: key}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
}

// final waits for the record id to have a final outcome.
func final(t *testing.T, st *store.Store, id int64, within time.Duration) activity.Record {
	t.Helper()
	var rec activity.Record
	wait.Until(t, within, func() bool {
		recs, err := st.Activity().Get(context.Background(), []int64{id})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 1 {
			rec = recs[0]
		}
		return rec.Final != ""
	})
	return rec
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

// A job acting for a person steps with their token, past a failed step,
// and erases the token at its end; River's stored arguments hold a key to
// it, never the token.
func TestJobStepsWithItsPersonsToken(t *testing.T) {
	for engine, open := range engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			st := open(t)
			s := &stepper{answers: []answer{{next: jobs.Next{Wait: time.Millisecond}}, {err: vpsapi.ErrUnavailable}, {next: jobs.Next{Done: true}}}}
			r := start(t, st, s, jobs.Options{})
			insert(t, r, started(t, st, time.Now()), "alice-session", "tok_alice_secret")
			wait.Until(t, 20*time.Second, func() bool { return storetest.Jobs(t, st, "test_step", "completed") == 1 })
			if s.count() != 3 {
				t.Errorf("%d steps, want 3", s.count())
			}
			for _, tok := range s.tokens {
				if tok != "tok_alice_secret" {
					t.Errorf("stepped with token %q", tok)
				}
			}
			if n := jobTokens(t, st); n != 0 {
				t.Errorf("%d job tokens kept after the job ended", n)
			}
			if args := riverArgs(t, st); strings.Contains(args, "tok_alice_secret") || !strings.Contains(args, "token_key") {
				t.Errorf("River's stored arguments: %s", args)
			}
		})
	}
}

// Signing out stops the person's jobs: their tokens are erased, their
// records say "stopped: signed out", a job waiting for its next step is
// told so by its worker (Stopper) and cancelled, and no step follows.
func TestSignOutStopsJobs(t *testing.T) {
	for engine, open := range engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			st := open(t)
			s := &stepper{answers: []answer{{next: jobs.Next{Wait: time.Hour}}}}
			r := start(t, st, s, jobs.Options{})
			id := started(t, st, time.Now())
			insert(t, r, id, "alice-session", "tok_alice_secret")
			wait.Until(t, 20*time.Second, func() bool { return storetest.Jobs(t, st, "test_step", "scheduled") == 1 })
			n, err := r.StopFor(context.Background(), "alice-session", activity.SignedOut)
			if err != nil || n != 1 {
				t.Fatalf("stopped %d, %v; want 1", n, err)
			}
			if rec := final(t, st, id, time.Second); rec.Final != activity.SignedOut {
				t.Errorf("final %q, want %q", rec.Final, activity.SignedOut)
			}
			if n := jobTokens(t, st); n != 0 {
				t.Errorf("%d job tokens kept after the sign-out", n)
			}
			if n := storetest.Jobs(t, st, "test_step", "cancelled"); n != 1 {
				t.Errorf("%d jobs cancelled, want 1", n)
			}
			s.mu.Lock()
			if len(s.stops) != 1 || s.stops[0] != activity.SignedOut || s.steps != 1 {
				t.Errorf("stops %q after %d steps", s.stops, s.steps)
			}
			s.mu.Unlock()
			if n, err := r.StopFor(context.Background(), "alice-session", activity.SignedOut); n != 0 || err != nil {
				t.Errorf("a second sign-out stopped %d, %v", n, err)
			}
		})
	}
}

// A job that finds its token erased and records the sign-out itself,
// before the sign-out writes its record, is still counted as stopped.
func TestSignOutCountsAJobThatSaidSoFirst(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	r := start(t, st, &stepper{answers: []answer{{next: jobs.Next{Wait: time.Hour}}}}, jobs.Options{})
	id := started(t, st, time.Now())
	insert(t, r, id, "alice-session", "tok_alice_secret")
	if ok, err := st.Activity().Finish(context.Background(), id, activity.SignedOut, "", time.Now()); !ok || err != nil {
		t.Fatalf("the job's own record: %v %v", ok, err)
	}
	if n, err := r.StopFor(context.Background(), "alice-session", activity.SignedOut); n != 1 || err != nil {
		t.Errorf("stopped %d, %v; want 1", n, err)
	}
}

// Tokens sealed before the session keys rotated still open after, and a job
// inserted for a session that ended meanwhile stops at once.
func TestKeyRotationAndLateInsert(t *testing.T) {
	st := storetest.SQLite(t)
	s := &stepper{answers: []answer{{next: jobs.Next{Done: true}}}}
	old, err := jobs.New(context.Background(), jobs.Options{Store: st, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	jobs.AddWorker(old, &stepWorker{r: old, s: s})
	insert(t, old, started(t, st, time.Now()), "alice-session", "tok_alice")
	if err := old.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	rotated := [][]byte{[]byte("new-hash-key-0123456789abcdef0123456789"), []byte("new-block-key-0123456789abcdef01"), keys[0], keys[1]}
	start(t, st, s, jobs.Options{Keys: rotated})
	wait.Until(t, 20*time.Second, func() bool { return storetest.Jobs(t, st, "test_step", "completed") == 1 })
	if len(s.tokens) != 1 || s.tokens[0] != "tok_alice" {
		t.Errorf("after rotation the job stepped with %q", s.tokens)
	}

	late := &stepper{answers: []answer{{}}}
	st2 := storetest.SQLite(t)
	r2 := start(t, st2, late, jobs.Options{})
	id := started(t, st2, time.Now())
	insert(t, r2, id, "gone-session", "tok_gone")
	if rec := final(t, st2, id, time.Second); rec.Final != activity.SignedOut {
		t.Errorf("a job for a session already gone: %+v", rec)
	}
	if n := jobTokens(t, st2); n != 0 {
		t.Errorf("%d job tokens kept", n)
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
			start(t, st, &stepper{answers: []answer{{}}}, jobs.Options{Retention: 24 * time.Hour})
			wait.Until(t, 20*time.Second, func() bool {
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
	r := start(t, st, &stepper{answers: []answer{{}}}, jobs.Options{Webhook: hook.URL + "/services/T0/B0/secret", PublicURL: "https://snapdash.example.com/",
		ObserveNotify: func(ok bool) {
			if ok {
				delivered.Add(1)
			} else {
				failed.Add(1)
			}
		}})
	r.Notify(context.Background(), jobs.Notice{Action: activity.Create, Server: "web", ServerID: 7, Snapshot: "nightly", Person: "alice@example.com",
		Outcome: activity.Completed, Duration: 3 * time.Minute})
	wait.Until(t, 20*time.Second, func() bool { return delivered.Load() == 1 })
	// River holds every notice as delivered, and there was one: nothing more comes.
	wait.Until(t, 20*time.Second, func() bool { return storetest.Jobs(t, st, "notify_webhook", "completed") == 1 })
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

// A job inserted in a store transaction exists only if the transaction
// commits: rolled back, neither the job nor its sealed token remain.
func TestJobInsertedInATransactionThatRollsBackIsNotThere(t *testing.T) {
	for engine, open := range engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			st := open(t)
			s := &stepper{answers: []answer{{next: jobs.Next{Done: true}}}}
			r := start(t, st, s, jobs.Options{})
			id := started(t, st, time.Now())
			errLater := errors.New("a row written after the job failed")
			err := st.InTx(context.Background(), func(tx *store.Store) error {
				if _, err := tx.Activity().Add(context.Background(), activity.Record{Time: time.Now(), Actor: "alice", Action: activity.Restore,
					ServerID: 8, ServerName: "db", Outcome: activity.Started}); err != nil {
					return err
				}
				p := jobs.Person{Session: "alice-session", Token: "tok_alice", ActivityID: id, Life: time.Hour}
				if err := r.InsertWithTokenTx(context.Background(), tx, p, func(key string) (river.JobArgs, *river.InsertOpts) {
					return stepArgs{ActivityID: id, TokenKey: key}, nil
				}); err != nil {
					return err
				}
				return errLater
			})
			if !errors.Is(err, errLater) {
				t.Fatalf("InTx: %v", err)
			}
			if n := storetest.Jobs(t, st, "test_step"); n != 0 {
				t.Errorf("%d jobs inserted by a transaction rolled back", n)
			}
			if n := jobTokens(t, st); n != 0 {
				t.Errorf("%d tokens sealed by a transaction rolled back", n)
			}
			if n := storetest.Count(t, st, "SELECT COUNT(*) FROM activity WHERE server_id = 8"); n != 0 {
				t.Errorf("%d records written by a transaction rolled back", n)
			}
			if s.count() != 0 {
				t.Errorf("a job rolled back was worked %d times", s.count())
			}
		})
	}
}
