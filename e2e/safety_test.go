package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/snapdash/snapdash/internal/wait"
)

// requestTimes is when the simulator first received each call of key.
func (a *app) requestTimes(key string) []time.Time {
	var at []time.Time
	for _, r := range a.sim.Requests() {
		if r.Key == key {
			at = append(at, r.Time)
		}
	}
	return at
}

// checkSafetyOrder fails unless one safety snapshot was created and one
// restore sent, the restore after the snapshot had time to complete.
func checkSafetyOrder(t *testing.T, a *app, snapshotDelay time.Duration) {
	t.Helper()
	creates, restores := a.requestTimes("POST /api/v1/snapshots/"), a.requestTimes("POST /api/v1/snapshots/{id}/restore/")
	if len(creates) != 1 || len(restores) != 1 || restores[0].Sub(creates[0]) < snapshotDelay {
		t.Errorf("creates at %v, restores at %v: want one each, the restore after the safety snapshot completed", creates, restores)
	}
}

// With JavaScript: the dialog offers the safety snapshot, checked; the card
// follows the job's steps by polling; the outcome arrives as a message.
func TestSafetyNetRestore(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{jobs: true, snapshotDelay: 3 * time.Second, restoreDelay: 3 * time.Second})
	tb := newTab(t, a)
	tb.signIn()
	tb.openConfirm("801", "restore")
	if tb.eval(`String(document.querySelector("dialog[open] #safety").checked)`) != "true" {
		t.Fatal("the safety snapshot is not offered, checked")
	}
	if !strings.Contains(tb.text("dialog[open] #safety-hint"), "before-restore-") {
		t.Error("the safety snapshot's name is not given")
	}
	tb.checkA11y("restore dialog with a safety snapshot")
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-01"),
		chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")),
	)
	tb.until(10*time.Second, `(document.querySelector("#server-12345-restoring") || {textContent: ""}).textContent.includes("then restore from pre-migration-snapshot")`)
	if tb.count("dialog[open]") != 0 {
		t.Error("the dialog stayed open")
	}
	tb.until(40*time.Second, `document.querySelector("#server-12345").textContent.includes("Restore of web-server-01 from pre-migration-snapshot finished")`)
	checkSafetyOrder(t, a, 3*time.Second)
	tb.checkA11y("the card after a restore with a safety snapshot")
}

// Without JavaScript: the same, through pages; reloading shows the steps.
func TestSafetyNetRestoreWithoutJavaScript(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{jobs: true, snapshotDelay: 3 * time.Second, restoreDelay: 3 * time.Second})
	tb := newTab(t, a)
	tb.noScript()
	tb.signIn()
	tb.do(chromedp.Click(chromedp.CSS(`#snapshot-801 a[href*="/restore"]`)))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#confirm-name")))
	if tb.eval(`String(document.querySelector("#safety").checked)`) != "true" {
		t.Fatal("the safety snapshot is not offered, checked")
	}
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-01"),
		chromedp.Click(chromedp.CSS("form.confirm button[type=submit]")),
	)
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12345")))
	if msg := tb.text("#flashes"); !strings.Contains(msg, "the restore is sent only once it is complete") {
		t.Errorf("after confirming: %q", msg)
	}
	// "Notify me" needs JavaScript: without it, it is not shown.
	if got := tb.eval(`(() => { const b = document.querySelector("#server-12345 [data-notify]"); return b ? getComputedStyle(b).display : "absent"; })()`); got != "none" {
		t.Errorf("without JavaScript the Notify button shows (display %s)", got)
	}
	wait.Until(t, 40*time.Second, func() bool { // the restore finished
		return a.sim.ServerStatus(12345) == "running" && len(a.requestTimes("POST /api/v1/snapshots/{id}/restore/")) > 0
	})
	if !wait.Within(20*time.Second, func() bool {
		tb.do(chromedp.Navigate(a.URL + "/activity"))
		tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("h1")))
		return strings.Contains(tb.text("body"), "server running again after")
	}) {
		t.Fatalf("the activity page shows no steps: %s", tb.text("body"))
	}
	checkSafetyOrder(t, a, 3*time.Second)
}

// "Notify me when it finishes": with the tab hidden, the card keeps polling
// and the browser's Notifications API tells the outcome.
func TestNotifyWhenTheRestoreFinishes(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{jobs: true, snapshotDelay: 4 * time.Second, restoreDelay: 2 * time.Second})
	tb := newTab(t, a)
	tb.signIn()
	tb.openConfirm("801", "restore")
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-01"),
		chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")),
	)
	tb.until(10*time.Second, `(() => { const b = document.querySelector("#server-12345 button[data-notify]"); return !!b && !b.hidden; })()`)
	// The browser's permission prompt cannot be answered headless: a stand-in
	// Notification grants it and keeps what would be shown.
	tb.eval(`window.shown = [];
		window.Notification = class { constructor(title, o) { window.shown.push(title + ": " + o.body); } };
		window.Notification.permission = "granted";
		window.Notification.requestPermission = () => Promise.resolve("granted");
		"ok"`)
	tb.do(chromedp.Click(chromedp.CSS("#server-12345 button[data-notify]")))
	tb.until(5*time.Second, `document.querySelector("#server-12345 button[data-notify]").getAttribute("aria-pressed") === "true"`)
	tb.eval(`Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
		document.dispatchEvent(new Event("visibilitychange")); "ok"`)
	tb.until(40*time.Second, `window.shown.some(s => s.includes("Restore of web-server-01 from pre-migration-snapshot finished"))`)
	if n := tb.eval(`String(window.shown.length)`); n != "1" {
		t.Errorf("%s notifications, want 1", n)
	}
}
