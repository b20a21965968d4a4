package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

func trustLoopback(c *webConfig, _ *simOptions) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

func TestCookiesSecureOnlyOverHTTPS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		opts    []serverOpt
		headers []string
		secure  bool
	}{
		{"plain HTTP", nil, nil, false},
		{"HTTPS via trusted proxy", []serverOpt{trustLoopback}, []string{"X-Forwarded-Proto", "https"}, true},
		{"forged proto from untrusted peer", nil, []string{"X-Forwarded-Proto", "https"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.opts...)
			b := ts.browser()
			page := b.get("/signin", tc.headers...)
			r := b.post("/signin", url.Values{"token": {simulator.DemoToken}}, tc.headers...)
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", r.StatusCode)
			}
			cookies := append(page.Cookies(), r.Cookies()...)
			if len(cookies) < 2 {
				t.Fatalf("cookies set: %v", cookies)
			}
			for _, c := range cookies {
				if c.Secure != tc.secure {
					t.Errorf("cookie %s: Secure=%v, want %v", c.Name, c.Secure, tc.secure)
				}
				if !c.HttpOnly || (c.SameSite != http.SameSiteLaxMode && c.SameSite != http.SameSiteStrictMode) {
					t.Errorf("cookie %s: HttpOnly=%v SameSite=%v", c.Name, c.HttpOnly, c.SameSite)
				}
				if len(c.Value) > 4096 {
					t.Errorf("cookie %s is %d bytes", c.Name, len(c.Value))
				}
			}
		})
	}
}

func TestEveryStateChangingRouteNeedsCSRF(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	ts.sim.ResetCalls()
	routes := []struct{ method, path string }{
		{http.MethodPost, "/signin"},
		{http.MethodPost, "/signout"},
		{http.MethodPost, "/snapshots"},
		{http.MethodPost, "/snapshots/801/restore?server_id=12345"},
		{http.MethodPost, "/snapshots/801/delete?server_id=12345"},
		{http.MethodDelete, "/snapshots/801?server_id=12345"},
	}
	form := url.Values{"token": {simulator.DemoToken}, "server_id": {"12345"}, "name": {"x"}, "confirm_name": {"web-server-01"}}
	for _, rt := range routes {
		for _, variant := range []struct {
			name    string
			token   string
			headers []string
		}{
			{"no token", "", nil},
			{"wrong token", "not-the-token", nil},
			{"cross-site", b.csrf, []string{"Sec-Fetch-Site", "cross-site"}},
		} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("_csrf", variant.token)
			req, _ := http.NewRequest(rt.method, ts.URL+rt.path, strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for i := 0; i+1 < len(variant.headers); i += 2 {
				req.Header.Set(variant.headers[i], variant.headers[i+1])
			}
			if r := b.do(req); r.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s, %s: %d, want 403", rt.method, rt.path, variant.name, r.StatusCode)
			}
		}
	}
	if n := ts.sim.TotalCalls(); n != 0 {
		t.Errorf("refused requests reached VPS.org %d times", n)
	}
	b.stillSignedIn("refused requests")
}

func TestNoGETChangesState(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	for _, path := range []string{
		"/", "/?server_id=12345", "/snapshots/new?server_id=12345",
		"/snapshots/801/restore?server_id=12345&confirm_name=web-server-01", "/snapshots/801/delete?server_id=12345",
		"/snapshots?server_id=12345&name=via-get", "/snapshots/801", "/poll/servers/12345?r=1", "/signout",
	} {
		b.get(path)
	}
	for _, key := range []string{"POST /api/v1/snapshots/", "POST /api/v1/snapshots/{id}/restore/", "DELETE /api/v1/snapshots/{id}/"} {
		if n := ts.sim.Calls(key); n != 0 {
			t.Errorf("GET requests caused %d calls of %s", n, key)
		}
	}
	b.stillSignedIn("GET requests")
}

func TestSecurityHeadersOnEveryPageAndFragment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	check := func(what string, r response) {
		t.Helper()
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", what, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: nosniff %q, Referrer-Policy %q", what, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", what, h.Get("Cache-Control"))
		}
	}
	check("page", b.get("/"))
	check("create form", b.get("/snapshots/new?server_id=12345"))
	check("fragment", b.hx(http.MethodGet, "/snapshots/801/restore?server_id=12345", nil))
	check("poll", b.hx(http.MethodGet, "/poll/servers/12345?r=1", nil))
	check("not found", b.get("/nowhere"))
	ts.sim.SetFault(simulator.Fault{Status: 500})
	check("error page", b.get("/"))
	ts.sim.ClearFault()
	check("sign-in", ts.browser().get("/signin"))
}

func TestHostileUpstreamDataIsEscaped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	long := strings.Repeat("W", 3000)
	ts.sim.AddAccount("tk-hostile-data-4d1f",
		simulator.ServerSeed{ID: 31337, Name: `<script>alert("srv")</script>`, Snapshots: []simulator.SnapshotSeed{
			{Name: `"><img src=x onerror=alert(1)>`, Description: `<iframe src="https://evil.example">` + long},
			{Name: "\u202egnp.exe\u200b\U0001F4A5", Status: `" onclick="alert(2)`, Description: "<b>bold</b> & 'quotes'"},
		}},
	)
	b := ts.browser()
	r := b.signIn("tk-hostile-data-4d1f")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "<iframe", "<b>bold", `onclick="alert`} {
		if strings.Contains(r.Body, bad) {
			t.Errorf("upstream markup %q reached the page unescaped", bad)
		}
	}
	if got := r.Doc.Find("#server-31337 h2").Text(); got != `<script>alert("srv")</script>` {
		t.Errorf("server name reads %q", got)
	}
	if r.Doc.Find("#server-31337 .badge.unknown").Length() != 1 {
		t.Error("an odd status did not fall back to the neutral badge")
	}
	for _, path := range []string{"/snapshots/new?server_id=31337"} {
		if page := b.get(path); strings.Contains(page.Body, "<script>alert") {
			t.Errorf("%s: unescaped", path)
		}
	}
}

