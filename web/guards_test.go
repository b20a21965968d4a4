package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Behaviours no other test guarded: each of these was checked to fail when
// the behaviour it names is broken.

// A name whose only bad character is a space never reaches VPS.org.
func TestNameWithASpaceIsRefusedBeforeVPSorg(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	ts.sim.ResetCalls()
	for _, name := range []string{"nightly backup", "nightly\tbackup", "nightly\u00a0backup"} {
		form := newForm(b, "12348")
		form.Set("name", name)
		r := b.post("/snapshots", form)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("name %q: %d, want 422", name, r.StatusCode)
			continue
		}
		if v := r.Doc.Find(`form.create input[name="name"]`).AttrOr("value", ""); v != name {
			t.Errorf("what was typed (%q) came back as %q", name, v)
		}
		if !strings.Contains(r.Doc.Find("form.create").Text(), "no spaces") {
			t.Errorf("name %q: the form does not say why", name)
		}
	}
	if n := ts.sim.Calls("POST /api/v1/snapshots/"); n != 0 {
		t.Errorf("names with spaces reached VPS.org %d times", n)
	}
}

// Hostile snapshot and server names read back exactly, as text, in the
// restore and delete confirmations, as pages and as htmx dialogs.
func TestHostileNamesEscapedInConfirmations(t *testing.T) {
	ts := newTestServer(t)
	const (
		srvName  = `<script>alert("srv")</script>`
		snapName = `"><img src=x onerror=alert(1)>`
	)
	ts.sim.AddAccount("tk-hostile-dialog-77c2",
		simulator.ServerSeed{ID: 31338, Name: srvName, Snapshots: []simulator.SnapshotSeed{{ID: 91338, Name: snapName, SizeMB: 10}}})
	b := ts.browser()
	b.signIn("tk-hostile-dialog-77c2")
	for _, action := range []string{"restore", "delete"} {
		path := fmt.Sprintf("/snapshots/91338/%s?server_id=31338", action)
		for _, r := range []response{b.get(path), b.hx(http.MethodGet, path, nil)} {
			if r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", path, r.StatusCode)
			}
			for _, bad := range []string{"<script>alert", "<img src=x"} {
				if strings.Contains(r.Body, bad) {
					t.Errorf("%s (htmx %v): %q reached the dialog unescaped", path, r.Request.Header.Get("HX-Request") != "", bad)
				}
			}
			text := r.Doc.Text()
			if !strings.Contains(text, snapName) {
				t.Errorf("%s: the snapshot's name does not read back as text", path)
			}
			if action == "restore" && !strings.Contains(text, srvName) {
				t.Errorf("%s: the server's name does not read back as text", path)
			}
		}
	}
}

// The page that says VPS.org is not answering says it in the person's words,
// never the internal error: no parser message, no EOF, no upstream address.
func TestUpstreamTroublePageShowsNoInternalError(t *testing.T) {
	for _, f := range []struct {
		name  string
		fault simulator.Fault
	}{
		{"garbage JSON", simulator.Fault{Garbage: true}},
		{"connection reset", simulator.Fault{Reset: true}},
		{"500", simulator.Fault{Status: 500}},
		{"hang", simulator.Fault{Hang: true}},
	} {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			b := ts.browser()
			b.signIn(simulator.DemoToken)
			form := newForm(b, "12348")
			form.Set("name", "during-trouble")
			ts.sim.SetFault(f.fault)
			for _, r := range []response{b.get("/"), b.hx(http.MethodGet, "/?server_id=12345", nil), b.post("/snapshots", form)} {
				if r.StatusCode < 500 {
					t.Errorf("%s: %d, want a 5xx", r.Request.URL.Path, r.StatusCode)
				}
				text := r.Doc.Text()
				if !strings.Contains(text, "VPS.org") {
					t.Errorf("%s: the page does not say VPS.org is the trouble: %q", r.Request.URL.Path, strings.Join(strings.Fields(text), " "))
				}
				for _, internal := range []string{"malformed", "JSON", "EOF", "vpsapi", "connection reset", "deadline", "127.0.0.1", "Traceback"} {
					if strings.Contains(r.Body, internal) {
						t.Errorf("%s: the answer shows %q", r.Request.URL.Path, internal)
					}
				}
			}
			ts.sim.ClearFault()
		})
	}
}

// Identity, client address and HTTPS are believed only from a trusted proxy:
// from a peer outside SNAPDASH_TRUSTED_PROXIES they are ignored even though
// some proxy is trusted.
func TestForwardedHeadersFromAnUntrustedPeerIgnored(t *testing.T) {
	otherProxy := func(c *webConfig, _ *simOptions) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		c.SignInPerMinute = 1
	}
	ts := newTestServer(t, otherProxy)
	forged := []string{"X-Forwarded-Email", "ceo@example.com", "X-Forwarded-Proto", "https"}

	b := ts.browser()
	page := b.get("/signin", forged...)
	r := b.post("/signin", url.Values{"token": {simulator.DemoToken}}, forged...)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.StatusCode)
	}
	for _, c := range append(page.Cookies(), r.Cookies()...) {
		if c.Secure || strings.HasPrefix(c.Name, "__Host-") {
			t.Errorf("cookie %s is Secure on a forged X-Forwarded-Proto", c.Name)
		}
	}
	home := b.get("/", forged...)
	if home.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent on a forged X-Forwarded-Proto")
	}
	if strings.Contains(home.Body, "ceo@example.com") {
		t.Error("a forged identity is shown")
	}
	form := newForm(b, "12348")
	form.Set("name", "forged-identity")
	b.post("/snapshots", form, forged...)
	if strings.Contains(b.get("/activity").Body, "ceo@example.com") {
		t.Error("a forged identity reached the activity record")
	}
	if strings.Contains(ts.logs.String(), "ceo@example.com") {
		t.Error("a forged identity reached the logs")
	}

	// A forged X-Forwarded-For does not give each attempt its own budget.
	attacker := ts.browser()
	var codes []int
	for i := range 7 {
		attacker.get("/signin")
		codes = append(codes, attacker.post("/signin", url.Values{"token": {"wrong-token-value"}},
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i)).StatusCode)
	}
	if codes[6] != http.StatusTooManyRequests {
		t.Errorf("sign-in answers %v: a forged X-Forwarded-For escaped the rate limit", codes)
	}
}
