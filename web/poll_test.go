package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// pollOf returns the live part's poll URL and trigger, "" when it does not poll.
func pollOf(live *goquery.Selection) (url, trigger string) {
	p := live.Find(".poller")
	return p.AttrOr("hx-get", ""), p.AttrOr("hx-trigger", "")
}

// polled is what the page polls next after a poll answered r: the poller
// r brings (alone when nothing changed, or in the refreshed live part), or,
// when r changes nothing (204), the one the page already had.
func polled(r response, url, trigger string) (string, string) {
	if r.StatusCode == http.StatusNoContent {
		return url, trigger
	}
	return pollOf(r.Doc.Selection)
}

func TestPollingFollowsSnapshotToCompletionThenStops(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := formFields(b.hx(http.MethodGet, "/snapshots/new?server_id=12348", nil), "form.create")
	form.Set("name", "watched")
	r := b.hx(http.MethodPost, "/snapshots", form)
	url, trigger := pollOf(r.Doc.Find("#server-12348-live"))
	if url == "" || trigger != "every 2s" {
		t.Fatalf("after create: poll %q every %q", url, trigger)
	}

	// Nothing changes: each poll costs one list call and no server call, and slows down.
	var triggers []string
	for range 5 {
		ts.sim.ResetCalls()
		p := b.hx(http.MethodGet, url, nil)
		if l, s := ts.sim.Calls("GET /api/v1/snapshots/"), ts.sim.Calls("GET /api/v1/servers/{id}/"); l != 1 || s != 0 || ts.sim.TotalCalls() != 1 {
			t.Errorf("one poll made %d list, %d server, %d calls in all; want 1, 0, 1", l, s, ts.sim.TotalCalls())
		}
		if p.StatusCode != http.StatusOK && p.StatusCode != http.StatusNoContent {
			t.Fatalf("poll: %d", p.StatusCode)
		}
		if p.Doc != nil && p.Doc.Find("#server-12348-live").Length() != 0 {
			t.Error("a poll that found nothing changed replaced the card")
		}
		url, trigger = polled(p, url, trigger)
		triggers = append(triggers, trigger)
		if p.Doc != nil && p.Doc.Find(`[hx-swap-oob]`).Length() != 0 {
			t.Error("an announcement while nothing changed")
		}
	}
	if triggers[0] == triggers[len(triggers)-1] || triggers[len(triggers)-1] != "every 12s" {
		t.Errorf("intervals while nothing changes: %q; want them to grow", triggers)
	}

	ts.clock.Add(11 * time.Second)
	p := b.hx(http.MethodGet, url, nil)
	live := p.Doc.Find("#server-12348-live")
	if _, trig := pollOf(live); trig != "" {
		t.Errorf("still polling (%q) once the snapshot completed", trig)
	}
	if live.Find("tr.snapshot .badge").Text() != "completed" {
		t.Errorf("badge %q", live.Find("tr.snapshot .badge").Text())
	}
	if ann := p.Doc.Find(`[hx-swap-oob="beforeend:#flashes"]`).Text(); !strings.Contains(ann, "watched") || !strings.Contains(ann, "complete") {
		t.Errorf("announcement %q", ann)
	}
	// The page's flash region, where announcements go, is a live region.
	if lr := b.get("/").Doc.Find("#flashes").AttrOr("aria-live", ""); lr != "polite" {
		t.Errorf("#flashes aria-live=%q", lr)
	}
}

func TestPollingBacksOffAndResetsOnChange(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	mk := func(name string) string {
		form := formFields(b.hx(http.MethodGet, "/snapshots/new?server_id=12348", nil), "form.create")
		form.Set("name", name)
		url, _ := pollOf(b.hx(http.MethodPost, "/snapshots", form).Doc.Find("#server-12348-live"))
		return url
	}
	url := mk("first")
	ts.clock.Add(5 * time.Second)
	var trig string
	for range 4 {
		url, trig = polled(b.hx(http.MethodGet, url, nil), url, trig)
	}
	if trig == "every 2s" {
		t.Fatal("no backoff after 4 unchanged polls")
	}
	mk("second") // someone else starts another snapshot on the same server
	url, trig = pollOf(b.hx(http.MethodGet, url, nil).Doc.Find("#server-12348-live"))
	if trig != "every 2s" {
		t.Errorf("after a change the interval is %q, want back to every 2s", trig)
	}
	ts.clock.Add(5 * time.Second) // first completes, second still running
	p := b.hx(http.MethodGet, url, nil)
	if _, trig := pollOf(p.Doc.Find("#server-12348-live")); trig != "every 2s" {
		t.Errorf("after the first completed: %q, want fast polling for the second", trig)
	}
	if !strings.Contains(p.Doc.Find(`[hx-swap-oob]`).Text(), "first") {
		t.Error("completion of the first not announced")
	}
}