func TestSignInRateLimitedPerClient(t *testing.T) {
	t.Parallel()
	limited := func(c *webConfig, _ *simOptions) { c.SignInPerMinute = 1 }
	attempt := func(b *browser, headers ...string) int {
		b.get("/signin", headers...)
		return b.post("/signin", url.Values{"token": {"wrong-token-value"}}, headers...).StatusCode
	}
	t.Run("direct clients share their address", func(t *testing.T) {
		ts := newTestServer(t, limited)
		b := ts.browser()
		codes := []int{}
		for range 7 {
			codes = append(codes, attempt(b, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", len(codes))))
		}
		if codes[0] != http.StatusUnauthorized || codes[6] != http.StatusTooManyRequests {
			t.Errorf("answers %v: want 401s, then 429 (a forged X-Forwarded-For from an untrusted peer must not help)", codes)
		}
		if r := b.post("/signin", url.Values{"token": {"x"}}); !strings.Contains(r.Doc.Find(".problem").Text(), "Too many sign-in attempts") {
			t.Errorf("429 page says %q", r.Doc.Find(".problem").Text())
		}
	})
	t.Run("behind a trusted proxy each client has its own budget", func(t *testing.T) {
		ts := newTestServer(t, limited, trustLoopback)
		b := ts.browser()
		for range 7 {
			attempt(b, "X-Forwarded-For", "198.51.100.7")
		}
		if c := attempt(b, "X-Forwarded-For", "198.51.100.7"); c != http.StatusTooManyRequests {
			t.Errorf("the noisy client: %d, want 429", c)
		}
		if c := attempt(b, "X-Forwarded-For", "198.51.100.8"); c != http.StatusUnauthorized {
			t.Errorf("another client behind the proxy: %d, want its own attempt (401)", c)
		}
	})
}

func TestOversizedAndMalformedForms(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("description", strings.Repeat("x", 200<<10))
	form.Set("name", "big")
	r := b.post("/snapshots", form)
	if r.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(r.Doc.Find(".problem").Text(), "larger than Snapdash accepts") {
		t.Errorf("oversized form: %d %q", r.StatusCode, r.Doc.Find(".problem").Text())
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/snapshots", strings.NewReader("name=%zz&_csrf="+b.csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := b.do(req); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "could not be read") {
		t.Errorf("malformed form: %d", r.StatusCode)
	}
	long := newForm(b, "12348")
	long.Set("name", strings.Repeat("a", 101))
	if r := b.post("/snapshots", long); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("over-long name: %d", r.StatusCode)
	}
	if n := ts.sim.Calls("POST /api/v1/snapshots/"); n != 0 {
		t.Errorf("refused forms reached VPS.org %d times", n)
	}
	b.stillSignedIn("refused forms")
}

func TestExpiredSessionIsDeletedServerSide(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	if n := ts.sessions(); n != 1 {
		t.Fatalf("%d session files after sign-in", n)
	}
	ts.clock.Add(31 * time.Minute)
	b.get("/")
	if n := ts.sessions(); n != 0 {
		t.Errorf("%d session files remain after the idle timeout", n)
	}
}

func TestHostilePathsAndQueries(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	for _, path := range []string{
		"/snapshots/abc/restore", "/snapshots/-1/delete", "/snapshots/99999999999999999999/restore?server_id=12345",
		"/snapshots/424242/restore?server_id=12345", "/poll/servers/abc", "/poll/servers/0",
		"/snapshots/new?server_id=%00", "/snapshots/new?server_id=../../etc", "/activity?server_id=<script>",
	} {
		r := b.get(path)
		if r.StatusCode >= 500 || r.StatusCode == http.StatusOK && strings.Contains(path, "abc") {
			t.Errorf("%s: %d", path, r.StatusCode)
		}
		if r.Doc != nil && r.StatusCode >= 400 && strings.TrimSpace(r.Doc.Find(".problem p, .flash").Text()) == "" {
			t.Errorf("%s: %d without a message", path, r.StatusCode)
		}
		if strings.Contains(r.Body, "<script>") {
			t.Errorf("%s: reflected unescaped", path)
		}
	}
	b.stillSignedIn("hostile requests")
}

// A handler's own words for a missing thing reach the person; only an
// unknown address gets the generic "no page" text.
func TestNotFoundSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	for path, want := range map[string]string{
		"/snapshots/abc/restore": "There is no such snapshot.",
		"/poll/servers/abc":      "There is no such server.",
		"/no-such-page":          "There is no page at this address.",
	} {
		r := b.get(path)
		if r.StatusCode != http.StatusNotFound || r.Doc == nil {
			t.Errorf("%s: %d", path, r.StatusCode)
			continue
		}
		if got := strings.TrimSpace(r.Doc.Find(".problem p").First().Text()); got != want {
			t.Errorf("%s says %q, want %q", path, got, want)
		}
	}
}
