package web_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

func TestSnapshotsPageGroupsByServer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	page := b.signIn(simulator.DemoToken)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("status %d", page.StatusCode)
	}
	got := texts(page.Doc.Find("section.server h2"))
	want := []string{"build-runner-01", "db-server-01", "staging-01", "web-server-01"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("servers shown %q, want %q", got, want)
	}
	web := page.Doc.Find("#server-12345")
	if q := strings.Join(strings.Fields(web.Find(".quota").Text()), " "); !strings.HasSuffix(q, "2 / 5") {
		t.Errorf("quota of web-server-01 = %q, want 2 / 5", q)
	}
	if s := web.Find(`[data-testid="server-status"]`).Text(); s != "running" {
		t.Errorf("web-server-01 status %q", s)
	}
	if s := page.Doc.Find(`#server-12346 [data-testid="server-status"]`).Text(); s != "stopped" {
		t.Errorf("db-server-01 status %q", s)
	}
	rows := web.Find("tr.snapshot")
	if names := texts(rows.Find("td.name .snap-name")); strings.Join(names, ",") != "pre-migration-snapshot,weekly-snapshot-2025-01-08" {
		t.Errorf("rows %q, want newest first", names)
	}
	first := rows.First()
	if s := first.Find("td.num").First().Text(); s != "5.0 GB" {
		t.Errorf("size %q, want 5.0 GB", s)
	}
	tm := first.Find("time")
	if title, _ := tm.Attr("title"); title != "2025-01-15 18:30:00 UTC" {
		t.Errorf("hover time %q", title)
	}
	if tm.Text() != "4 d ago" {
		t.Errorf("age %q, want 4 d ago at the test clock", tm.Text())
	}
	if d := first.Find("td.desc").Text(); d != "Before major migration" {
		t.Errorf("description %q", d)
	}
	if q := page.Doc.Find("#server-12347 .quota"); !q.HasClass("full") {
		t.Error("staging-01 at 5/5 is not marked full")
	}
	if e := page.Doc.Find("#server-12348 .empty").Text(); !strings.Contains(e, "No snapshots") {
		t.Errorf("empty server says %q", e)
	}
}

func TestTwoTokensSeeOnlyTheirOwnServers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.AddAccount("tk-alice-3b9f8a", simulator.ServerSeed{Name: "alice-web", Snapshots: []simulator.SnapshotSeed{{Name: "alice-snap"}}})
	ts.sim.AddAccount("tk-bob-7d2c4e", simulator.ServerSeed{Name: "bob-db", Snapshots: []simulator.SnapshotSeed{{Name: "bob-snap"}}})
	alice := ts.browser().signIn("tk-alice-3b9f8a")
	bob := ts.browser().signIn("tk-bob-7d2c4e")
	if got := texts(alice.Doc.Find("section.server h2")); len(got) != 1 || got[0] != "alice-web" {
		t.Errorf("alice sees %q", got)
	}
	if got := texts(bob.Doc.Find("section.server h2")); len(got) != 1 || got[0] != "bob-db" {
		t.Errorf("bob sees %q", got)
	}
	if strings.Contains(alice.Body, "bob") || strings.Contains(bob.Body, "alice") {
		t.Error("one account's data appears on the other's page")
	}
}

func TestServerFilter(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	ts.sim.ResetCalls()
	r := b.get("/?server_id=12347")
	if got := texts(r.Doc.Find("section.server h2")); len(got) != 1 || got[0] != "staging-01" {
		t.Errorf("filtered to %q", got)
	}
	if n := ts.sim.Calls("GET /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d snapshot list calls, want 1", n)
	}
	if sel, _ := r.Doc.Find(`#server_id option[selected]`).Attr("value"); sel != "12347" {
		t.Errorf("filter select shows %q", sel)
	}
	for _, q := range []string{"abc", "-1", "<script>alert(1)</script>", "99999999999999999999", "424242"} {
		ts.sim.ResetCalls()
		r := b.get("/?server_id=" + q)
		if n := ts.sim.Calls("GET /api/v1/servers/"); n != 1 {
			t.Errorf("server_id=%q: %d server list calls, want 1", q, n)
		}
		if r.StatusCode != http.StatusOK {
			t.Errorf("server_id=%q: status %d", q, r.StatusCode)
			continue
		}
		if n := r.Doc.Find("section.server").Length(); n != 4 {
			t.Errorf("server_id=%q shows %d servers, want all 4", q, n)
		}
		if r.Doc.Find(".flash.info").Text() == "" {
			t.Errorf("server_id=%q: no note explains the filter was dropped", q)
		}
		if strings.Contains(r.Body, "<script>alert") {
			t.Errorf("server_id=%q reflected unescaped", q)
		}
	}
}

func TestEmptyAccount(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.AddAccount("tk-empty-91ab")
	r := ts.browser().signIn("tk-empty-91ab")
	if e := r.Doc.Find(".card.empty").Text(); !strings.Contains(e, "no servers") {
		t.Errorf("empty state says %q", e)
	}
}

