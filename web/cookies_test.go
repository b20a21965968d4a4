package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// sessionCookies are the Set-Cookie lines of r that name a session cookie.
func sessionCookies(r response) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range r.Cookies() {
		if strings.HasSuffix(c.Name, "snapdash_session") {
			out = append(out, c)
		}
	}
	return out
}

// Over HTTPS at base path "/" both cookies carry the __Host- prefix (no
// sibling subdomain can set or shadow them); under a path, or over plain
// HTTP, the browser would refuse the prefix, so it is left off.
func TestCookieNamesAndSecureFlag(t *testing.T) {
	t.Parallel()
	always := func(c *webConfig, _ *simOptions) { c.SecureCookies = true }
	under := func(c *webConfig, _ *simOptions) { c.BasePath = "/snapdash/" }
	https := []string{"X-Forwarded-Proto", "https"}
	for _, tc := range []struct {
		name    string
		opts    []serverOpt
		headers []string
		prefix  string
		secure  bool
	}{
		{"plain HTTP", nil, nil, "", false},
		{"HTTPS via trusted proxy", []serverOpt{trustLoopback}, https, "__Host-", true},
		{"HTTPS under a path", []serverOpt{trustLoopback, under}, https, "", true},
		{"COOKIE_SECURE=always, no X-Forwarded-Proto", []serverOpt{always}, nil, "__Host-", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.opts...)
			b := ts.browser()
			page := b.get(ts.base+"/signin", tc.headers...)
			r := b.post(ts.base+"/signin", url.Values{"token": {simulator.DemoToken}}, tc.headers...)
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in: %d %s", r.StatusCode, r.Body)
			}
			names := map[string]bool{}
			for _, c := range append(page.Cookies(), r.Cookies()...) {
				names[c.Name] = true
				if c.Secure != tc.secure {
					t.Errorf("cookie %s: Secure=%v, want %v", c.Name, c.Secure, tc.secure)
				}
				if c.Domain != "" {
					t.Errorf("cookie %s has a Domain", c.Name)
				}
			}
			for _, want := range []string{tc.prefix + "snapdash_session", tc.prefix + "snapdash_csrf"} {
				if !names[want] {
					t.Errorf("no cookie %s among %v", want, names)
				}
			}
			// The secure session keeps working on the next request.
			if p := b.get(ts.base+"/", tc.headers...); p.StatusCode != http.StatusOK {
				t.Errorf("signed-in page: %d", p.StatusCode)
			}
		})
	}
}

// A response sets the session cookie once, even when the session is saved
// twice while it is answered (sign-in, then its welcome message).
func TestOneSessionCookiePerResponse(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.get("/signin")
	r := b.post("/signin", url.Values{"token": {simulator.DemoToken}})
	if n := len(sessionCookies(r)); n != 1 {
		t.Errorf("sign-in set %d session cookies, want 1: %v", n, r.Header.Values("Set-Cookie"))
	}
	out := b.post("/signout", url.Values{})
	if n := len(sessionCookies(out)); n != 1 {
		t.Errorf("sign-out set %d session cookies, want 1", n)
	}
}
