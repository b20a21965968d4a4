package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A sibling subdomain can plant a cookie but cannot know the session: a
// planted snapdash_csrf cookie with the matching form value forges nothing,
// whatever Sec-Fetch-Site says or leaves out.
func TestPlantedCSRFCookieForgesNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "forged")
	ts.sim.ResetCalls()
	const planted = "PLANTEDPLANTEDPLANTEDPLANTED2345"
	b.setCookies(&http.Cookie{Name: "snapdash_csrf", Value: planted, Path: "/"})
	form.Set("_csrf", planted)
	for _, site := range []string{"", "same-site", "none"} {
		var headers []string
		if site != "" {
			headers = []string{"Sec-Fetch-Site", site}
		}
		if r := b.post("/snapshots", form, headers...); r.StatusCode != http.StatusForbidden {
			t.Errorf("planted cookie and token, Sec-Fetch-Site %q: %d, want 403", site, r.StatusCode)
		}
	}
	if n := ts.sim.Calls("POST /api/v1/snapshots/"); n != 0 {
		t.Errorf("a forged create reached VPS.org %d times", n)
	}
	b.stillSignedIn("forged posts")
}

// The token belongs to one session: another person's (or another browser's)
// valid token does not work with this session's cookie.
func TestCSRFTokenOfAnotherSessionRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	alice, mallory := ts.browser(), ts.browser()
	alice.signIn(simulator.DemoToken)
	mallory.signIn(simulator.DemoToken)
	newForm(mallory, "12348")
	form := newForm(alice, "12348")
	form.Set("name", "cross-session")
	form.Set("_csrf", mallory.csrf)
	if alice.csrf == mallory.csrf {
		t.Fatal("two sessions share a CSRF token")
	}
	if r := alice.post("/snapshots", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("another session's token: %d, want 403", r.StatusCode)
	}
	form.Set("_csrf", alice.csrf)
	if r := alice.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the session's own token, no Sec-Fetch-* headers: %d, want 303", r.StatusCode)
	}
}

// Signing in rotates the token: the one from the sign-in page no longer
// works, the page after sign-in carries a new one, in fields and hx-headers.
func TestCSRFTokenRotatesAtSignIn(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.get("/signin")
	before := b.csrf
	page := b.signIn(simulator.DemoToken)
	if b.csrf == "" || b.csrf == before {
		t.Fatalf("token before sign-in %q, after %q: want a new one", before, b.csrf)
	}
	if hdr := page.Doc.Find("body").AttrOr("hx-headers", ""); !strings.Contains(hdr, b.csrf) {
		t.Errorf("hx-headers %q does not carry the new token", hdr)
	}
	form := newForm(b, "12348")
	form.Set("name", "old-token")
	form.Set("_csrf", before)
	if r := b.post("/snapshots", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("the pre-sign-in token after sign-in: %d, want 403", r.StatusCode)
	}
	form.Del("_csrf")
	r := b.hx(http.MethodPost, "/snapshots", form)
	if r.StatusCode != http.StatusOK {
		t.Errorf("the new token in the htmx header: %d", r.StatusCode)
	}
}

// Unsafe methods that the browser marks same-site or cross-site are refused
// even with the right token; same-origin and no header at all are fine.
func TestSecFetchSiteOfUnsafeRequests(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	for site, want := range map[string]int{"same-site": 403, "cross-site": 403, "same-origin": 303, "": 303} {
		form := newForm(b, "12348")
		form.Set("name", "site-"+strings.ReplaceAll(site, "-", ""))
		var headers []string
		if site != "" {
			headers = []string{"Sec-Fetch-Site", site}
		}
		if r := b.post("/snapshots", form, headers...); r.StatusCode != want {
			t.Errorf("Sec-Fetch-Site %q: %d, want %d", site, r.StatusCode, want)
		}
	}
}

// The token is read from the form body or the header, never the query string.
func TestCSRFTokenNotTakenFromQuery(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "via-query")
	tok := b.csrf
	form.Set("_csrf", "")
	if r := b.post("/snapshots?_csrf="+url.QueryEscape(tok), form); r.StatusCode != http.StatusForbidden {
		t.Errorf("token in the query string: %d, want 403", r.StatusCode)
	}
}
