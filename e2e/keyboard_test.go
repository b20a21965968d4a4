package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// activeID is the id of the focused element, "BODY" when nothing is focused.
func (tb *tab) activeID() string {
	tb.t.Helper()
	return tb.eval(`document.activeElement && document.activeElement !== document.body ? (document.activeElement.id || document.activeElement.tagName) : "BODY"`)
}

// askedForChanges counts the page's questions about what the team changed.
func (a *app) askedForChanges() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, p := range a.paths {
		if p == "GET /poll/changes" {
			n++
		}
	}
	return n
}

// polls counts the cards' poll requests the page has made (not its
// questions about what the team changed).
func (a *app) polls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, p := range a.paths {
		if strings.Contains(p, "/poll/") && !strings.Contains(p, "/poll/changes") {
			n++
		}
	}
	return n
}

// A person tabbing through a card that polls keeps their place: three
// unchanged polls change nothing in the card (the very element stays
// focused), and a poll that changes the card keeps focus on the control of
// the same id.
func TestFocusSurvivesPolls(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{snapshotDelay: 12 * time.Second})
	tb := newTab(t, a)
	tb.signIn()
	tb.openCreate("12348")
	tb.submitCreate("12348", "watched-by-keyboard")
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot .badge.in_progress")))
	id := tb.eval(`document.querySelector("#server-12348 tr.snapshot").id.replace("snapshot-", "")`)
	del := "snapshot-" + id + "-delete"
	tb.eval(`(() => {
	  const el = document.getElementById("` + del + `");
	  el.focus();
	  window.focusedNode = el;
	  window.cardMutations = 0;
	  const live = document.getElementById("server-12348-live");
	  const poller = n => n.nodeType !== 1 ? !n.textContent.trim() : n.classList.contains("poller");
	  new MutationObserver(list => {
	    for (const m of list) {
	      const t = m.target.nodeType === 1 ? m.target : m.target.parentElement;
	      if (t && t.closest(".poller")) continue;
	      if (m.type === "childList" && [...m.addedNodes, ...m.removedNodes].every(poller)) continue;
	      window.cardMutations++;
	      (window.mutationLog = window.mutationLog || []).push(m.type + " " + (m.attributeName || "") + " on " + (t ? t.outerHTML.slice(0, 120) : "?"));
	    }
	  }).observe(live, {subtree: true, childList: true, attributes: true, characterData: true});
	  return "ok";
	})()`)
	start := a.polls()
	if !wait.Within(20*time.Second, func() bool { return a.polls() >= start+3 }) {
		t.Fatalf("only %d polls in 20 s", a.polls()-start)
	}
	time.Sleep(300 * time.Millisecond) // the third answer is swapped in
	if got := tb.activeID(); got != del {
		t.Errorf("after three polls focus is on %q, want %q", got, del)
	}
	if tb.eval(`String(document.activeElement === window.focusedNode)`) != "true" {
		t.Error("the focused control was replaced by an unchanged poll")
	}
	if n := tb.eval(`String(window.cardMutations)`); n != "0" {
		t.Errorf("unchanged polls changed the card %s times: %s", n, tb.eval(`(window.mutationLog || []).join("\n")`))
	}
	// The snapshot completes: the card is replaced, focus stays on the same control.
	tb.wait(30*time.Second, chromedp.WaitVisible(chromedp.CSS("#snapshot-"+id+" .badge.completed")))
	time.Sleep(300 * time.Millisecond)
	if got := tb.activeID(); got != del {
		t.Errorf("after the card changed focus is on %q, want %q", got, del)
	}
}

// After each action focus lands somewhere useful, never on <body>: the new
// row after Create, the next row after Delete, the restoring note after a
// restore starts.
func TestFocusAfterActions(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{snapshotDelay: time.Minute})
	tb := newTab(t, a)
	tb.signIn()
	tb.openCreate("12348")
	tb.submitCreate("12348", "focus-after-create")
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot")))
	newRow := tb.eval(`document.querySelector("#server-12348 tr.snapshot").id`)
	tb.until(5*time.Second, `document.activeElement.id === "`+newRow+`"`)

	// Rows are newest first: after a delete, the row that followed it.
	tb.openConfirm("798", "delete")
	next := tb.eval(`(() => { const r = document.getElementById("snapshot-798"); const n = r.nextElementSibling || r.previousElementSibling; return n ? n.id : "server-12345-new"; })()`)
	tb.do(chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")))
	tb.wait(10*time.Second, chromedp.WaitNotPresent(chromedp.CSS("#snapshot-798")))
	tb.until(5*time.Second, `document.activeElement.id === "`+next+`"`)

	// The last snapshot of a server deleted: focus goes to "New snapshot".
	tb.openConfirm(strings.TrimPrefix(newRow, "snapshot-"), "delete")
	tb.do(chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")))
	tb.wait(10*time.Second, chromedp.WaitNotPresent(chromedp.CSS("#"+newRow)))
	tb.until(5*time.Second, `document.activeElement.id === "server-12348-new"`)

	tb.openConfirm("801", "restore")
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-01"),
		chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")),
	)
	tb.until(10*time.Second, `document.activeElement.id === "server-12345-restoring"`)
}

