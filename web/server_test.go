package web_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/metrics"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
	"github.com/snapdash/snapdash/web"
)

// clock is a controllable time source shared by Snapdash and the simulator.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer collects log output from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testServer struct {
	t        testing.TB
	URL      string
	sim      *simulator.Simulator
	clock    *clock
	logs     *syncBuffer
	db       *store.Store
	captured *syncBuffer // every request URL, response header and body
	base     string      // the base path, "" at the root
	metrics  *metrics.Metrics

	mu     sync.Mutex
	tokens []string // every token a test signed in with
}

type (
	// webConfig is web's configuration and the use cases' rules a test sets.
	webConfig struct {
		web.Config
		RestoreGroups, DeleteGroups, ScheduleGroups []string
	}
	simOptions = simulator.Options
	serverOpt  func(*webConfig, *simOptions)
)

// newTestServer runs Snapdash against the simulator, both over real HTTP.
// Its API client makes every call it is asked for, so tests can count them.
func newTestServer(t *testing.T, opts ...serverOpt) *testServer {
	t.Helper()
	return newTestServerWith(t, testSetup{}, opts...)
}

// newSharedTestServer coalesces reads as cmd/snapdash wires it (vpsapi.Shared).
func newSharedTestServer(t *testing.T, opts ...serverOpt) *testServer {
	t.Helper()
	return newTestServerWith(t, testSetup{shared: true}, opts...)
}

// newBenchServer is newTestServer for benchmarks.
func newBenchServer(b *testing.B, opts ...serverOpt) *testServer {
	b.Helper()
	return newTestServerWith(b, testSetup{}, opts...)
}

// testSetup is what a test server is built from beyond its configuration.
type testSetup struct {
	shared   bool                            // coalesce reads (vpsapi.Shared)
	store    *store.Store                    // default: SQLite in a temp dir, on the test's clock
	sessions session.Backend                 // default: the store's
	upstream func(http.Handler) http.Handler // wraps the simulator, to misbehave
	jobs     bool                            // follow accepted actions with River jobs, on the test's clock
}

func newTestServerWith(t testing.TB, setup testSetup, opts ...serverOpt) *testServer {
	t.Helper()
	clk := &clock{now: time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)}
	cfg := webConfig{Config: web.Config{
		SessionKeys:     [][]byte{bytes.Repeat([]byte("h"), 32), bytes.Repeat([]byte("b"), 32)},
		IdleTimeout:     30 * time.Minute,
		SessionLifetime: 12 * time.Hour,
		Simulator:       true,
		SignInPerMinute: 600,
	}}
	simOpts := simulator.Options{Now: clk.Now, SnapshotDelay: 10 * time.Second, RestoreDelay: 20 * time.Second}
	for _, o := range opts {
		o(&cfg, &simOpts)
	}

	m := metrics.New()
	sim := simulator.New(simOpts)
	var upstreamHandler http.Handler = sim
	if setup.upstream != nil {
		upstreamHandler = setup.upstream(sim)
	}
	upstream := httptest.NewServer(upstreamHandler)
	t.Cleanup(upstream.Close)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api, err := vpsapi.New(upstream.URL, vpsapi.Options{Timeout: 2 * time.Second, Logger: log, RetryWait: []time.Duration{time.Millisecond},
		Observe: m.ObserveUpstream})
	if err != nil {
		t.Fatal(err)
	}
	db := setup.store
	if db == nil {
		db = storetest.SQLiteAt(t, clk.Now)
	}
	var backend session.Backend = db.Sessions()
	if setup.sessions != nil {
		backend = setup.sessions
	}
	m.CountSessions(db.Sessions())
	deps := web.Deps{API: api, Sessions: backend, Metrics: m, Log: log, Now: clk.Now}
	if setup.shared {
		deps.API = vpsapi.NewShared(api, time.Second, clk.Now)
	}
	so := servicestest.Options{Keys: cfg.SessionKeys, Log: log, Now: clk.Now, Work: setup.jobs,
		Roles: dashboard.Roles{Restore: cfg.RestoreGroups, Delete: cfg.DeleteGroups, Schedule: cfg.ScheduleGroups}}
	so.Schedule.ObserveRun = m.ObserveRun
	if setup.jobs {
		so.Schedule.Automation = simulator.DemoAutomationToken
	}
	deps.Services = servicestest.New(t, db, deps.API, so)
	app, err := web.New(cfg.Config, deps)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, sim: sim, clock: clk, logs: logs, db: db, captured: &syncBuffer{}, base: strings.TrimSuffix(cfg.BasePath, "/"), metrics: m}
	if cfg.DemoToken == "" {
		// The demo token is public when shown; otherwise it must leak nowhere.
		ts.tokens = []string{simulator.DemoToken}
	}
	ts.tokens = append(ts.tokens, simulator.DemoAutomationToken) // never shown, never logged
	srv := httptest.NewServer(ts.capture(app))
	t.Cleanup(srv.Close)
	t.Cleanup(ts.scanForTokens)
	ts.URL = srv.URL
	return ts
}

