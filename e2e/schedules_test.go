package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A schedule in the browser: add one, run it now, keep focus while the list
// refreshes, hear the outcome; the card shows it; axe clean in both themes.
func TestScheduleInTheBrowser(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{jobs: true})
	tb := newTab(t, a)
	tb.signIn()
	tb.do(chromedp.Navigate(a.URL + "/schedules"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#schedule-form")))
	tb.checkA11y("schedules page, none yet")
	// The form shows the fields of the cadence chosen, and the servers in
	// the order every page lists them.
	visible := func(sel string) bool {
		return tb.eval(`String(document.querySelector("`+sel+`").offsetParent !== null)`) == "true"
	}
	if visible("#schedule-hours") || visible("#schedule-weekday") {
		t.Error("every day: the form shows the hours' or the weekday's field")
	}
	tb.do(chromedp.Click(chromedp.CSS(`input[name=every][value=weekly]`)))
	if visible("#schedule-hours") || !visible("#schedule-weekday") {
		t.Error("every week: the form does not show just the weekday's field")
	}
	tb.do(chromedp.Click(chromedp.CSS(`input[name=every][value=hours]`)))
	if !visible("#schedule-hours") || visible("#schedule-weekday") {
		t.Error("every few hours: the form does not show just the hours' field")
	}
	tb.do(chromedp.Click(chromedp.CSS(`input[name=every][value=daily]`)))
	if order := tb.eval(`[...document.querySelectorAll("#schedule-server option")].map(o => o.textContent).join(",")`); order != "build-runner-01,db-server-01,staging-01,web-server-01" {
		t.Errorf("the servers are offered as %s", order)
	}
	tb.do(
		chromedp.SetValue(chromedp.CSS("#schedule-server"), "12348"),
		chromedp.SetValue(chromedp.CSS("#schedule-keep"), "2"),
		chromedp.Click(chromedp.CSS(`#schedule-form button[type=submit]`)),
	)
	tb.untilAfterNavigation(10*time.Second, `!!document.querySelector("section.schedule")`)
	if when := tb.text(`section.schedule [data-testid="schedule-when"]`); !strings.Contains(when, "every day at 03:00 UTC, keeps its 2 newest") {
		t.Fatalf("the schedule reads %q", when)
	}
	if !strings.Contains(tb.text("#flashes"), "build-runner-01 is scheduled every day at 03:00 UTC") {
		t.Errorf("no word that it was saved: %q", tb.text("#flashes"))
	}
	tb.do(chromedp.Click(chromedp.CSS(`section.schedule form[action$="/run"] button`)))
	tb.untilAfterNavigation(10*time.Second, `!!document.querySelector('[data-testid="schedule-running"]')`)
	// After Run now, focus is on the running schedule's card, not the page.
	tb.until(5*time.Second, `document.activeElement.matches("section.schedule") && document.activeElement.id === location.hash.slice(1)`)
	// Focus on Pause stays there while the list refreshes itself.
	tb.eval(`document.querySelector('section.schedule form[action$="/pause"] button').focus(); "ok"`)
	tb.until(30*time.Second, `document.querySelector("#flashes").textContent.includes("The scheduled snapshot of build-runner-01 completed")`)
	if id := tb.eval(`document.activeElement.id`); !strings.HasSuffix(id, "-pause") {
		t.Errorf("focus moved to %q while the list refreshed", id)
	}
	if tb.count(`#schedule-list[hx-trigger]`) != 0 {
		t.Error("the list still refreshes itself after the run ended")
	}
	if run := tb.text("table.runs tbody tr"); !strings.Contains(run, "completed") || !strings.Contains(run, "auto-build-runner-01-") {
		t.Errorf("the run's row: %q", run)
	}
	tb.checkA11y("schedules page after a run")
	dark(tb)
	tb.checkA11y("schedules page after a run, dark")
	tb.do(chromedp.Navigate(a.URL + "/"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS(`#server-12348 [data-testid="card-schedule"]`)))
	if line := tb.text(`#server-12348 [data-testid="card-schedule"]`); !strings.Contains(line, "Last run completed") {
		t.Errorf("the card's schedule line: %q", line)
	}
	tb.checkA11y("snapshots page with a schedule, dark")
	phone(tb)
	tb.do(chromedp.Navigate(a.URL + "/schedules"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("table.runs")))
	if w := tb.eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`); w != "true" {
		t.Errorf("the schedules page scrolls sideways at 390 px (%s)", tb.eval(`document.documentElement.scrollWidth + " > " + window.innerWidth`))
	}
	tb.screenshot("schedules-phone")
}

// "Notify me when it finishes" on a scheduled run: with the tab hidden, the
// browser's Notifications API tells the outcome.
func TestNotifyWhenTheScheduledRunEnds(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{jobs: true, snapshotDelay: 10 * time.Second})
	tb := newTab(t, a)
	tb.signIn()
	tb.do(chromedp.Navigate(a.URL + "/schedules"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#schedule-form")))
	tb.do(
		chromedp.SetValue(chromedp.CSS("#schedule-server"), "12348"),
		chromedp.Click(chromedp.CSS(`#schedule-form button[type=submit]`)),
	)
	tb.untilAfterNavigation(10*time.Second, `!!document.querySelector("section.schedule")`)
	tb.do(chromedp.Click(chromedp.CSS(`section.schedule form[action$="/run"] button`)))
	tb.untilAfterNavigation(10*time.Second, `(() => { const b = document.querySelector("button[data-notify-schedule]"); return !!b && !b.hidden; })()`)
	tb.eval(`window.shown = [];
		window.Notification = class { constructor(title, o) { window.shown.push(title + ": " + o.body); } };
		window.Notification.permission = "granted";
		window.Notification.requestPermission = () => Promise.resolve("granted");
		"ok"`)
	// Hidden without asking to be notified, the list stops refreshing itself.
	tb.eval(`window.sent = 0;
		document.addEventListener("htmx:beforeSend", e => { if (e.detail.elt.id === "schedule-list") window.sent++; });
		Object.defineProperty(document, "hidden", {configurable: true, get: () => true}); "ok"`)
	time.Sleep(5 * time.Second)
	if n := tb.eval(`String(window.sent)`); n != "0" {
		t.Errorf("a hidden tab refreshed the list %s times", n)
	}
	tb.eval(`Object.defineProperty(document, "hidden", {configurable: true, get: () => false}); "ok"`)
	tb.do(chromedp.Click(chromedp.CSS("button[data-notify-schedule]")))
	tb.until(5*time.Second, `document.querySelector("button[data-notify-schedule]").getAttribute("aria-pressed") === "true"`)
	tb.eval(`Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
		document.dispatchEvent(new Event("visibilitychange")); "ok"`)
	tb.until(40*time.Second, `window.shown.some(s => s.includes("The scheduled snapshot of build-runner-01 completed"))`)
	if n := tb.eval(`String(window.shown.length)`); n != "1" {
		t.Errorf("%s notifications, want 1", n)
	}
}