// Enter, Enter must not delete: destructive dialogs open on Cancel, and the
// restore button waits for the typed name. Escape on a dialog whose opener a
// poll replaced returns focus to the control of the same id.
func TestDestructiveDialogsProtect(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	for _, action := range []string{"delete", "restore"} {
		tb.do(chromedp.Focus(chromedp.CSS("#snapshot-801-" + action)))
		tb.do(pressEnter())
		tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("dialog[open]")))
		tb.until(5*time.Second, `document.activeElement.textContent === "Cancel"`)
		if action == "restore" && tb.eval(`String(document.querySelector("dialog[open] button[type=submit]").disabled)`) != "true" {
			t.Error("Restore is enabled before the name is typed")
		}
		tb.do(pressEnter()) // the second Enter lands on Cancel
		tb.wait(5*time.Second, chromedp.WaitNotPresent(chromedp.CSS("dialog")))
		tb.until(5*time.Second, `document.activeElement.id === "snapshot-801-`+action+`"`)
	}
	if n := len(a.sim.Snapshots(simulator.DemoToken)); n != 8 || a.sim.ServerStatus(12345) != "running" {
		t.Errorf("Enter, Enter changed something: %d snapshots, server %s", n, a.sim.ServerStatus(12345))
	}
	tb.openConfirm("798", "delete")
	// A poll replaces the opener while the dialog is open.
	tb.eval(`(() => { const o = document.getElementById("snapshot-798-delete"); o.replaceWith(o.cloneNode(true)); return "ok"; })()`)
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.wait(5*time.Second, chromedp.WaitNotPresent(chromedp.CSS("dialog")))
	tb.until(5*time.Second, `document.activeElement.id === "snapshot-798-delete"`)
	tb.do(
		chromedp.Focus(chromedp.CSS("#snapshot-801-restore")),
		pressEnter(),
	)
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("dialog[open] #confirm-name")))
	tb.do(chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-01"))
	if tb.eval(`String(document.querySelector("dialog[open] button[type=submit]").disabled)`) != "false" {
		t.Error("Restore stays disabled once the name matches")
	}
}

// Escape closes the inline create form and returns to "New snapshot"; a
// slow answer shows a busy state on the control used and "Creating…".
func TestInlineFormEscapeAndBusyStates(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	a.sim.SetFault(simulator.Fault{Match: "GET /api/v1/servers/{id}/", Delay: 1500 * time.Millisecond, Times: 1})
	tb.do(chromedp.Click(chromedp.CSS("#server-12348-new")))
	time.Sleep(300 * time.Millisecond)
	if tb.eval(`document.getElementById("server-12348-new").getAttribute("aria-busy") || ""`) != "true" ||
		tb.eval(`String(document.getElementById("server-12348-new").classList.contains("htmx-request"))`) != "true" {
		t.Error("New snapshot shows no busy state while its request is slow")
	}
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#create-12348 input[name=name]")))
	// Escape acts where the person is: in the form, once focus has moved there.
	tb.until(5*time.Second, `!!document.activeElement.closest("#create-12348")`)
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.wait(5*time.Second, chromedp.WaitNotPresent(chromedp.CSS("#create-12348")))
	tb.until(5*time.Second, `document.activeElement.id === "server-12348-new"`)

	tb.openCreate("12348")
	a.sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", Delay: 1500 * time.Millisecond})
	tb.submitCreate("12348", "slowly")
	time.Sleep(300 * time.Millisecond)
	if got := tb.text("#create-12348 button[type=submit]"); got != "Creating…" {
		t.Errorf("the submit button says %q while creating", got)
	}
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot")))
	a.sim.ClearFault()
}

