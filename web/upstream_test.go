package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// faults are the ways the upstream fails; the test server's upstream timeout is 2 s.
var faults = []struct {
	name   string
	fault  simulator.Fault
	status int // what Snapdash answers; 200 when it copes
}{
	{"500", simulator.Fault{Status: 500}, http.StatusBadGateway},
	{"502", simulator.Fault{Status: 502}, http.StatusBadGateway},
	{"503", simulator.Fault{Status: 503}, http.StatusBadGateway},
	{"504", simulator.Fault{Status: 504}, http.StatusBadGateway},
	{"garbage JSON", simulator.Fault{Garbage: true}, http.StatusBadGateway},
	{"connection reset", simulator.Fault{Reset: true}, http.StatusBadGateway},
	{"hang past the timeout", simulator.Fault{Hang: true}, http.StatusGatewayTimeout},
	{"slow under the timeout", simulator.Fault{Delay: 300 * time.Millisecond}, http.StatusOK},
}

func TestFailingUpstreamPagesAndFragments(t *testing.T) {
	t.Parallel()
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			ts.sim.AddAccount("tk-upstream-2e7a", simulator.ServerSeed{ID: 778, Name: "box", Snapshots: []simulator.SnapshotSeed{{ID: 5001, Name: "s", Status: "in_progress"}}})
			b := ts.browser()
			url, trig := pollOf(b.signIn("tk-upstream-2e7a").Doc.Find("#server-778-live"))
			if trig != "every 2s" {
				t.Fatalf("trigger %q", trig)
			}
			ts.sim.SetFault(f.fault)

			page := b.get("/")
			if page.StatusCode != f.status {
				t.Errorf("page: %d, want %d", page.StatusCode, f.status)
			}
			if f.status != http.StatusOK && page.Doc.Find(".problem a.button").AttrOr("href", "") != "/" {
				t.Error("page: no retry link")
			}

			p := b.hx(http.MethodGet, url, nil)
			if p.StatusCode != f.status {
				t.Errorf("poll: %d, want %d", p.StatusCode, f.status)
			}
			if f.status != http.StatusOK {
				if p.Header.Get("HX-Retarget") != "#server-778-poller" {
					t.Errorf("poll: retarget %q; the page would lose what it shows", p.Header.Get("HX-Retarget"))
				}
				nextURL, nextTrig := pollOf(p.Doc.Selection)
				if nextTrig == "" || nextTrig == "every 2s" {
					t.Errorf("poll after trouble: trigger %q, want polling to go on, slower", nextTrig)
				}
				if !strings.Contains(p.Doc.Find(".poll-problem").Text(), "Could not refresh") {
					t.Errorf("poll: note %q", p.Doc.Find(".poll-problem").Text())
				}
				ts.sim.ClearFault()
				again := b.hx(http.MethodGet, nextURL, nil)
				if _, trig := pollOf(again.Doc.Selection); again.StatusCode != http.StatusOK || trig == "" || again.Doc.Find(".poll-problem").Length() != 0 {
					t.Errorf("once the upstream recovers the poll answers %d, trigger %q, note %q", again.StatusCode, trig, again.Doc.Find(".poll-problem").Text())
				}
			}
			ts.sim.ClearFault()
			b.stillSignedIn("the upstream's trouble")
			for _, body := range []string{page.Body, p.Body} {
				if strings.Contains(body, "Traceback") || strings.Contains(body, "goroutine ") {
					t.Error("a trace reached the browser")
				}
			}
		})
	}
}

func TestFailingUpstreamNeverSendsAPOSTTwice(t *testing.T) {
	t.Parallel()
	for _, f := range faults[:7] {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			b := ts.browser()
			b.signIn(simulator.DemoToken)
			form := newForm(b, "12348")
			form.Set("name", "under-trouble")
			ts.sim.SetFault(simulator.Fault{Match: "POST", Status: f.fault.Status, Garbage: f.fault.Garbage, Reset: f.fault.Reset, Hang: f.fault.Hang})
			r := b.post("/snapshots", form)
			if r.StatusCode != http.StatusBadGateway && r.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("create under trouble: %d", r.StatusCode)
			}
			if v := r.Doc.Find(`input[name="name"]`).AttrOr("value", ""); v != "under-trouble" {
				t.Errorf("what was typed became %q", v)
			}
			if msg := r.Doc.Find(".flash.error").Text(); msg == "" {
				t.Error("no message says what happened")
			}
			// The browser retries the same form: it must not reach VPS.org again.
			b.post("/snapshots", form)
			if n := ts.sim.Calls("POST /api/v1/snapshots/"); n != 1 {
				t.Errorf("%d create calls reached VPS.org, want exactly 1", n)
			}
		})
	}
}

// An htmx request that fails adds its message to the page's flash region
// (which is aria-live) rather than replacing the region or the page, and a
// message waiting for the next page still reaches it.
func TestHtmxErrorAddsToFlashRegion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "waiting-message")
	b.post("/snapshots", form) // its message waits for the next page
	ts.sim.SetFault(simulator.Fault{Status: 500})
	r := b.hx(http.MethodGet, "/snapshots/801/restore?server_id=12345", nil)
	if r.StatusCode != http.StatusBadGateway || r.Header.Get("HX-Retarget") != "#flashes" || r.Header.Get("HX-Reswap") != "beforeend" {
		t.Errorf("status %d, retarget %q, reswap %q", r.StatusCode, r.Header.Get("HX-Retarget"), r.Header.Get("HX-Reswap"))
	}
	if strings.Contains(r.Body, `id="flashes"`) {
		t.Error("the answer nests a second #flashes region inside the first")
	}
	if msg := r.Doc.Find("p.flash.error").Text(); !strings.Contains(msg, "VPS.org is not answering") {
		t.Errorf("message %q", msg)
	}
	ts.sim.SetFault(simulator.Fault{})
	if msg := b.get("/").Doc.Find("#flashes").Text(); !strings.Contains(msg, "waiting-message") {
		t.Errorf("after the failed htmx request the next page says %q, want the create's message", msg)
	}
}
