package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// as sends requests the way the SSO proxy forwards them for who.
func as(who string) []string { return []string{"X-Forwarded-Email", who} }

func TestIdentityFromTrustedProxyShownAndRecorded(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, trustLoopback)
	b := ts.browser()
	alice := as("alice@example.com")
	b.get("/signin", alice...)
	if r := b.post("/signin", url.Values{"token": {simulator.DemoToken}}, alice...); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.StatusCode)
	}
	page := b.get("/", alice...)
	if who := page.Doc.Find("header .who").Text(); !strings.Contains(who, "alice@example.com") {
		t.Errorf("header bar shows %q", who)
	}
	form := formFields(b.get("/snapshots/new?server_id=12348", alice...), "form.create")
	form.Set("name", "by-alice")
	if r := b.post("/snapshots", form, alice...); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	page = b.get("/", alice...)
	if by := page.Doc.Find("#server-12348 tr.snapshot .by").Text(); !strings.Contains(by, "created by alice@example.com") || !strings.Contains(by, "just now") {
		t.Errorf("row says %q", by)
	}
	acts := b.get("/activity", alice...)
	rec := acts.Doc.Find("tr.record").First()
	if !strings.Contains(rec.Find(".who").Text(), "alice@example.com") || !strings.Contains(rec.Find(".what").Text(), "by-alice") ||
		!strings.Contains(rec.Text(), "build-runner-01") || !strings.Contains(rec.Text(), "started") {
		t.Errorf("activity row: %q", strings.Join(strings.Fields(rec.Text()), " "))
	}
	if !strings.Contains(ts.logs.String(), `"msg":"activity","actor":"alice@example.com","action":"create","outcome":"started"`) {
		t.Error("no structured activity log line naming alice")
	}

	// A restore shows who started it while it runs.
	conf := formFields(b.get("/snapshots/801/restore?server_id=12345", alice...), "form.confirm")
	conf.Set("confirm_name", "web-server-01")
	b.post("/snapshots/801/restore?server_id=12345", conf, alice...)
	if note := b.get("/", alice...).Doc.Find("#server-12345 .restoring-note").Text(); !strings.Contains(note, "Started by alice@example.com") {
		t.Errorf("restoring note: %q", note)
	}
}

func TestActivityWithoutSSONamesTheToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/snapshots/798/delete?server_id=12345")
	b.post("/snapshots/798/delete?server_id=12345", formFields(page, "form.confirm"))
	rec := b.get("/activity").Doc.Find("tr.record").First()
	if who := rec.Find(".who").Text(); who != "token …2025" {
		t.Errorf("actor %q, want the token's last characters", who)
	}
	if !strings.Contains(rec.Text(), "deleted snapshot") || !strings.Contains(rec.Text(), "done") {
		t.Errorf("record: %q", strings.Join(strings.Fields(rec.Text()), " "))
	}
}

func TestActivityOnlyForServersTheTokenSees(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(cfg *webConfig, _ *simOptions) { cfg.DeleteGroups = []string{"admins"} })
	demo := ts.browser()
	demo.signIn(simulator.DemoToken)
	form := newForm(demo, "12348")
	form.Set("name", "secret-work")
	demo.post("/snapshots", form)
	refused := newForm(demo, "12347")
	refused.Set("name", "sixth")
	demo.post("/snapshots", refused)

	all := demo.get("/activity")
	if n := all.Doc.Find("tr.record").Length(); n != 2 {
		t.Errorf("the demo account sees %d records, want 2", n)
	}
	if !strings.Contains(all.Body, "Snapshot limit reached") {
		t.Error("the refusal's reason is not recorded")
	}
	if f := demo.get("/activity?server_id=12348"); f.Doc.Find("tr.record").Length() != 1 {
		t.Error("filter by server does not narrow the list")
	}

	ts.sim.AddAccount("tk-other-team-8e21", simulator.ServerSeed{Name: "theirs"})
	other := ts.browser()
	other.signIn("tk-other-team-8e21")
	page := other.get("/activity")
	if n := page.Doc.Find("tr.record").Length(); n != 0 || strings.Contains(page.Body, "secret-work") {
		t.Errorf("another account sees %d records of servers it cannot see", n)
	}
	if p := other.get("/activity?server_id=12348"); strings.Contains(p.Body, "secret-work") {
		t.Error("a server filter reveals another account's activity")
	}
}

