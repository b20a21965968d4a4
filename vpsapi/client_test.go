package vpsapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

const demo = vpsapi.Token(simulator.DemoToken)

func newClient(t *testing.T, h http.Handler, opts vpsapi.Options) *vpsapi.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if opts.RetryWait == nil {
		opts.RetryWait = []time.Duration{time.Millisecond, time.Millisecond}
	}
	c, err := vpsapi.New(srv.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newSim(t *testing.T, opts simulator.Options) (*simulator.Simulator, *vpsapi.Client) {
	sim := simulator.New(opts)
	return sim, newClient(t, sim, vpsapi.Options{})
}

func TestListSnapshotsFollowsPagination(t *testing.T) {
	sim, c := newSim(t, simulator.Options{PageSize: 3})
	got, err := c.ListSnapshots(context.Background(), demo, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 8 {
		t.Fatalf("got %d snapshots, want all 8 of the demo account", len(got))
	}
	if n := sim.Calls("GET /api/v1/snapshots/"); n != 3 {
		t.Errorf("made %d list calls for 8 items at 3 a page, want 3", n)
	}
	seen := map[int64]bool{}
	for _, s := range got {
		if seen[s.ID] {
			t.Errorf("snapshot %d listed twice", s.ID)
		}
		seen[s.ID] = true
	}
	var first vpsapi.Snapshot
	for _, s := range got {
		if s.ID == 798 {
			first = s
		}
	}
	if first.ID != 798 || first.Server.Name != "web-server-01" || *first.SizeMB != 4856 ||
		!first.CreatedAt.Equal(time.Date(2025, 1, 8, 12, 0, 0, 0, time.UTC)) || first.Description != "Weekly snapshot" {
		t.Errorf("snapshot 798 decoded as %+v", first)
	}
}

func TestListSnapshotsFilteredByServer(t *testing.T) {
	_, c := newSim(t, simulator.Options{})
	got, err := c.ListSnapshots(context.Background(), demo, 12345)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != 801 || got[1].ID != 798 {
		t.Fatalf("server 12345 snapshots = %+v, want 801 then 798", got)
	}
}

func TestAuthorizationCarriesCallersToken(t *testing.T) {
	var seen atomic.Value
	sim := simulator.New(simulator.Options{})
	sim.AddAccount("alice-token-1111", simulator.ServerSeed{Name: "alice-box"})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("Accept") + "|" + r.Header.Get("User-Agent"))
		sim.ServeHTTP(w, r)
	})
	c := newClient(t, h, vpsapi.Options{})
	servers, err := c.ListServers(context.Background(), "alice-token-1111")
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 1 || servers[0].Name != "alice-box" {
		t.Errorf("alice sees %+v, want only alice-box", servers)
	}
	parts := strings.Split(seen.Load().(string), "|")
	if parts[0] != "Bearer alice-token-1111" || parts[1] != "application/json" || !strings.Contains(parts[2], "Snapdash") {
		t.Errorf("headers sent: %q", parts)
	}
}

func TestUnauthorized(t *testing.T) {
	_, c := newSim(t, simulator.Options{})
	for name, call := range map[string]func() error{
		"list": func() error { _, err := c.ListSnapshots(context.Background(), "wrong", 0); return err },
		"create": func() error {
			_, err := c.CreateSnapshot(context.Background(), "wrong", vpsapi.CreateRequest{ServerID: 12345, Name: "x"})
			return err
		},
		"restore": func() error { _, err := c.RestoreSnapshot(context.Background(), "wrong", 801); return err },
		"delete":  func() error { return c.DeleteSnapshot(context.Background(), "wrong", 801) },
		"empty":   func() error { _, err := c.ListServers(context.Background(), ""); return err },
	} {
		err := call()
		if !errors.Is(err, vpsapi.ErrUnauthorized) {
			t.Errorf("%s with a bad token: err = %v, want ErrUnauthorized", name, err)
		}
	}
}

