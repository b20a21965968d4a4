package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Behaviours no other test guarded: each of these was checked to fail when
// the behaviour it names is broken.

// A name whose only bad character is a space never reaches VPS.org.
func TestNameWithASpaceIsRefusedBeforeVPSorg(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// Activity's CSV neutralises a cell starting with a tab or a carriage
// return, as it does =, +, - and @.
func TestActivityCSVNeutralisesTabAndReturn(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.record(t,
		activity.Record{Actor: "\t=cmd", Action: activity.Create, ServerID: 12348, ServerName: "build-runner-01", SnapshotName: "ok", Outcome: activity.Refused, Detail: "\r=cmd"},
	)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	rows, err := csv.NewReader(strings.NewReader(b.get("/activity.csv").Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][1] != "'\t=cmd" || rows[1][8] != "'\r=cmd" {
		t.Errorf("cells starting with a tab or a return read %q", rows)
	}
}

// The CSRF token is read from the form's body only: one in the address of
// a POST whose body has none is refused, with nothing sent.
func TestCSRFTokenInTheQueryStringIsRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "via-query-token")
	token := form.Get("_csrf")
	form.Del("_csrf")
	ts.sim.ResetCalls()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/snapshots?_csrf="+url.QueryEscape(token), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := b.do(req)
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("a CSRF token in the query string: %d, want 403", r.StatusCode)
	}
	if n := ts.sim.ChangingCalls(); n != 0 {
		t.Errorf("%d changing calls reached VPS.org", n)
	}
}

// Cancelling a restore checks that it belongs to the server named: a person
// naming their own server and someone else's restore cancels nothing.
func TestCancelNamingAnotherServersRestoreIsRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	ts.sim.AddAccount("tk-other-cancel-4e2a", simulator.ServerSeed{ID: 40003, Name: "theirs"})
	ctx := context.Background()
	id, err := ts.db.Restores().Add(ctx, restores.Restore{Actor: "them", ServerID: 40003, ServerName: "theirs", SnapshotID: 94003,
		SnapshotName: "their-snapshot", SafetyName: "before-restore-x", Step: restores.StepSafety, Started: ts.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/")
	r := b.post(fmt.Sprintf("/restores/%d/cancel?server_id=12345", id), url.Values{"_csrf": {page.Doc.Find(`input[name=_csrf]`).First().AttrOr("value", "")}})
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("cancelling another server's restore: %d, want 404", r.StatusCode)
	}
	if x, _ := ts.db.Restores().Get(ctx, id); x.CancelRequested {
		t.Error("another account's restore was cancelled")
	}
}

// A check that fails before anything is sent (VPS.org not answering the
// name check) says nothing was sent, and the form keeps what was typed and
// its double-submit id, so submitting it again is safe.
func TestCheckFailingBeforeTheCallSaysNothingWasSent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "after-a-failed-check")
	ts.sim.SetFault(simulator.Fault{Match: "GET /api/v1/snapshots/", Status: 500})
	r := b.post("/snapshots", form)
	ts.sim.ClearFault()
	text := strings.Join(strings.Fields(r.Doc.Text()), " ")
	if !strings.Contains(text, "nothing was sent") || strings.Contains(text, "not known whether") {
		t.Errorf("the answer reads %q", text)
	}
	if got := r.Doc.Find(`form.create input[name=form_id]`).AttrOr("value", ""); got != form.Get("form_id") {
		t.Errorf("the form's double-submit id came back as %q, want %q", got, form.Get("form_id"))
	}
	if got := r.Doc.Find(`form.create input[name=name]`).AttrOr("value", ""); got != "after-a-failed-check" {
		t.Errorf("what was typed came back as %q", got)
	}
	if n := ts.sim.Calls("POST /api/v1/snapshots/"); n != 0 {
		t.Errorf("%d creates sent", n)
	}
}