func TestPollingFollowsRestore(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	dlg := b.hx(http.MethodGet, "/snapshots/801/restore?server_id=12345", nil)
	form := formFields(dlg, "form.confirm")
	form.Del("safety") // a plain restore
	form.Set("confirm_name", "web-server-01")
	r := b.hx(http.MethodPost, "/snapshots/801/restore?server_id=12345", form)
	live := r.Doc.Find("#server-12345-live")
	if live.Find(`[data-testid="server-status"]`).Text() != "restoring" {
		t.Fatalf("after restore the card says %q", live.Find(`[data-testid="server-status"]`).Text())
	}
	url, trig := pollOf(live)
	if trig == "" {
		t.Fatal("a restoring server does not poll")
	}
	ts.sim.ResetCalls()
	p := b.hx(http.MethodGet, url, nil)
	if l, s := ts.sim.Calls("GET /api/v1/snapshots/"), ts.sim.Calls("GET /api/v1/servers/{id}/"); l != 1 || s != 1 {
		t.Errorf("a restore poll made %d list and %d server calls, want 1 and 1", l, s)
	}
	url, _ = polled(p, url, trig)
	ts.clock.Add(21 * time.Second)
	p = b.hx(http.MethodGet, url, nil)
	live = p.Doc.Find("#server-12345-live")
	if _, trig := pollOf(live); trig != "" || live.Find(`[data-testid="server-status"]`).Text() != "running" {
		t.Errorf("after the restore: trigger %q, status %q", trig, live.Find(`[data-testid="server-status"]`).Text())
	}
	if !strings.Contains(p.Doc.Find(`[hx-swap-oob]`).Text(), "Restore of web-server-01 finished") {
		t.Errorf("announcement %q", p.Doc.Find(`[hx-swap-oob]`).Text())
	}
}

func TestIdlePageDoesNotPoll(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	page := ts.browser().signIn(simulator.DemoToken)
	if n := page.Doc.Find("[hx-trigger]").Length(); n != 0 {
		t.Errorf("a page with nothing moving has %d polling elements", n)
	}
}

func TestPollingDoesNotKeepSessionAlive(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "slow")
	b.post("/snapshots", form)
	url, _ := pollOf(b.get("/").Doc.Find("#server-12348-live"))
	ended := ""
	for range 4 { // 40 minutes of polling, no real activity
		ts.clock.Add(10 * time.Minute)
		if to := b.hx(http.MethodGet, url, nil).Header.Get("HX-Redirect"); to != "" && ended == "" {
			ended = to
		}
	}
	if !strings.Contains(ended, "reason=idle") {
		t.Errorf("polling for 40 minutes: redirected to %q; want the session ended for idleness", ended)
	}
	if r := b.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("after the idle timeout the page still opens (%d)", r.StatusCode)
	}
}

func TestRefusedTokenDuringPollRedirectsHtmx(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.AddAccount("tk-revoked-soon-5c1e", simulator.ServerSeed{ID: 777, Name: "box", Snapshots: []simulator.SnapshotSeed{{Name: "s", Status: "in_progress"}}})
	b := ts.browser()
	page := b.signIn("tk-revoked-soon-5c1e")
	url, _ := pollOf(page.Doc.Find("#server-777-live"))
	if url == "" {
		t.Fatal("no polling for an in-progress snapshot")
	}
	ts.sim.RevokeToken("tk-revoked-soon-5c1e")
	r := b.hx(http.MethodGet, url, nil)
	if !strings.Contains(r.Header.Get("HX-Redirect"), "/signin?reason=refused") {
		t.Errorf("HX-Redirect %q", r.Header.Get("HX-Redirect"))
	}
	if r := b.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Error("the session survived a refused token")
	}
}