func TestCreateSnapshot(t *testing.T) {
	sim, c := newSim(t, simulator.Options{})
	got, err := c.CreateSnapshot(context.Background(), demo, vpsapi.CreateRequest{ServerID: 12345, Name: "before-update", Description: "Before update"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != vpsapi.StatusInProgress || got.SizeMB != nil || got.Server.ID != 12345 || got.Name != "before-update" {
		t.Errorf("created = %+v", got)
	}
	if !strings.Contains(got.Message, "3-10 minutes") {
		t.Errorf("message = %q, want the upstream's estimate", got.Message)
	}
	if n := len(sim.Snapshots(simulator.DemoToken)); n != 9 {
		t.Errorf("account has %d snapshots after a create, want 9", n)
	}
}

func TestCreateRefusals(t *testing.T) {
	_, c := newSim(t, simulator.Options{})
	ctx := context.Background()

	_, err := c.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: 12345, Name: "bad name!"})
	var e *vpsapi.Error
	if !errors.As(err, &e) || !errors.Is(err, vpsapi.ErrRejected) || e.Status != 400 || !strings.Contains(strings.Join(e.Fields["name"], " "), "letters, digits") {
		t.Errorf("bad name: %v", err)
	}

	_, err = c.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: 12347, Name: "sixth"})
	if !errors.As(err, &e) || !errors.Is(err, vpsapi.ErrRejected) || !strings.Contains(e.Summary(), "limit") {
		t.Errorf("sixth snapshot: %v", err)
	}

	_, err = c.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: 99999, Name: "ok"})
	if !errors.Is(err, vpsapi.ErrNotFound) {
		t.Errorf("unknown server: %v", err)
	}
}

func TestRestoreSnapshot(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	sim, c := newSim(t, simulator.Options{Now: clock, RestoreDelay: time.Minute})
	ctx := context.Background()
	got, err := c.RestoreSnapshot(ctx, demo, 801)
	if err != nil {
		t.Fatal(err)
	}
	if got.Server.Status != vpsapi.ServerRestoring || got.Snapshot.ID != 801 || !strings.Contains(got.Message, "5-15 minutes") {
		t.Errorf("restore = %+v", got)
	}
	srv, err := c.GetServer(ctx, demo, 12345)
	if err != nil || srv.Status != vpsapi.ServerRestoring {
		t.Errorf("server during restore = %+v, %v", srv, err)
	}
	_, err = c.RestoreSnapshot(ctx, demo, 798)
	var e *vpsapi.Error
	if !errors.As(err, &e) || e.Status != 400 || !strings.Contains(e.Summary(), "not in a valid state") {
		t.Errorf("second restore while restoring: %v", err)
	}
	_, err = c.RestoreSnapshot(ctx, demo, 424242)
	if !errors.Is(err, vpsapi.ErrNotFound) {
		t.Errorf("unknown snapshot: %v", err)
	}
	now = now.Add(time.Minute)
	if st := sim.ServerStatus(12345); st != "running" {
		t.Errorf("after the restore delay the server is %q, want running", st)
	}
}

func TestDeleteSnapshot(t *testing.T) {
	sim, c := newSim(t, simulator.Options{})
	ctx := context.Background()
	if err := c.DeleteSnapshot(ctx, demo, 798); err != nil {
		t.Fatal(err)
	}
	for _, s := range sim.Snapshots(simulator.DemoToken) {
		if s.ID == 798 {
			t.Fatal("snapshot 798 still there after delete")
		}
	}
	if err := c.DeleteSnapshot(ctx, demo, 798); !errors.Is(err, vpsapi.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}

func TestOneTokenNeverSeesAnothersServers(t *testing.T) {
	sim, c := newSim(t, simulator.Options{})
	ids := sim.AddAccount("bob-token", simulator.ServerSeed{Name: "bob-box", Snapshots: []simulator.SnapshotSeed{{Name: "bobs"}}})
	ctx := context.Background()
	got, err := c.ListSnapshots(ctx, "bob-token", 0)
	if err != nil || len(got) != 1 || got[0].Name != "bobs" {
		t.Fatalf("bob lists %+v, %v", got, err)
	}
	if _, err := c.GetServer(ctx, demo, ids[0]); !errors.Is(err, vpsapi.ErrNotFound) {
		t.Errorf("demo reading bob's server: %v, want not found", err)
	}
	if err := c.DeleteSnapshot(ctx, demo, got[0].ID); !errors.Is(err, vpsapi.ErrNotFound) {
		t.Errorf("demo deleting bob's snapshot: %v, want not found", err)
	}
	if _, err := c.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: ids[0], Name: "x"}); !errors.Is(err, vpsapi.ErrNotFound) {
		t.Errorf("demo snapshotting bob's server: %v, want not found", err)
	}
}