func TestUpstreamDownGivesRetryPageAndKeepsSession(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fault  simulator.Fault
		status int
	}{
		{"500", simulator.Fault{Status: 500}, http.StatusBadGateway},
		{"garbage", simulator.Fault{Garbage: true}, http.StatusBadGateway},
		{"reset", simulator.Fault{Reset: true}, http.StatusBadGateway},
		{"hang", simulator.Fault{Hang: true}, http.StatusGatewayTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			b := ts.browser()
			b.signIn(simulator.DemoToken)
			ts.sim.SetFault(tc.fault)
			r := b.get("/?server_id=12345")
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			if strings.Contains(r.Body, "Traceback") || strings.Contains(r.Body, "goroutine") {
				t.Error("the page shows a trace")
			}
			if href, _ := r.Doc.Find(".problem a.button").First().Attr("href"); href != "/?server_id=12345" {
				t.Errorf("retry link %q", href)
			}
			ts.sim.ClearFault()
			b.stillSignedIn("the upstream's trouble")
		})
	}
}

func TestRevokedTokenSignsOut(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.AddAccount("tk-short-lived-6f0d")
	b := ts.browser()
	b.signIn("tk-short-lived-6f0d")
	ts.sim.RevokeToken("tk-short-lived-6f0d")
	r := b.get("/")
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "reason=refused") {
		t.Fatalf("status %d to %q, want sign-in with reason=refused", r.StatusCode, r.Header.Get("Location"))
	}
	page := b.follow(strings.TrimPrefix(r.Header.Get("Location"), ts.URL))
	if !strings.Contains(page.Doc.Find(".flash").Text(), "refused your API token") {
		t.Errorf("sign-in page says %q", page.Doc.Find(".flash").Text())
	}
	hx := b.get("/", "HX-Request", "true")
	if hx.Header.Get("HX-Redirect") == "" {
		t.Error("htmx request after sign-out has no HX-Redirect")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	if r := b.get("/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("healthz %d", r.StatusCode)
	}
	if r := b.get("/readyz"); r.StatusCode != http.StatusOK {
		t.Errorf("readyz %d with the upstream up", r.StatusCode)
	}
	ts.sim.SetFault(simulator.Fault{Status: 503})
	ts.clock.Add(6 * time.Second) // past the reuse of the last answer
	if r := b.get("/readyz"); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz %d with the upstream down, want 503", r.StatusCode)
	}
	if r := b.get("/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("healthz %d with the upstream down, want 200", r.StatusCode)
	}
}

func TestStaticAssetsHashedAndCached(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	page := b.get("/signin")
	src, ok := page.Doc.Find(`script[src*="htmx-2.0.11"]`).Attr("src")
	if !ok {
		t.Fatal("no htmx script on the page")
	}
	r := b.get(src)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("%s: status %d, Cache-Control %q", src, r.StatusCode, r.Header.Get("Cache-Control"))
	}
	if !strings.Contains(r.Header.Get("Content-Type"), "javascript") || !strings.Contains(r.Body, "htmx") {
		t.Errorf("htmx served as %q", r.Header.Get("Content-Type"))
	}
	if r := b.get("/static/000000000000/app.css"); r.Header.Get("Cache-Control") == "public, max-age=31536000, immutable" {
		t.Error("a stale hash is cached for a year")
	}
	if r := b.get("/static/x/../../go.mod"); r.StatusCode != http.StatusNotFound {
		t.Errorf("path traversal: status %d", r.StatusCode)
	}
}

func TestPagesAreNotCachedAndCarrySecurityHeaders(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	page := b.signIn(simulator.DemoToken)
	h := page.Header
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
		t.Error("missing nosniff or Referrer-Policy")
	}
}

func TestTokenNeverInResponsesOrLogs(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	page := b.signIn(simulator.DemoToken)
	b.get("/?server_id=12345")
	ts.sim.SetFault(simulator.Fault{Status: 500})
	b.get("/")
	ts.sim.ClearFault()
	b.post("/signout", nil)
	if strings.Contains(page.Body, simulator.DemoToken) {
		t.Error("the token appears in the snapshots page")
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, "signed in") {
		t.Fatal("the logs were not captured; the check below would prove nothing")
	}
	if strings.Contains(logs, simulator.DemoToken) {
		t.Error("the token appears in the logs")
	}
}

// Probes reuse the upstream check for a few seconds, instead of one API call
// each; /readyz also fails while the session store does.
func TestReadinessCachedAndCoversTheSessionStore(t *testing.T) {
	t.Parallel()
	var pings atomic.Int32
	db := storetest.SQLite(t)
	ts := newTestServerWith(t, testSetup{store: db, upstream: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				pings.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	}})
	b := ts.browser()
	for range 20 {
		if r := b.get("/readyz"); r.StatusCode != http.StatusOK {
			t.Fatalf("readyz %d", r.StatusCode)
		}
	}
	if n := pings.Load(); n != 1 {
		t.Errorf("20 probes within a second made %d upstream checks, want 1", n)
	}
	ts.clock.Add(6 * time.Second)
	b.get("/readyz")
	if n := pings.Load(); n != 2 {
		t.Errorf("a probe after the answer grew old made %d checks in all, want 2", n)
	}
	if err := db.Close(); err != nil { // the database goes away
		t.Fatal(err)
	}
	if r := b.get("/readyz"); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "session store") {
		t.Errorf("readyz with the session store gone: %d %q, want 503 naming it", r.StatusCode, r.Body)
	}
}
