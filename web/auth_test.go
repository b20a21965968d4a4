package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

func TestSignInPageSuggestsDemoToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *webConfig, _ *simOptions) { c.DemoToken = simulator.DemoToken })
	r := ts.browser().get("/signin")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	if got := r.Doc.Find("#demo-token").Text(); got != simulator.DemoToken {
		t.Errorf("demo token shown = %q, want %q", got, simulator.DemoToken)
	}
	if !strings.Contains(r.Doc.Find(".banner").Text(), "simulat") {
		t.Error("no banner says this is the simulator")
	}
}

func TestSignedOutVisitorIsSentToSignIn(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	r := ts.browser().get("/?server_id=12345")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", r.StatusCode)
	}
	loc, _ := url.Parse(r.Header.Get("Location"))
	if loc.Path != "/signin" || loc.Query().Get("next") != "/?server_id=12345" {
		t.Errorf("redirected to %s, want the sign-in page remembering the filter", loc)
	}
}

func TestSignInWithGoodTokenShowsSnapshotsAndReturnsToSharedURL(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.get("/signin?next=" + url.QueryEscape("/?server_id=12345"))
	r := b.post("/signin", url.Values{"token": {simulator.DemoToken}, "next": {"/?server_id=12345"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/?server_id=12345" {
		t.Fatalf("sign-in answered %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	page := b.follow("/?server_id=12345")
	if got := texts(page.Doc.Find("section.server h2")); len(got) != 1 || got[0] != "web-server-01" {
		t.Errorf("filtered page shows servers %q", got)
	}
	if !strings.Contains(page.Doc.Find("#flashes").Text(), "Signed in") {
		t.Error("no flash message after signing in")
	}
}

func TestSignInRefusesNextOffSite(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		b := ts.browser() // signed out: the CSRF token rotates at sign-in
		b.get("/signin")
		r := b.post("/signin", url.Values{"token": {simulator.DemoToken}, "next": {next}})
		if loc := r.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%q redirected to %q, want /", next, loc)
		}
	}
}

func TestSignInWithBadTokenStoresNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.get("/signin")
	r := b.post("/signin", url.Values{"token": {"not-a-real-token"}})
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", r.StatusCode)
	}
	if msg := r.Doc.Find("#token-error").Text(); !strings.Contains(msg, "refused") {
		t.Errorf("error shown = %q", msg)
	}
	if strings.Contains(r.Body, "not-a-real-token") {
		t.Error("the refused token was echoed back into the page")
	}
	if b.cookie("snapdash_session") != nil {
		t.Error("a session cookie was set for a refused token")
	}
	if n := ts.sessions(); n != 0 {
		t.Errorf("%d session files stored for a refused token", n)
	}
}

func TestSignInEmptyAndMalformedToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	for _, tok := range []string{"", "   ", "has space", strings.Repeat("x", 600)} {
		b.get("/signin")
		r := b.post("/signin", url.Values{"token": {tok}})
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc.Find("#token-error").Text() == "" {
			t.Errorf("token %q: status %d, error %q", tok, r.StatusCode, r.Doc.Find("#token-error").Text())
		}
	}
	if n := ts.sim.TotalCalls(); n != 0 {
		t.Errorf("malformed tokens cost %d upstream calls, want 0", n)
	}
}

func TestSignInChecksTokenWithOneCall(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.get("/signin")
	b.post("/signin", url.Values{"token": {simulator.DemoToken}})
	if n := ts.sim.TotalCalls(); n != 1 {
		t.Errorf("sign-in made %d upstream calls, want 1", n)
	}
}

func TestSignInWhenUpstreamDownKeepsPersonOnForm(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.SetFault(simulator.Fault{Status: 503})
	b := ts.browser()
	b.get("/signin")
	r := b.post("/signin", url.Values{"token": {simulator.DemoToken}})
	if r.StatusCode != http.StatusBadGateway || !strings.Contains(r.Doc.Find("#token-error").Text(), "could not be reached") {
		t.Errorf("status %d, error %q", r.StatusCode, r.Doc.Find("#token-error").Text())
	}
	if b.cookie("snapdash_session") != nil {
		t.Error("a session was made without checking the token")
	}
}

func TestSessionIDChangesAtSignIn(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	first := b.cookie("snapdash_session").Value
	b.signIn(simulator.DemoToken)
	if second := b.cookie("snapdash_session").Value; second == first {
		t.Error("signing in again kept the same session cookie")
	}
	// The first session is gone from the store: replaying it gets the sign-in page.
	other := ts.browser().setCookies(&http.Cookie{Name: "snapdash_session", Value: first})
	if r := other.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the pre-sign-in session still opens the page (status %d)", r.StatusCode)
	}
}

func TestSignOutForgetsToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	old := b.cookie("snapdash_session")
	if old == nil {
		t.Fatal("no session cookie after sign-in")
	}
	r := b.post("/signout", nil)
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "reason=signed-out") {
		t.Fatalf("sign-out answered %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if n := ts.sessions(); n != 0 {
		t.Errorf("%d session files remain after sign-out", n)
	}
	// Replaying the old cookie, as a thief would, gets the sign-in page.
	thief := ts.browser().setCookies(old)
	if r := thief.get("/"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin") {
		t.Errorf("old cookie after sign-out: status %d, location %q", r.StatusCode, r.Header.Get("Location"))
	}
	page := b.follow("/signin?reason=signed-out")
	if !strings.Contains(page.Doc.Find(".flash").Text(), "signed out") {
		t.Error("the sign-in page does not say the person was signed out")
	}
}

func TestSessionCookieHoldsOnlyAnID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ts := newTestServerWith(t, testSetup{store: storetest.SQLiteIn(t, dir)})
	b := ts.browser()
	b.get("/signin")
	r := b.post("/signin", url.Values{"token": {simulator.DemoToken}})
	var found bool
	for _, c := range r.Cookies() {
		if c.Name != "snapdash_session" {
			continue
		}
		found = true
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("session cookie HttpOnly=%v SameSite=%v", c.HttpOnly, c.SameSite)
		}
		if len(c.Value) > 4096 || strings.Contains(c.Value, simulator.DemoToken) {
			t.Errorf("session cookie value is %d bytes or holds the token", len(c.Value))
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
	// At rest the token is encrypted: not in the database's files.
	files, _ := os.ReadDir(dir)
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		data, _ := os.ReadFile(dir + "/" + f.Name())
		if strings.Contains(string(data), simulator.DemoToken) {
			t.Errorf("database file %s holds the token in clear", f.Name())
		}
	}
}

func TestIdleTimeoutEndsSession(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	ts.clock.Add(29 * time.Minute)
	if r := b.get("/"); r.StatusCode != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d, want the page", r.StatusCode)
	}
	ts.clock.Add(29 * time.Minute) // activity above restarted the idle timer
	if r := b.get("/"); r.StatusCode != http.StatusOK {
		t.Fatalf("29 minutes after activity: %d, want the page", r.StatusCode)
	}
	ts.clock.Add(31 * time.Minute)
	r := b.get("/")
	if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "reason=idle") {
		t.Errorf("after 31 idle minutes: %d to %q, want sign-in with reason=idle", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestAbsoluteLifetimeEndsSession(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	for range 25 { // keep active every 29 minutes for more than 12 hours
		ts.clock.Add(29 * time.Minute)
		if r := b.get("/"); r.StatusCode != http.StatusOK {
			if !strings.Contains(r.Header.Get("Location"), "reason=lifetime") {
				t.Fatalf("ended with %q, want reason=lifetime", r.Header.Get("Location"))
			}
			return
		}
	}
	t.Error("an active session outlived its 12 h lifetime")
}

// A token in the query string of the sign-in POST is not read: it would sit
// in proxy logs and browser history.
func TestSignInTokenOnlyFromTheFormBody(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.AddAccount("tk-in-query-5c1e", simulator.ServerSeed{Name: "q"})
	b := ts.browser()
	b.get("/signin")
	r := b.post("/signin?token=tk-in-query-5c1e", url.Values{})
	if r.StatusCode == http.StatusSeeOther {
		t.Fatal("a token in the query string signed in")
	}
	if !strings.Contains(r.Doc.Find(".field-error, .error, [role=alert]").Text(), "Paste your VPS.org API token") {
		t.Errorf("the form does not ask for the token: %q", r.Doc.Find("main").Text())
	}
	if p := b.get("/"); p.StatusCode != http.StatusSeeOther {
		t.Errorf("signed in after a token in the query string (status %d)", p.StatusCode)
	}
}

// An upstream that answers 302 to another port does not get the token taken
// there, and its answer is not a sign-in.
func TestSignInThroughARedirectingUpstreamFails(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"count": 0, "next": null, "results": []}`))
	}))
	defer elsewhere.Close()
	ts := newTestServerWith(t, testSetup{upstream: func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusFound)
		})
	}})
	b := ts.browser()
	b.get("/signin")
	r := b.post("/signin", url.Values{"token": {"tk-redirected-9f0b"}})
	if r.StatusCode == http.StatusSeeOther {
		t.Fatal("an answer from the redirect's target signed in")
	}
	if r.StatusCode != http.StatusBadGateway || !strings.Contains(r.Body, "could not be reached") {
		t.Errorf("sign-in through a redirect: %d %q", r.StatusCode, r.Doc.Find("main").Text())
	}
	if leaked.Load() {
		t.Error("the token was sent to the redirect's target")
	}
	if !strings.Contains(ts.logs.String(), "redirect") {
		t.Error("the log does not say VPS.org answered with a redirect")
	}
}

// The sign-in page starts in the token field: there is nothing else to do.
func TestSignInStartsInTheTokenField(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	if ts.browser().get("/signin").Doc.Find("input#token[autofocus]").Length() != 1 {
		t.Error("the token field does not take the focus")
	}
}
