package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// buildSnapdash builds the snapdash binary once per run.
var buildSnapdash = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(buildDir, "snapdash")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/snapdash").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build snapdash: %v\n%s", err, out)
	}
	return bin, nil
})

// replica is one snapdash process.
type replica struct {
	URL     string
	Metrics string // its metrics listener
	logs    *bytes.Buffer
	proc    *os.Process
	mu      *sync.Mutex // guards logs
}

// log is what the replica has written so far.
func (r *replica) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.String()
}

func startReplica(t *testing.T, apiURL, databaseURL string) *replica {
	return startReplicaKeys(t, apiURL, databaseURL, "replica-test-key-replica-test-key-0001")
}

func startReplicaKeys(t *testing.T, apiURL, databaseURL, keys string, env ...string) *replica {
	t.Helper()
	bin, err := buildSnapdash()
	if err != nil {
		t.Fatal(err)
	}
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"SNAPDASH_LISTEN="+addr, "SNAPDASH_METRICS_LISTEN="+metricsAddr, "SNAPDASH_API_URL="+apiURL,
		"SNAPDASH_DATABASE_URL="+databaseURL,
		"SNAPDASH_SESSION_KEYS="+keys,
		"SNAPDASH_LOG_FORMAT=json", "SNAPDASH_UPSTREAM_TIMEOUT=3s")
	cmd.Env = append(cmd.Env, env...)
	r := &replica{URL: "http://" + addr, Metrics: "http://" + metricsAddr, logs: &bytes.Buffer{}, mu: &sync.Mutex{}}
	w := writerFunc(func(p []byte) (int, error) { r.mu.Lock(); defer r.mu.Unlock(); return r.logs.Write(p) })
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.proc = cmd.Process
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("replica %s log:\n%s", addr, r.log())
		}
	})
	wait.Until(t, 10*time.Second, func() bool {
		resp, err := http.Get(r.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return r
}

// person is one browser, as plain HTTP: cookies are per host, so it is
// signed in on every replica at 127.0.0.1 at once.
type person struct {
	t      *testing.T
	client *http.Client
	csrf   string
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
var formIDInput = regexp.MustCompile(`name="form_id" value="([^"]+)"`)

func newPerson(t *testing.T) *person {
	jar, _ := cookiejar.New(nil)
	return &person{t: t, client: &http.Client{Jar: jar, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (p *person) get(u string) (int, string) {
	p.t.Helper()
	resp, err := p.client.Get(u)
	if err != nil {
		p.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfInput.FindSubmatch(b); m != nil {
		p.csrf = string(m[1])
	}
	return resp.StatusCode, string(b)
}

func (p *person) post(u string, form url.Values) (int, string) {
	p.t.Helper()
	form.Set("_csrf", p.csrf)
	resp, err := p.client.PostForm(u, form)
	if err != nil {
		p.t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *person) signIn(base string) {
	p.t.Helper()
	p.get(base + "/signin")
	if code, body := p.post(base+"/signin", url.Values{"token": {simulator.DemoToken}}); code != http.StatusSeeOther {
		p.t.Fatalf("sign-in on %s: %d\n%s", base, code, body)
	}
}

func (p *person) formID(u string) string {
	p.t.Helper()
	_, body := p.get(u)
	m := formIDInput.FindStringSubmatch(body)
	if m == nil {
		p.t.Fatalf("no form_id at %s", u)
	}
	return m[1]
}

// TestTwoReplicasSharePostgreSQL: sessions, activity and the double-submit
// guard are shared through PostgreSQL; PostgreSQL going away gives a clear
// error and loses nothing once it is back.
func TestTwoReplicasSharePostgreSQL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	pg := pgtest.Start(t)
	sim := simulator.New(simulator.Options{SnapshotDelay: time.Hour})
	upstream := httptest.NewServer(sim)
	t.Cleanup(upstream.Close)
	a := startReplica(t, upstream.URL, pg.URL)
	b := startReplica(t, upstream.URL, pg.URL)
	p := newPerson(t)

	// Sign in on one, act on the other.
	p.signIn(a.URL)
	// What reaches the database is encrypted: the token is nowhere in it.
	stored := sessionRows(t, pg.URL)
	if len(stored) == 0 {
		t.Fatal("no session in PostgreSQL")
	}
	for _, v := range stored {
		if strings.Contains(v, simulator.DemoToken) {
			t.Error("a stored session holds the token in clear")
		}
	}
	if code, body := p.get(b.URL + "/"); code != http.StatusOK || !strings.Contains(body, "web-server-01") {
		t.Fatalf("replica B does not know the session made on A: %d", code)
	}
	fid := p.formID(b.URL + "/snapshots/new?server_id=12348")
	if code, _ := p.post(b.URL+"/snapshots", url.Values{"server_id": {"12348"}, "name": {"on-b"}, "form_id": {fid}}); code != http.StatusSeeOther {
		t.Fatalf("create on B: %d", code)
	}
	// The same form sent again to the other replica: not sent to VPS.org again.
	if code, _ := p.post(a.URL+"/snapshots", url.Values{"server_id": {"12348"}, "name": {"on-b"}, "form_id": {fid}}); code != http.StatusSeeOther {
		t.Errorf("repeat on A: %d", code)
	}
	if n := sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("one form sent to two replicas made %d create calls, want 1", n)
	}
	fid = p.formID(a.URL + "/snapshots/798/delete?server_id=12345")
	if code, _ := p.post(a.URL+"/snapshots/798/delete?server_id=12345", url.Values{"form_id": {fid}}); code != http.StatusSeeOther {
		t.Fatalf("delete on A: %d", code)
	}
	_, acts := p.get(a.URL + "/activity")
	if !strings.Contains(acts, "on-b") || !strings.Contains(acts, "weekly-snapshot-2025-01-08") {
		t.Error("the activity page of A does not show both replicas' records")
	}

	// Metrics: by route and operation, and no token anywhere.
	if code, _ := p.get(a.URL + "/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: %d, want 404", code)
	}
	_, m := p.get(a.Metrics + "/metrics")
	for _, want := range []string{`snapdash_http_requests_total{method="GET",route="/activity",status="200"}`,
		`snapdash_upstream_requests_total{op="delete snapshot",status="204"}`, "snapdash_sessions ", "snapdash_polls_in_flight 0"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, simulator.DemoToken) {
		t.Error("a token appears in the metrics")
	}

	// PostgreSQL stops: pages say so (503), /readyz fails; once it is back the
	// same cookie works and the activity is all there.
	pg.Stop()
	code, body := p.get(b.URL + "/")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "session store") {
		t.Errorf("with PostgreSQL down: %d", code)
	}
	if code, _ := p.get(b.URL + "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with PostgreSQL down: %d", code)
	}
	pg.Restart()
	wait.Until(t, 10*time.Second, func() bool { code, _ := p.get(a.URL + "/"); return code == http.StatusOK })
	if code, _ := p.get(b.URL + "/"); code != http.StatusOK {
		t.Errorf("after PostgreSQL came back: %d, the session was lost", code)
	}
	if _, acts := p.get(b.URL + "/activity"); !strings.Contains(acts, "on-b") {
		t.Error("activity lost across a PostgreSQL restart")
	}

	// Key rotation: a replica with a new key put first still opens the session.
	rotated := startReplicaKeys(t, upstream.URL, pg.URL, "replica-test-key-NEW-NEW-NEW-NEW-0002,replica-test-key-replica-test-key-0001")
	if code, _ := p.get(rotated.URL + "/"); code != http.StatusOK {
		t.Errorf("after a key rotation the session does not open: %d", code)
	}

	// Sign out on one ends the session on both.
	p.get(a.URL + "/")
	if code, _ := p.post(a.URL+"/signout", url.Values{"jobs": {"stop"}}); code != http.StatusSeeOther {
		t.Fatalf("sign-out on A: %d", code)
	}
	if code, _ := p.get(b.URL + "/"); code != http.StatusSeeOther {
		t.Errorf("after signing out on A, B still serves the page (%d)", code)
	}
}

// sessionRows reads what the database holds for each session.
func sessionRows(t *testing.T, databaseURL string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT data FROM sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			t.Fatal(err)
		}
		out = append(out, string(data))
	}
	return out
}
