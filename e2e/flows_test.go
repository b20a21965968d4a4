package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

func TestSignInWrongTokenThenRight(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.allow(`status of 401`)
	tb.do(
		chromedp.Navigate(a.URL+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#token"), "not-my-token"),
		chromedp.Submit(chromedp.CSS("#token")),
	)
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#token-error")))
	if msg := tb.text("#token-error"); !strings.Contains(msg, "refused") {
		t.Errorf("error shown: %q", msg)
	}
	// The token field has focus, to paste again.
	tb.until(5*time.Second, `document.activeElement.id === "token"`)
	cookies, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{a.URL}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies.Cookies {
		if c.Name == "snapdash_session" {
			t.Error("a session cookie was stored for a refused token")
		}
	}
	tb.signIn()
	if n := tb.count("section.server"); n != 4 {
		t.Errorf("%d servers shown after signing in, want 4", n)
	}
}

func TestCreateAndWatchItComplete(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.eval(`window.notReloaded = "yes"`)
	tb.openCreate("12348")
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#create-12348 input[name=name]"), "e2e-watched"),
		chromedp.SendKeys(chromedp.CSS("#create-12348 textarea"), "made by the browser suite"),
		chromedp.Click(chromedp.CSS("#create-12348 button[type=submit]")),
	)
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot .badge.in_progress")))
	if f := tb.text("#flashes"); !strings.Contains(f, "e2e-watched") {
		t.Errorf("flash after create: %q", f)
	}
	tb.wait(30*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot .badge.completed")))
	tb.until(5*time.Second, `document.querySelector("#flashes").textContent.includes("is complete")`)
	if tb.eval(`window.notReloaded || "reloaded"`) != "yes" {
		t.Error("the page reloaded; it should update in place")
	}
	if tb.count("[hx-trigger]") != 0 {
		t.Error("polling elements remain once the snapshot completed")
	}
	// Idle, the page only asks Snapdash what the team changed (every 2 s),
	// which costs VPS.org nothing.
	a.mu.Lock()
	before := len(a.paths)
	a.mu.Unlock()
	a.sim.ResetCalls()
	time.Sleep(5 * time.Second)
	a.mu.Lock()
	var other []string
	for _, p := range a.paths[before:] {
		if p != "GET /poll/changes" {
			other = append(other, p)
		}
	}
	a.mu.Unlock()
	if len(other) != 0 || a.sim.TokenCalls(simulator.DemoToken) != 0 {
		t.Errorf("an idle page sent %v in 5 s, and VPS.org had %d calls; want only questions about changes", other, a.sim.TokenCalls(simulator.DemoToken))
	}
}

func TestBadNameAndLimit(t *testing.T) {
	t.Parallel()
	// Only admins may delete, so nothing is offered to make room at 5 of 5.
	a := startAppWith(t, appOptions{deleteGroups: []string{"admins"}})
	tb := newTab(t, a)
	tb.allow(`status of 422`) // the refused forms come back as 422
	tb.signIn()
	tb.openCreate("12348")
	tb.submitCreate("12348", "my snapshot!")
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#create-12348 .field .error")))
	if v, _ := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS("#create-12348 input[name=name]"))); v != "my snapshot!" {
		t.Errorf("what was typed became %q", v)
	}
	if e := tb.text("#create-12348 .field .error"); !strings.Contains(e, "letters, digits") {
		t.Errorf("rule explained as %q", e)
	}
	if n := len(a.sim.Snapshots(simulator.DemoToken)); n != 8 {
		t.Errorf("%d snapshots after a refused name, want the 8 seeded", n)
	}

	// staging-01 holds 5: the action is disabled and says why.
	dis := tb.count(`#server-12347 .head-actions button[disabled]`)
	if dis != 1 || !strings.Contains(tb.text("#server-12347 .reason"), "Limit of 5") {
		t.Errorf("create at 5/5: %d disabled buttons, reason %q", dis, tb.text("#server-12347 .reason"))
	}
	// Asking anyway (a pasted URL) gets VPS.org's own refusal.
	tb.do(chromedp.Navigate(a.URL + "/snapshots/new?server_id=12347"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("form.create input[name=name]")))
	tb.do(
		chromedp.SendKeys(chromedp.CSS("form.create input[name=name]"), "sixth"),
		chromedp.Click(chromedp.CSS("form.create button[type=submit]")),
	)
	// As its own page, the form posts plainly: the answer is a page.
	tb.untilAfterNavigation(10*time.Second, `(document.querySelector("form.create .flash.error") || {textContent: ""}).textContent.includes("Snapshot limit reached")`)
}