func TestSnapshotCompletesAfterDelay(t *testing.T) {
	now := time.Now()
	_, c := newSim(t, simulator.Options{Now: func() time.Time { return now }, SnapshotDelay: 10 * time.Second})
	ctx := context.Background()
	created, err := c.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: 12348, Name: "first"})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * time.Second)
	got, err := c.ListSnapshots(ctx, demo, 12348)
	if err != nil || len(got) != 1 || got[0].ID != created.ID || got[0].Status != vpsapi.StatusCompleted || got[0].SizeMB == nil {
		t.Fatalf("after the delay: %+v, %v", got, err)
	}
}

func TestUpstreamTrouble(t *testing.T) {
	cases := []struct {
		name  string
		fault simulator.Fault
	}{
		{"500", simulator.Fault{Status: 500}},
		{"503", simulator.Fault{Status: 503}},
		{"garbage JSON", simulator.Fault{Garbage: true}},
		{"connection reset", simulator.Fault{Reset: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := newSim(t, simulator.Options{})
			sim.SetFault(tc.fault)
			_, err := c.ListSnapshots(context.Background(), demo, 0)
			var e *vpsapi.Error
			if !errors.As(err, &e) || !errors.Is(err, vpsapi.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if strings.Contains(e.Error(), "Traceback") || e.Summary() != "" {
				t.Errorf("the upstream's error page leaked into the error: %q", e.Error())
			}
		})
	}
}

func TestGETRetriedOnceTroubleClears(t *testing.T) {
	sim, c := newSim(t, simulator.Options{})
	sim.SetFault(simulator.Fault{Status: 503, Times: 1})
	if _, err := c.ListServers(context.Background(), demo); err != nil {
		t.Fatalf("a single 503 should be retried: %v", err)
	}
	if n := sim.Calls("GET /api/v1/servers/"); n != 2 {
		t.Errorf("%d calls, want 2 (one retry)", n)
	}
}

func TestPOSTAndDELETENeverRetried(t *testing.T) {
	for _, fault := range []simulator.Fault{{Status: 503}, {Reset: true}} {
		sim, c := newSim(t, simulator.Options{})
		sim.SetFault(fault)
		ctx := context.Background()
		if _, err := c.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: 12345, Name: "x"}); !errors.Is(err, vpsapi.ErrUnavailable) {
			t.Errorf("create: %v", err)
		}
		if _, err := c.RestoreSnapshot(ctx, demo, 801); !errors.Is(err, vpsapi.ErrUnavailable) {
			t.Errorf("restore: %v", err)
		}
		if err := c.DeleteSnapshot(ctx, demo, 801); !errors.Is(err, vpsapi.ErrUnavailable) {
			t.Errorf("delete: %v", err)
		}
		for _, key := range []string{"POST /api/v1/snapshots/", "POST /api/v1/snapshots/{id}/restore/", "DELETE /api/v1/snapshots/{id}/"} {
			if n := sim.Calls(key); n != 1 {
				t.Errorf("%+v: %s sent %d times, want once", fault, key, n)
			}
		}
	}
}

func TestHangingUpstreamHonoursTimeout(t *testing.T) {
	sim := simulator.New(simulator.Options{})
	sim.SetFault(simulator.Fault{Hang: true})
	c := newClient(t, sim, vpsapi.Options{Timeout: 150 * time.Millisecond})
	done := make(chan error, 1)
	go func() { _, err := c.ListSnapshots(context.Background(), demo, 0); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, vpsapi.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want unavailable by deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not give up on a hanging upstream")
	}
}

