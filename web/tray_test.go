package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// The tray on every page is told the team's recent events on the person's
// servers, from the store: a teammate's create (who, what, how it stands)
// and a refusal, which can be dismissed; another account's tray is told
// nothing of them, and no answer costs a call to VPS.org.
func TestTheTrayShowsTheTeamsEvents(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.AddAccount(otherAccountToken, simulator.ServerSeed{ID: 50001, Name: "theirs"})
	alice, bob, other := ts.browser(), ts.browser(), ts.browser()
	alice.signIn(simulator.DemoToken)
	bob.signIn(simulator.DemoToken)
	other.signIn(otherAccountToken)
	page := bob.get("/activity")
	if page.Doc.Find("aside#tray[data-tray][hidden]").Length() != 1 {
		t.Fatal("the page has no tray for its script to fill")
	}
	form := newForm(alice, "12348")
	form.Set("name", "alices-snapshot")
	if r := alice.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	ts.sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", Status: http.StatusUnprocessableEntity, Times: 1})
	form = newForm(alice, "12346")
	form.Set("name", "refused-one")
	alice.post("/snapshots", form)

	ts.sim.ResetCalls()
	tray := bob.hx(http.MethodGet, "/poll/tray", nil)
	if tray.StatusCode != http.StatusOK {
		t.Fatalf("tray: %d %s", tray.StatusCode, tray.Body)
	}
	items := tray.Doc.Find("li.tray-item")
	created := items.FilterFunction(func(_ int, s *goquery.Selection) bool { return strings.Contains(s.Text(), "alices-snapshot") })
	if created.Length() != 1 || !strings.Contains(created.Find("p").First().Text(), "created snapshot alices-snapshot of build-runner-01, ") ||
		!created.HasClass("run") || created.AttrOr("data-key", "") == "" {
		t.Errorf("the tray says of the create: %q (class %q)", created.Text(), created.AttrOr("class", ""))
	}
	refused := items.FilterFunction(func(_ int, s *goquery.Selection) bool { return strings.Contains(s.Text(), "refused-one") })
	if refused.Length() != 1 || !refused.HasClass("bad") || refused.Find("button.dismiss").Length() != 1 || !strings.Contains(refused.Text(), "refused") {
		t.Errorf("the tray says of the refusal: %q (class %q)", refused.Text(), refused.AttrOr("class", ""))
	}
	if first := items.First().Text(); !strings.Contains(first, "refused-one") {
		t.Errorf("the newest event is not first: %q", first)
	}
	if got := other.hx(http.MethodGet, "/poll/tray", nil); strings.Contains(got.Body, "alices-snapshot") {
		t.Error("another account's tray names alice's snapshot")
	}
	if n := ts.sim.TokenCalls(simulator.DemoToken) + ts.sim.TokenCalls(otherAccountToken); n != 0 {
		t.Errorf("%d calls to VPS.org for the trays", n)
	}
}