// At most three messages show after four actions; successes fade, errors
// stay until closed.
func TestMessagesDoNotPileUp(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{snapshotDelay: time.Minute})
	tb := newTab(t, a)
	tb.allow(`status of 502`)
	tb.allow(`Response Status Error Code 502`)
	tb.signIn()
	// Every message that arrives is noted, so a slow machine cannot miss one
	// that came and faded between two looks.
	tb.eval(`window.seenFlashes = [], new MutationObserver(() => window.seenFlashes.push(document.querySelector("#flashes").textContent))
		.observe(document.querySelector("#flashes"), {childList: true, subtree: true, characterData: true}), "ok"`)
	for i, server := range []string{"12348", "12345", "12346", "12348"} {
		tb.openCreate(server)
		tb.submitCreate(server, "msg-"+strconv.Itoa(i))
		tb.until(10*time.Second, `window.seenFlashes.some(t => t.includes("msg-`+strconv.Itoa(i)+`"))`)
	}
	if n := tb.count("#flashes .flash"); n > 3 {
		t.Errorf("%d messages after four actions, want at most 3", n)
	}
	tb.until(10*time.Second, `document.querySelectorAll("#flashes .flash").length === 0`)
	if tb.eval(`document.getElementById("flashes").getAttribute("aria-live")`) != "polite" {
		t.Error("the message region is no longer aria-live")
	}
	// An error stays until it is closed.
	a.sim.SetFault(simulator.Fault{Match: "GET /api/v1/snapshots/", Status: 500})
	tb.do(chromedp.Click(chromedp.CSS("#snapshot-801-restore"))) // the dialog cannot load
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#flashes .flash.error .flash-close")))
	time.Sleep(7 * time.Second)
	if tb.count("#flashes .flash.error") != 1 {
		t.Error("an error message went away by itself")
	}
	a.sim.ClearFault()
	tb.do(chromedp.Click(chromedp.CSS("#flashes .flash.error .flash-close")))
	tb.wait(5*time.Second, chromedp.WaitNotPresent(chromedp.CSS("#flashes .flash.error")))
}

// A hidden tab does not poll; shown again after a while, it refreshes its cards.
func TestHiddenTabStopsPollingAndRefreshesWhenShown(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{snapshotDelay: time.Minute})
	tb := newTab(t, a)
	tb.signIn()
	tb.openCreate("12348")
	tb.submitCreate("12348", "hidden-tab")
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot")))
	tb.eval(`Object.defineProperty(document, "hidden", {configurable: true, get: () => window.fakeHidden === true}),
	  window.fakeHidden = true, document.dispatchEvent(new Event("visibilitychange")), "ok"`)
	before, asked := a.polls(), a.askedForChanges()
	time.Sleep(16 * time.Second)
	if n := a.polls() - before; n != 0 {
		t.Errorf("a hidden tab polled %d times", n)
	}
	if n := a.askedForChanges() - asked; n != 0 {
		t.Errorf("a hidden tab asked %d times what the team changed", n)
	}
	tb.eval(`window.fakeHidden = false, document.dispatchEvent(new Event("visibilitychange")), "ok"`)
	if !wait.Within(10*time.Second, func() bool { return a.polls() >= before+4 }) {
		t.Errorf("shown again, the tab refreshed %d cards, want all 4", a.polls()-before)
	}
}

// Choosing a server in the filter applies it at once.
func TestFilterAppliesOnChange(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.do(chromedp.SetValue(chromedp.CSS("#server_id"), "12347"))
	tb.eval(`(e => e && e.dispatchEvent(new Event("change", {bubbles: true})))(document.getElementById("server_id")), "ok"`)
	tb.untilAfterNavigation(10*time.Second, `location.search === "?server_id=12347"`)
}

// longName is 100 characters without a space, the longest name VPS.org takes.
var longName = strings.Repeat("a1b2c3d4e5", 10)

// overflow says how far the page (or an open dialog) is wider than the screen.
const overflow = `(() => {
  const d = document.querySelector("dialog[open]");
  const page = document.documentElement.scrollWidth - window.innerWidth;
  const dlg = d ? d.scrollWidth - d.clientWidth : 0;
  return String(Math.max(page, dlg));
})()`