func TestNextLinkToAnotherHostIsRefused(t *testing.T) {
	var evilHit atomic.Bool
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { evilHit.Store(true) }))
	defer evil.Close()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"count": 3, "next": %q, "results": [{"id": 1, "name": "a", "status": "completed", "server": {"id": 1, "name": "s"}, "created_at": "2025-01-01T00:00:00Z"}]}`, evil.URL+"/api/v1/snapshots/?page=2")
	})
	c := newClient(t, h, vpsapi.Options{})
	_, err := c.ListSnapshots(context.Background(), demo, 0)
	if !errors.Is(err, vpsapi.ErrUnavailable) {
		t.Errorf("err = %v, want unavailable", err)
	}
	if evilHit.Load() {
		t.Error("the token was sent to another host")
	}
}

// A next link whose query is not a valid one (a space in it) is still
// followed, its query sent encoded: the second page's snapshots are listed,
// not a 400 blamed on the caller (FuzzListAnswer found it).
func TestNextLinkWithAnUnencodedQueryIsFollowed(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const snap = `{"id": %d, "name": "a", "status": "completed", "server": {"id": 1, "name": "s"}, "created_at": "2025-01-01T00:00:00Z"}`
		if r.URL.Query().Get("page") == "2 x" {
			fmt.Fprintf(w, `{"count": 2, "next": null, "results": [`+snap+`]}`, 2)
			return
		}
		fmt.Fprintf(w, `{"count": 2, "next": "/api/v1/snapshots/?page=2 x", "results": [`+snap+`]}`, 1)
	})
	c := newClient(t, h, vpsapi.Options{})
	snaps, err := c.ListSnapshots(context.Background(), demo, 0)
	if err != nil || len(snaps) != 2 || snaps[1].ID != 2 {
		t.Errorf("listed %+v, %v; want both pages", snaps, err)
	}
}

func TestTokenNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sim := simulator.New(simulator.Options{})
	c := newClient(t, sim, vpsapi.Options{Logger: log})
	ctx := context.Background()
	_, _ = c.ListSnapshots(ctx, demo, 0)
	sim.SetFault(simulator.Fault{Reset: true})
	_, _ = c.ListSnapshots(ctx, demo, 0)
	log.Info("token as a value", "token", demo)
	if buf.Len() == 0 {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	if strings.Contains(buf.String(), simulator.DemoToken) {
		t.Errorf("the token appears in the log:\n%s", buf.String())
	}
	if got := fmt.Sprint(demo); strings.Contains(got, simulator.DemoToken) {
		t.Errorf("fmt prints the token: %s", got)
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "admin.vps.org", "ftp://x", "http://"} {
		if _, err := vpsapi.New(u, vpsapi.Options{}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

// The simulator counts each account's calls, which the perf harness reads, and
// keeps nothing for tokens it does not know.
func TestSimulatorCountsCallsByAccount(t *testing.T) {
	sim, c := newSim(t, simulator.Options{})
	ctx := context.Background()
	for range 2 {
		if _, err := c.ListServers(ctx, demo); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if _, err := c.ListServers(ctx, vpsapi.Token(fmt.Sprintf("made-up-token-%d", i))); !errors.Is(err, vpsapi.ErrUnauthorized) {
			t.Fatalf("a made-up token: %v", err)
		}
	}
	if n := sim.TokenCalls(string(demo)); n != 2 {
		t.Errorf("the demo account made %d calls, counted %d", 2, n)
	}
	if n := sim.TokenCalls("made-up-token-0"); n != 0 {
		t.Errorf("a made-up token was counted (%d)", n)
	}
	sim.ResetCalls()
	if n := sim.TokenCalls(string(demo)); n != 0 {
		t.Errorf("%d calls counted after ResetCalls", n)
	}
}

// The simulator can be told to fail snapshots by name, and logs each call
// with its time, for tests of what happens when.
func TestSimulatorFailsSnapshotsByNameAndLogsCalls(t *testing.T) {
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	sim, c := newSim(t, simulator.Options{Now: clock, SnapshotDelay: time.Minute, FailSnapshotsNamed: "before-restore-"})
	ctx := context.Background()
	for _, name := range []string{"before-restore-20250120-1200", "nightly"} {
		if _, err := c.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: 12348, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(2 * time.Minute)
	snaps, err := c.ListSnapshots(ctx, demo, 12348)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, s := range snaps {
		status[s.Name] = s.Status
	}
	if status["before-restore-20250120-1200"] != vpsapi.StatusFailed || status["nightly"] != vpsapi.StatusCompleted {
		t.Errorf("statuses %v", status)
	}
	sim.FailSnapshotsNamed("")
	reqs := sim.Requests()
	if len(reqs) != 3 || reqs[0].Key != "POST /api/v1/snapshots/" || !reqs[2].Time.Equal(now) || !reqs[0].Time.Before(reqs[2].Time) {
		t.Errorf("request log %+v", reqs)
	}
}