func TestRestoreWithTypedName(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.openConfirm("801", "restore")
	text := tb.text("dialog[open]")
	for _, want := range []string{"web-server-01", "pre-migration-snapshot", "stopped", "overwritten"} {
		if !strings.Contains(text, want) {
			t.Errorf("dialog does not say %q", want)
		}
	}
	// A wrong name leaves Restore disabled: nothing can be sent.
	tb.do(chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-1"))
	if tb.eval(`String(document.querySelector("dialog[open] button[type=submit]").disabled)`) != "true" {
		t.Error("Restore is enabled for a name that does not match")
	}
	tb.do(chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")))
	time.Sleep(300 * time.Millisecond)
	if st := a.sim.ServerStatus(12345); st != "running" {
		t.Fatalf("a wrong name restored the server (%s)", st)
	}
	tb.eval(`document.querySelector("#confirm-name").value = "", "ok"`)
	tb.withoutSafety()
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-01"),
		chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")),
	)
	tb.until(10*time.Second, `document.querySelector("#server-12345 [data-testid=server-status]").textContent === "restoring"`)
	if tb.count("dialog") != 0 {
		t.Error("the dialog stayed open")
	}
	tb.until(30*time.Second, `document.querySelector("#server-12345 [data-testid=server-status]").textContent === "running"`)
	tb.until(5*time.Second, `document.querySelector("#flashes").textContent.includes("Restore of web-server-01 finished")`)
}

func TestDeleteAfterConfirmation(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.openConfirm("798", "delete")
	if !strings.Contains(tb.text("dialog[open] h2"), "weekly-snapshot-2025-01-08") {
		t.Errorf("dialog names %q", tb.text("dialog[open] h2"))
	}
	tb.do(chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")))
	tb.wait(10*time.Second, chromedp.WaitNotPresent(chromedp.CSS("#snapshot-798")))
	tb.do(chromedp.Reload())
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#snapshot-801")))
	if tb.count("#snapshot-798") != 0 {
		t.Error("the deleted snapshot is back after a reload")
	}
}

func TestCancelClosesDialog(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.openConfirm("798", "delete")
	tb.do(chromedp.Click(chromedp.CSS("dialog[open] [data-dismiss]")))
	tb.wait(5*time.Second, chromedp.WaitNotPresent(chromedp.CSS("dialog")))
	if tb.count("#snapshot-798") != 1 || len(a.sim.Snapshots(simulator.DemoToken)) != 8 {
		t.Error("cancel deleted something")
	}
}

func TestFilterFromPastedURL(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	// Pasted while signed out: sign in, then land on the filtered page.
	tb.do(chromedp.Navigate(a.URL + "/?server_id=12347"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#token"), simulator.DemoToken),
		chromedp.Submit(chromedp.CSS("#token")),
	)
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("section.server")))
	if loc := tb.location(); loc != "/?server_id=12347" {
		t.Errorf("landed on %q", loc)
	}
	if n := tb.count("section.server"); n != 1 || tb.text("section.server h2") != "staging-01" {
		t.Errorf("%d servers shown, first %q", n, tb.text("section.server h2"))
	}
}

func TestSignOutThenBack(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.do(chromedp.Click(chromedp.CSS(`header form button`)))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	tb.eval(`window.beforeBack = "yes", history.back(), "ok"`)
	// Back leads to a fresh load of the page, which sends the signed-out
	// person to the sign-in; never to a copy of the signed-in page.
	tb.untilAfterNavigation(10*time.Second, `window.beforeBack === undefined && document.readyState === "complete" && !!document.querySelector("#token")`)
	if n := tb.count("section.server"); n != 0 || !strings.HasPrefix(tb.location(), "/signin") {
		t.Errorf("the back button shows %d servers after sign-out, at %s", n, tb.location())
	}
}

func TestCreateAndRestoreWithoutJavaScript(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.noScript()
	tb.signIn()
	tb.do(chromedp.Click(chromedp.CSS(`#server-12348 a[href*="/snapshots/new"]`)))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("form.create input[name=name]")))
	if !strings.HasPrefix(tb.location(), "/snapshots/new") {
		t.Errorf("without JavaScript the form should be its own page, at %q", tb.location())
	}
	tb.do(
		chromedp.SendKeys(chromedp.CSS("form.create input[name=name]"), "no-js"),
		chromedp.Click(chromedp.CSS("form.create button[type=submit]")),
	)
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot .badge.in_progress")))

	tb.do(chromedp.Click(chromedp.CSS(`#snapshot-801 a[href*="/restore"]`)))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#confirm-name")))
	tb.do(
		chromedp.Click(chromedp.CSS("#safety")), // restore at once, without a safety snapshot
		chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-01"),
		chromedp.Click(chromedp.CSS("form.confirm button[type=submit]")),
	)
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12345")))
	if s := tb.text("#server-12345 [data-testid=server-status]"); s != "restoring" {
		t.Errorf("after a restore without JavaScript the server shows %q", s)
	}
	if a.sim.ServerStatus(12345) != "restoring" {
		t.Error("no restore reached the API")
	}
}