// capture records what a browser or an observer could see of each exchange.
func (ts *testServer) capture(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "%s %s\n", r.Method, r.URL.String())
		_ = rec.Header().Write(&buf)
		buf.Write(rec.Body.Bytes())
		_, _ = ts.captured.Write(buf.Bytes())
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			body := rec.Body.Bytes()
			if rec.Header().Get("Content-Encoding") == "gzip" {
				if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
					body, _ = io.ReadAll(zr)
				}
			}
			keepHTML(body)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// scanForTokens fails the test when any token it used shows up in a
// response, a header, a URL or a log line.
func (ts *testServer) scanForTokens() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	seen := ts.captured.String()
	logs := ts.logs.String()
	for _, tok := range ts.tokens {
		if len(tok) < 10 {
			ts.t.Errorf("token %q is too short for the leak scan to be meaningful", tok)
			continue
		}
		if strings.Contains(seen, tok) {
			ts.t.Errorf("token %s…: appears in a response, header or URL", tok[:4])
		}
		if strings.Contains(logs, tok) {
			ts.t.Errorf("token %s…: appears in the logs", tok[:4])
		}
	}
}

// browser is a cookie-jar client that remembers the CSRF token of the last page, as a browser would.
type browser struct {
	ts     *testServer
	client *http.Client
	csrf   string
}

func (ts *testServer) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{ts: ts, client: &http.Client{
		Jar: jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// response is a finished request with its body read.
type response struct {
	*http.Response
	Body string
	Doc  *goquery.Document
}

func (b *browser) do(req *http.Request) response {
	b.ts.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.ts.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := response{Response: resp, Body: string(body)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			b.ts.t.Fatal(err)
		}
		r.Doc = doc
		if v, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok {
			b.csrf = v
		}
	}
	return r
}

func (b *browser) get(path string, headers ...string) response {
	b.ts.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.ts.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// follow gets path and follows redirects within Snapdash, like a browser.
func (b *browser) follow(path string) response {
	b.ts.t.Helper()
	for range 5 {
		r := b.get(path)
		if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusFound && r.StatusCode != http.StatusMovedPermanently {
			return r
		}
		path = strings.TrimPrefix(r.Header.Get("Location"), b.ts.URL)
	}
	b.ts.t.Fatal("too many redirects")
	return response{}
}

// post submits a form with the page's CSRF token unless the form already has one.
func (b *browser) post(path string, form url.Values, headers ...string) response {
	b.ts.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// signIn signs in with token and returns the page it lands on.
func (b *browser) signIn(token string) response {
	b.ts.t.Helper()
	b.ts.mu.Lock()
	b.ts.tokens = append(b.ts.tokens, token)
	b.ts.mu.Unlock()
	b.get("/signin")
	r := b.post("/signin", url.Values{"token": {token}})
	if r.StatusCode != http.StatusSeeOther {
		b.ts.t.Fatalf("sign-in with %q answered %d, want 303:\n%s", token, r.StatusCode, r.Body)
	}
	return b.follow(strings.TrimPrefix(r.Header.Get("Location"), b.ts.URL))
}

// setCookies puts cookies in the browser's jar, as a replayed or planted cookie would be.
func (b *browser) setCookies(cookies ...*http.Cookie) *browser {
	u, _ := url.Parse(b.ts.URL)
	b.client.Jar.SetCookies(u, cookies)
	return b
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.ts.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// sessions counts the sessions the store holds (not yet expired).
func (ts *testServer) sessions() int {
	n, err := ts.db.Sessions().Count()
	if err != nil {
		ts.t.Fatal(err)
	}
	return n
}

// stillSignedIn fails the test unless the session still opens the page.
func (b *browser) stillSignedIn(why string) {
	b.ts.t.Helper()
	if r := b.get(b.ts.base + "/"); r.StatusCode != http.StatusOK {
		b.ts.t.Errorf("the session did not survive %s (status %d)", why, r.StatusCode)
	}
}

func texts(s *goquery.Selection) []string {
	var out []string
	s.Each(func(_ int, e *goquery.Selection) { out = append(out, strings.TrimSpace(e.Text())) })
	return out
}

// hx sends an htmx request: the CSRF token in the header, as hx-headers does.
func (b *browser) hx(method, path string, form url.Values) response {
	b.ts.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.ts.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", b.csrf)
	return b.do(req)
}

// formFields reads the named form's hidden fields and values, as a browser would submit them.
func formFields(r response, selector string) url.Values {
	v := url.Values{}
	r.Doc.Find(selector + " input").Each(func(_ int, in *goquery.Selection) {
		// As a browser: a box or radio button counts only when checked.
		if typ := in.AttrOr("type", ""); typ == "checkbox" || typ == "radio" {
			if _, checked := in.Attr("checked"); !checked {
				return
			}
		}
		if name, ok := in.Attr("name"); ok {
			v.Set(name, in.AttrOr("value", ""))
		}
	})
	// A select sends its selected option, else its first.
	r.Doc.Find(selector + " select").Each(func(_ int, sel *goquery.Selection) {
		opt := sel.Find("option[selected]").First()
		if opt.Length() == 0 {
			opt = sel.Find("option").First()
		}
		if name, ok := sel.Attr("name"); ok && opt.Length() == 1 {
			v.Set(name, opt.AttrOr("value", opt.Text()))
		}
	})
	return v
}
