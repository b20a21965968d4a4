package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/store"
)

func writeFile(name, s string) error { return os.WriteFile(name, []byte(s), 0o600) }

// TestServeOnEmbeddedSimulatorAndStop runs Snapdash as `go run ./cmd/snapdash`
// would, checks it answers, then stops it as SIGTERM does.
// startServe runs serve with the embedded simulator and args, as main does, and
// returns its address, the cancel that stands for SIGTERM, and its result.
func startServe(t *testing.T, args ...string) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	return startServeLogged(t, io.Discard, args...)
}

// startServeLogged is startServe writing its log to logs.
func startServeLogged(t *testing.T, logs io.Writer, args ...string) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	cfg, err := parseConfig(append([]string{"--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...), env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)), ready) }()
	select {
	case addr := <-ready:
		return addr, cancel, done
	case err := <-done:
		t.Fatalf("serve stopped at start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil, nil
}

func TestServeOnEmbeddedSimulatorAndStop(t *testing.T) {
	addr, cancel, done := startServe(t)
	resp, err := http.Get("http://" + addr + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "demo-snapdash-token") {
		t.Errorf("sign-in page: %d, demo token shown: %v", resp.StatusCode, strings.Contains(string(body), "demo-snapdash-token"))
	}
	if resp, err := http.Get("http://" + addr + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("readyz on the embedded simulator: %v %v", resp, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}
}

func TestRunReportsBadConfigInOneLine(t *testing.T) {
	var out strings.Builder
	code := run(context.Background(), nil, env(map[string]string{"SNAPDASH_SESSION_STORE": "nope"}), &out)
	if code != 2 || strings.Count(strings.TrimSpace(out.String()), "\n") != 0 || !strings.Contains(out.String(), "SNAPDASH_SESSION_STORE") {
		t.Errorf("exit %d, output %q", code, out.String())
	}
}

// A price's currency is a code or a sign, nothing that could pass for
// more words on the page.
func TestPriceCurrencyIsChecked(t *testing.T) {
	for cur, ok := range map[string]bool{"EUR": true, "€": true, "": true, "US$": true, "EUR per": false, "<b>": false, "ABCDEFGHIJ": false} {
		_, err := parseConfig(nil, env(map[string]string{"SNAPDASH_PRICE_PER_GB_MONTH": "0.05", "SNAPDASH_PRICE_CURRENCY": cur}), io.Discard)
		if (err == nil) != ok {
			t.Errorf("SNAPDASH_PRICE_CURRENCY=%q: %v", cur, err)
		}
	}
}

// TestShutdownFinishesInFlightRequests: what SIGTERM does (main cancels the
// context serve runs under): a request in flight gets its answer, a new one
// is refused.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	addr, cancel, done := startServe(t, "--sim-latency", "700ms")

	type result struct {
		status int
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/readyz") // waits on the slow upstream
		if err != nil {
			inflight <- result{err: err}
			return
		}
		resp.Body.Close()
		inflight <- result{status: resp.StatusCode}
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	time.Sleep(100 * time.Millisecond)
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("a new request was accepted after shutdown began")
	}
	r := <-inflight
	if r.err != nil || r.status != http.StatusOK {
		t.Errorf("the request in flight: %d, %v; want it finished with 200", r.status, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestSimulatorRunsAlone: `snapdash simulator` serves the API for other tools.
func TestSimulatorRunsAlone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"simulator", "--listen", addr, "--page-size", "2"}, env(nil), io.Discard)
	}()
	var resp *http.Response
	for range 50 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/snapshots/?server_id=12345", nil)
		req.Header.Set("Authorization", "Bearer demo-snapdash-token-2025")
		if resp, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("simulator did not answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"pre-migration-snapshot"`) || !strings.Contains(string(body), `"count":2`) {
		t.Errorf("simulator answered %d: %s", resp.StatusCode, body)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("simulator exit code %d", code)
	}
}

// freePort is a loopback address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// /metrics is served on its own listener, not beside the pages.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	metricsAddr := freePort(t)
	addr, _, _ := startServe(t, "--metrics-listen", metricsAddr)
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if _, body := get("http://" + addr + "/metrics"); strings.Contains(body, "snapdash_polls_in_flight") {
		t.Error("/metrics is served beside the pages")
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "snapdash_polls_in_flight") {
		t.Errorf("metrics listener: %d", resp.StatusCode)
	}
}

// A deployment whose cookies can never be Secure is told so at start, once.
func TestWarnsWhenCookiesCanNeverBeSecure(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		warn bool
	}{
		{"all interfaces, no proxy", []string{"--listen", ":0"}, true},
		{"loopback", nil, false},
		{"trusted proxy", []string{"--listen", ":0", "--trusted-proxies", "10.0.0.0/8"}, false},
		{"always secure", []string{"--listen", ":0", "--cookie-secure", "always"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncWriter
			startServeLogged(t, &logs, tc.args...)
			out := logs.String()
			n := strings.Count(out, "never be marked Secure")
			if tc.warn && (n != 1 || !strings.Contains(out, "SNAPDASH_TRUSTED_PROXIES") || !strings.Contains(out, "SNAPDASH_COOKIE_SECURE")) {
				t.Errorf("%d warnings naming the settings, want 1:\n%s", n, out)
			}
			if !tc.warn && n != 0 {
				t.Errorf("warned without cause:\n%s", out)
			}
		})
	}
}

// syncWriter collects a log written from several goroutines.
type syncWriter struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// The default start keeps its state in the SQLite file of the data directory:
// a person signed in before a restart is still signed in after it, and the
// activity record is still there.
func TestSessionsAndActivitySurviveARestart(t *testing.T) {
	dir := t.TempDir()
	keys := "restart-test-key-restart-test-key-0001"
	args := []string{"--data-dir", dir, "--session-keys", keys}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	get := func(u string) (int, string) {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	addr, stop, done := startServe(t, args...)
	_, page := get("http://" + addr + "/signin")
	m := csrf.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	resp, err := client.PostForm("http://"+addr+"/signin", url.Values{"_csrf": {m[1]}, "token": {"demo-snapdash-token-2025"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %v %v", resp, err)
	}
	resp.Body.Close()
	_, page = get("http://" + addr + "/snapshots/new?server_id=12348")
	form := url.Values{"_csrf": {csrf.FindStringSubmatch(page)[1]}, "server_id": {"12348"}, "name": {"before-restart"},
		"form_id": {regexp.MustCompile(`name="form_id" value="([^"]+)"`).FindStringSubmatch(page)[1]}}
	if resp, err := client.PostForm("http://"+addr+"/snapshots", form); err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %v %v", resp, err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "snapdash.db")); err != nil {
		t.Fatalf("no SQLite file in the data directory: %v", err)
	}

	addr, _, _ = startServe(t, args...) // the same port is not needed: cookies are per host
	if code, _ := get("http://" + addr + "/"); code != http.StatusOK {
		t.Fatalf("after a restart the session is gone (%d)", code)
	}
	if _, acts := get("http://" + addr + "/activity"); !strings.Contains(acts, "before-restart") {
		t.Error("after a restart the activity record is gone")
	}
}

// snapdash migrate brings the database up to date and says its version.
func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	if code := run(context.Background(), []string{"migrate", "--data-dir", dir}, env(nil), &out); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	files, _ := filepath.Glob("../../internal/store/migrations/sqlite/*.sql")
	if want := fmt.Sprintf("sqlite database is at version %d", len(files)); len(files) == 0 || !strings.Contains(out.String(), want) {
		t.Errorf("output %q", out.String())
	}
	db, err := sql.Open("sqlite", store.SQLiteDSN(filepath.Join(dir, store.FileName)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM river_job").Scan(&n); err != nil {
		t.Errorf("River's tables after migrate: %v", err)
	}
	if code := run(context.Background(), []string{"migrate"}, env(map[string]string{"SNAPDASH_DATABASE_URL": "postgres://127.0.0.1:1/none?connect_timeout=1"}), &out); code != 1 {
		t.Errorf("migrate against no PostgreSQL: exit %d", code)
	}
}