func TestDifferentIdentityEndsSession(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, trustLoopback)
	b := ts.browser()
	b.get("/signin", as("alice@example.com")...)
	b.post("/signin", url.Values{"token": {simulator.DemoToken}}, as("alice@example.com")...)
	if r := b.get("/", as("alice@example.com")...); r.StatusCode != http.StatusOK {
		t.Fatalf("alice: %d", r.StatusCode)
	}
	r := b.get("/", as("mallory@example.com")...)
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "reason=identity") {
		t.Errorf("another identity on alice's cookie: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if ts.sessions() != 0 {
		t.Error("the session was not deleted")
	}
	if r := b.get("/", as("alice@example.com")...); r.StatusCode != http.StatusSeeOther {
		t.Error("alice's session came back")
	}
}

func TestIdentityFromUntrustedPeerIsIgnored(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t) // trusts no proxy
	b := ts.browser()
	b.get("/signin", as("ceo@example.com")...)
	b.post("/signin", url.Values{"token": {simulator.DemoToken}}, as("ceo@example.com")...)
	page := b.get("/", as("ceo@example.com")...)
	if strings.Contains(page.Body, "ceo@example.com") {
		t.Error("a forged identity header from an untrusted peer is shown")
	}
	form := formFields(b.get("/snapshots/new?server_id=12348", as("ceo@example.com")...), "form.create")
	form.Set("name", "forged")
	b.post("/snapshots", form, as("ceo@example.com")...)
	if strings.Contains(b.get("/activity").Body, "ceo@example.com") {
		t.Error("a forged identity reached the activity record")
	}
}

func TestRequireIdentity(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, trustLoopback, func(c *webConfig, _ *simOptions) { c.RequireIdentity = true })
	b := ts.browser()
	if r := b.get("/signin"); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "single sign-on") {
		t.Errorf("without identity: %d", r.StatusCode)
	}
	if r := b.get("/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("health checks need no identity: %d", r.StatusCode)
	}
	if r := b.get("/signin", as("alice@example.com")...); r.StatusCode != http.StatusOK {
		t.Errorf("with identity: %d", r.StatusCode)
	}
}

func TestBasePath(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *webConfig, _ *simOptions) { c.BasePath = "/snapdash/" })
	b := ts.browser()
	if r := b.get("/"); r.StatusCode != http.StatusNotFound {
		t.Errorf("outside the base path: %d", r.StatusCode)
	}
	r := b.get("/snapdash/?server_id=12345")
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/snapdash/signin?") || !strings.Contains(loc, "next=%2F%3Fserver_id%3D12345") {
		t.Errorf("signed-out redirect %q", loc)
	}
	signin := b.get("/snapdash/signin")
	if a := signin.Doc.Find("main form").AttrOr("action", ""); a != "/snapdash/signin" {
		t.Errorf("sign-in form posts to %q", a)
	}
	r = b.post("/snapdash/signin", url.Values{"token": {simulator.DemoToken}, "next": {"/?server_id=12345"}})
	if loc := r.Header.Get("Location"); loc != "/snapdash/?server_id=12345" {
		t.Errorf("after sign-in: %q", loc)
	}
	for _, c := range r.Cookies() {
		if c.Path != "/snapdash/" {
			t.Errorf("cookie %s has path %q", c.Name, c.Path)
		}
	}
	page := b.get("/snapdash/")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", page.StatusCode)
	}
	page.Doc.Find("a[href], form[action], script[src], link[href], [hx-get], [hx-post]").Each(func(_ int, s *goquery.Selection) {
		for _, attr := range []string{"href", "action", "src", "hx-get", "hx-post"} {
			if v, ok := s.Attr(attr); ok && strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "/snapdash/") {
				t.Errorf("%s=%q escapes the base path", attr, v)
			}
		}
	})
	if css := page.Doc.Find(`link[rel="stylesheet"]`).AttrOr("href", ""); b.get(css).StatusCode != http.StatusOK {
		t.Errorf("stylesheet %q does not load", css)
	}
	form := newForm(b, "12348")
	form.Set("name", "under-prefix")
	if r := b.post("/snapdash/snapshots", form); r.Header.Get("Location") != "/snapdash/#server-12348" {
		t.Errorf("create redirects to %q", r.Header.Get("Location"))
	}
	hx := b.hx(http.MethodGet, "/snapdash/?x=1", nil)
	poll := hx.Doc.Find("#server-12348 .poller").AttrOr("hx-get", "")
	if !strings.HasPrefix(poll, "/snapdash/poll/") || b.hx(http.MethodGet, poll, nil).StatusCode != http.StatusOK {
		t.Errorf("poll URL %q", poll)
	}
	if out := b.post("/snapdash/signout", url.Values{"jobs": {"stop"}}); !strings.HasPrefix(out.Header.Get("Location"), "/snapdash/signin") {
		t.Errorf("sign-out redirects to %q", out.Header.Get("Location"))
	}
}