// With 100-character names everything wraps: no page or dialog scrolls
// sideways on a phone or a desktop.
func TestLongNamesKeepLayouts(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{snapshotDelay: time.Minute})
	a.sim.AddAccount("tk-long-names-9d9d", simulator.ServerSeed{ID: 7171, Name: longName, Snapshots: []simulator.SnapshotSeed{
		{ID: 9171, Name: longName, SizeMB: 1024, Description: strings.Repeat("d", 500)},
	}})
	for _, size := range []struct {
		name string
		opts []tabOption
	}{{"1280", nil}, {"390", []tabOption{phone}}} {
		t.Run(size.name, func(t *testing.T) {
			tb := newTab(t, a, size.opts...)
			tb.signInWith("tk-long-names-9d9d")
			check := func(what string) {
				t.Helper()
				if over := tb.eval(overflow); over != "0" {
					t.Errorf("%s at %s px: %s px too wide", what, size.name, over)
				}
			}
			check("snapshots page")
			tb.do(chromedp.Click(chromedp.CSS("#server-7171-new")))
			tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#create-7171 input[name=name]")))
			tb.submitCreate("7171", longName[:96]+"x"+size.name)
			tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-7171 .card-outcome")))
			check("snapshots page with a message")
			tb.openConfirm("9171", "restore")
			check("restore dialog")
			tb.do(chromedp.KeyEvent(kb.Escape))
			tb.openConfirm("9171", "delete")
			check("delete dialog")
			tb.do(chromedp.KeyEvent(kb.Escape))
			for _, path := range []string{"/activity", "/snapshots/new?server_id=7171", "/snapshots/9171/restore?server_id=7171", "/snapshots/9171/delete?server_id=7171"} {
				tb.do(chromedp.Navigate(a.URL + path))
				tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("main")))
				check(path)
			}
			if size.name == "390" {
				tb.do(chromedp.Navigate(a.URL + "/"))
				tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("main h1")))
				if top, _ := strconv.Atoi(tb.eval(`String(Math.round(document.querySelector("main").getBoundingClientRect().top))`)); top > 170 {
					t.Errorf("on a phone the banner and the header take %d px before any content (at most 170)", top)
				}
				small := tb.eval(`(() => {
				  const bad = [...document.querySelectorAll("main button, main .button, main select, main input:not([type=hidden])")]
				    .filter(e => e.offsetParent && e.getBoundingClientRect().height < 44);
				  return bad.map(e => e.outerHTML.slice(0, 60)).join(" | ");
				})()`)
				if small != "" {
					t.Errorf("touch targets under 44 px: %s", small)
				}
			}
		})
	}
}

// The dark theme passes axe, contrast included.
func TestDarkThemeAccessibility(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	dark(tb)
	tb.do(chromedp.Navigate(a.URL + "/signin"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	if bg := tb.eval(`getComputedStyle(document.documentElement).backgroundColor`); bg == "rgb(246, 247, 249)" {
		t.Fatalf("the dark theme did not apply (background %s)", bg)
	}
	tb.checkA11y("sign-in page, dark")
	tb.signIn()
	tb.checkA11y("snapshots page, dark")
	tb.openCreate("12348")
	tb.checkA11y("create form, dark")
	tb.submitCreate("12348", "dark-one")
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot")))
	tb.checkA11y("snapshots page with a message, dark")
	tb.openConfirm("801", "restore")
	tb.checkA11y("restore dialog, dark")
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.do(chromedp.Navigate(a.URL + "/activity"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("main")))
	tb.checkA11y("activity page, dark")
	tb.do(chromedp.Navigate(a.URL + "/fleet"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("table.fleet")))
	tb.checkA11y("all snapshots, dark")
	tb.do(chromedp.Navigate(a.URL + "/snapshots/798/marks?server_id=12345"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#pin-reason")))
	tb.checkA11y("pin and note page, dark")
}

// Arrowing through a filter's choices updates the results in place: the
// address follows (Back returns to where it was), and focus stays on the
// select instead of dropping to the page with each reload.
func TestFilterByKeyboardKeepsFocus(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	for _, page := range []struct{ path, sel, region string }{
		{"/", "#server_id", "#servers"}, {"/activity", "#server_id", "#activity-results"}, {"/fleet", "#fleet-server", "#fleet"},
	} {
		tb.do(chromedp.Navigate(a.URL + page.path))
		tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS(page.region)))
		tb.eval(`window.samePage = true, document.querySelector("` + page.sel + `").focus(), "ok"`)
		tb.do(chromedp.KeyEvent(kb.ArrowDown))
		tb.until(10*time.Second, `location.search.includes("server_id=")`)
		tb.until(5*time.Second, `document.activeElement === document.querySelector("`+page.sel+`")`)
		if tb.eval(`String(window.samePage === true)`) != "true" {
			t.Errorf("%s: the page was loaded again", page.path)
		}
		if page.path == "/" {
			tb.until(5*time.Second, `document.querySelectorAll("#servers section.server").length === 1`)
		}
		tb.do(chromedp.NavigateBack())
		tb.untilAfterNavigation(10*time.Second, `!location.search.includes("server_id=") && document.querySelector("`+page.region+`") !== null`)
	}
	// Sorting the table by keyboard keeps focus on the header's link.
	tb.do(chromedp.Navigate(a.URL + "/fleet"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#sort-size")))
	tb.eval(`document.getElementById("sort-size").focus(), "ok"`)
	tb.do(pressEnter())
	tb.until(10*time.Second, `location.search.includes("sort=size")`)
	tb.until(5*time.Second, `document.activeElement.id === "sort-size"`)
}
