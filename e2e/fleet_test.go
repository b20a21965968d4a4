package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// All snapshots: a search by name answers in place with focus kept in the
// field; a row's Delete opens its confirmation and comes back to the
// table; on a phone each row's box is a 44 px target, and nothing is
// wider than the screen.
func TestFleetSearchRowActionsAndPhone(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.do(chromedp.Navigate(a.URL + "/fleet"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#fleet-name")))
	tb.eval(`window.samePage = true, "ok"`)
	tb.do(chromedp.SendKeys(chromedp.CSS("#fleet-name"), "release-1"+kb.Enter))
	tb.until(10*time.Second, `location.search.includes("q=release-1") && document.querySelectorAll("table.fleet tbody tr").length === 5`)
	tb.until(5*time.Second, `document.activeElement.id === "fleet-name"`)
	if tb.eval(`String(window.samePage === true)`) != "true" {
		t.Error("searching loaded the page again")
	}

	tb.do(chromedp.Click(chromedp.CSS(`table.fleet tbody tr:first-child td.row-actions a[href*="/delete"]`)))
	tb.untilAfterNavigation(10*time.Second, `!!document.querySelector("form.confirm button[type=submit]")`)
	name := strings.TrimPrefix(tb.text("form.confirm button[type=submit]"), "Delete ")
	tb.checkA11y("a row's delete, as a page")
	tb.do(chromedp.Click(chromedp.CSS("form.confirm button[type=submit]")))
	tb.untilAfterNavigation(10*time.Second, `location.pathname === "/fleet" && !!document.querySelector("#flashes .flash")`)
	if msg := tb.text("#flashes"); !strings.Contains(msg, name) {
		t.Errorf("back on the table, the message says %q; want it to name %s", msg, name)
	}

	phone(tb)
	tb.do(chromedp.Navigate(a.URL + "/fleet"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("td.pick input")))
	if box := tb.eval(`(() => { const r = document.querySelector("td.pick input").getBoundingClientRect(); return Math.round(r.width) + "x" + Math.round(r.height) })()`); box != "44x44" {
		t.Errorf("a row's box on a phone is %s px, want 44x44", box)
	}
	if w := tb.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("on a 390 px phone the table is %s px wide", w)
	}
	tb.checkA11y("all snapshots on a phone")
}
