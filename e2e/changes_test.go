package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Two people of one account, each in their own browser: when one restores
// a server, the other's open page shows it restoring within 3 s, without
// a reload, keyboard focus where it was.
func TestTeammatesPageFollowsARestore(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	watcher := newTab(t, a)
	watcher.signIn()
	watcher.eval(`document.querySelector("#server-12346-new").focus(), "ok"`)
	actor := newTab(t, a)
	actor.signIn()
	actor.openConfirm("801", "restore")
	actor.withoutSafety()
	actor.do(
		chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-01"),
		chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")),
	)
	actor.until(10*time.Second, `document.querySelector("#server-12345 [data-testid=server-status]").textContent === "restoring"`)
	watcher.until(3*time.Second, `document.querySelector("#server-12345 [data-testid=server-status]").textContent === "restoring"`)
	if got := watcher.activeID(); got != "server-12346-new" {
		t.Errorf("after the teammate's restore showed, focus is on %q", got)
	}
}

// A teammate's new snapshot appears at the top of an open Activity page
// within 3 s, without a reload.
func TestActivityPageShowsATeammatesAction(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	watcher := newTab(t, a)
	watcher.signIn()
	watcher.do(chromedp.Navigate(a.URL + "/activity"))
	watcher.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#activity-results")))
	actor := newTab(t, a)
	actor.signIn()
	actor.openCreate("12348")
	actor.submitCreate("12348", "seen-by-the-team")
	actor.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot")))
	watcher.until(3*time.Second, `(document.querySelector("#activity-results tr.record .what") || {textContent: ""}).textContent.includes("seen-by-the-team")`)
}

// A teammate's new schedule appears on an open Schedules page within 3 s.
func TestSchedulesPageShowsATeammatesSchedule(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{jobs: true})
	watcher := newTab(t, a)
	watcher.signIn()
	watcher.do(chromedp.Navigate(a.URL + "/schedules"))
	watcher.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#schedule-form")))
	actor := newTab(t, a)
	actor.signIn()
	actor.do(chromedp.Navigate(a.URL + "/schedules"))
	actor.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#schedule-form")))
	actor.do(
		chromedp.SetValue(chromedp.CSS("#schedule-server"), "12348"),
		chromedp.SetValue(chromedp.CSS("#schedule-keep"), "2"),
		chromedp.Click(chromedp.CSS(`#schedule-form button[type=submit]`)),
	)
	actor.untilAfterNavigation(10*time.Second, `!!document.querySelector("section.schedule")`)
	watcher.until(3*time.Second, `!!document.querySelector("#schedule-list section.schedule")`)
}

// The tray on every page shows a teammate's events within 3 s, keyboard
// focus where it was; a refusal stays until dismissed (by keyboard too),
// and stays dismissed on the next page.
func TestTheTrayShowsATeammatesEvents(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	watcher := newTab(t, a)
	watcher.signIn()
	watcher.eval(`document.querySelector("#server-12346-new").focus(), "ok"`)
	actor := newTab(t, a)
	actor.signIn()
	actor.openCreate("12348")
	actor.submitCreate("12348", "seen-in-the-tray")
	watcher.until(3*time.Second, `!document.getElementById("tray").hidden && document.querySelector("#tray li").textContent.includes("seen-in-the-tray")`)
	if got := watcher.activeID(); got != "server-12346-new" {
		t.Errorf("after the event showed, focus is on %q", got)
	}
	actor.allow(`status of 422`) // the refusal, provoked on purpose
	a.sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", Status: 422, Times: 1})
	actor.openCreate("12346")
	actor.submitCreate("12346", "refused-in-the-tray")
	watcher.until(3*time.Second, `[...document.querySelectorAll("#tray li.bad")].some(li => li.textContent.includes("refused-in-the-tray"))`)
	watcher.checkA11y("the tray with a refusal")
	watcher.eval(`document.querySelector("#tray li.bad button.dismiss").focus(), "ok"`)
	watcher.do(pressEnter())
	watcher.until(time.Second, `![...document.querySelectorAll("#tray li")].some(li => li.textContent.includes("refused-in-the-tray"))`)
	if got := watcher.eval(`document.activeElement === document.body ? "body" : "kept"`); got != "kept" {
		t.Error("dismissing the event dropped focus to the page's body")
	}
	watcher.do(chromedp.Navigate(a.URL + "/activity"))
	watcher.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#activity-results")))
	watcher.until(3*time.Second, `document.querySelector("#tray[data-loaded]") !== null`)
	if n := watcher.count(`#tray li.bad`); n != 0 {
		t.Errorf("the dismissed refusal is back on the next page (%d failures shown)", n)
	}
}