const focusCheck = `(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "nothing focused";
  const cs = getComputedStyle(e);
  if (!e.matches(":focus-visible") || cs.outlineStyle === "none" || cs.outlineWidth === "0px")
    return "focus not visible on " + e.outerHTML.slice(0, 80);
  return "ok";
})()`

// tabTo presses Tab until the focused element matches sel, checking the
// focus is visible at every stop.
func (tb *tab) tabTo(sel string, max int) {
	tb.t.Helper()
	for range max {
		tb.do(chromedp.KeyEvent(kb.Tab))
		if got := tb.eval(focusCheck); got != "ok" {
			tb.t.Fatalf("while tabbing to %s: %s", sel, got)
		}
		if tb.eval(`document.activeElement.matches(`+quote(sel)+`) ? "y" : "n"`) == "y" {
			return
		}
	}
	tb.t.Fatalf("%s not reached with %d presses of Tab", sel, max)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func TestKeyboardOnlyCreate(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.do(chromedp.Navigate(a.URL + "/signin"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	// The page starts in the token field.
	tb.until(5*time.Second, `document.activeElement && document.activeElement.id === "token"`)
	tb.do(chromedp.KeyEvent(simulator.DemoToken), pressEnter())
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("section.server")))
	tb.tabTo(`#server-12348 a[href*="/snapshots/new"]`, 40)
	tb.do(pressEnter())
	tb.until(10*time.Second, `document.activeElement && document.activeElement.matches("#create-12348 input[name=name]")`)
	if got := tb.eval(focusCheck); got != "ok" {
		t.Errorf("in the form: %s", got)
	}
	tb.do(chromedp.KeyEvent("by-keyboard"), pressEnter())
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot .badge.in_progress")))
	if name := tb.text("#server-12348 tr.snapshot td.name .snap-name"); name != "by-keyboard" {
		t.Errorf("created %q", name)
	}
}

// TestDoubleClickCreatesOne: the submit button is disabled while the request
// is in flight, and a double click makes one snapshot.
func TestDoubleClickCreatesOne(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.openCreate("12348")
	a.sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", Delay: 1500 * time.Millisecond})
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#create-12348 input[name=name]"), "clicked-twice"),
		chromedp.DoubleClick(chromedp.CSS("#create-12348 button[type=submit]")),
	)
	if tb.eval(`String(document.querySelector("#create-12348 button[type=submit]").disabled)`) != "true" {
		t.Error("the submit button is not disabled while the create is in flight")
	}
	tb.do(chromedp.Click(chromedp.CSS("#create-12348 button[type=submit]"))) // and once more
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot .badge.in_progress")))
	a.sim.ClearFault()
	if n := a.sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("a double click (and a third) sent %d creates, want 1", n)
	}
	if n := tb.count("#server-12348 tr.snapshot"); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
}

// TestUnderBasePath: mounted at /snapdash/, every link, asset, form and htmx
// request keeps the prefix, and live status still works.
func TestUnderBasePath(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{basePath: "/snapdash/"})
	tb := newTab(t, a)
	tb.app = &app{URL: a.URL + "/snapdash", sim: a.sim}
	tb.signIn()
	tb.openCreate("12348")
	tb.submitCreate("12348", "under-prefix")
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot .badge.in_progress")))
	tb.wait(30*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot .badge.completed")))
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.paths {
		if _, path, _ := strings.Cut(p, " "); !strings.HasPrefix(path, "/snapdash/") {
			t.Errorf("the browser asked for %s, outside the base path", p)
		}
	}
}

// The demo token is shown whole on a phone, never broken mid-way, and its
// Copy button copies it.
func TestDemoTokenCopies(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a, phone)
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.Call(tb.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted}); err != nil {
			t.Fatal(err)
		}
	}
	tb.do(chromedp.Navigate(a.URL + "/signin"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS(`button[data-copy="demo-token"]`)))
	if lines := tb.eval(`String(document.getElementById("demo-token").getClientRects().length)`); lines != "1" {
		t.Errorf("the demo token is broken over %s lines", lines)
	}
	if got := tb.eval(`document.activeElement.id`); got != "token" {
		t.Errorf("the sign-in page starts on %q, not the token field", got)
	}
	tb.do(chromedp.Click(chromedp.CSS(`button[data-copy="demo-token"]`)))
	tb.until(5*time.Second, `document.getElementById("demo-token-copied").textContent === "Copied."`)
	tb.eval(`navigator.clipboard.readText().then(t => document.body.dataset.clip = t), "ok"`)
	tb.until(5*time.Second, `document.body.dataset.clip === "`+simulator.DemoToken+`"`)
}
