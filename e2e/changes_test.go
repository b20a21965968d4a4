package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Two people of one account, each in their own browser: when one restores
// a server, the other's open page shows it restoring within 3 s, without
// a reload, keyboard focus where it was.
func TestTeammatesPageFollowsARestore(t *testing.T) {
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
