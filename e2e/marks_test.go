package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Pin and note a snapshot in the browser: the dialog, the row after it, a
// Delete that cannot be used, hostile text as text; axe clean.
func TestPinAndNote(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.do(chromedp.Click(chromedp.CSS(`#snapshot-798-marks`)))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("dialog[open] #pin-reason")))
	if tb.eval(`document.activeElement.matches("[data-dismiss]") ? "y" : "n"`) != "y" {
		t.Error("the dialog does not open on Cancel")
	}
	tb.checkA11y("pin and note dialog")
	// A reason and a note, then Pin: both are saved, in one submit.
	tb.do(
		chromedp.SendKeys(chromedp.CSS("dialog[open] #pin-reason"), "golden image"),
		chromedp.SendKeys(chromedp.CSS("dialog[open] #note-text"), "base of the web tier"),
		chromedp.Click(chromedp.CSS(`dialog[open] button[name=do][value=pin]`)),
	)
	tb.until(10*time.Second, `(document.querySelector("#snapshot-798 .pin") || {textContent: ""}).textContent.includes("golden image")`)
	if note := tb.text("#snapshot-798 .note"); !strings.Contains(note, "base of the web tier") {
		t.Errorf("the note typed with the pin reads %q", note)
	}
	if tb.count("dialog[open]") != 0 {
		t.Error("the dialog stayed open")
	}
	if tb.eval(`String(document.querySelector("#snapshot-798-delete").disabled)`) != "true" {
		t.Error("Delete of a pinned snapshot is usable")
	}
	tb.do(chromedp.Click(chromedp.CSS(`#snapshot-801-marks`)))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("dialog[open] #note-text")))
	tb.do(
		chromedp.SendKeys(chromedp.CSS("dialog[open] #note-text"), `<b>bold?</b> keep until Q3`),
		chromedp.Click(chromedp.CSS(`dialog[open] button[name=do][value=note]`)),
	)
	tb.until(10*time.Second, `(document.querySelector("#snapshot-801 .note") || {textContent: ""}).textContent.includes("keep until Q3")`)
	if !strings.Contains(tb.text("#snapshot-801 .note"), "<b>bold?</b>") || tb.count("#snapshot-801 .note b") != 0 {
		t.Error("the note's text was not shown as text")
	}
	tb.checkA11y("rows with a pin and a note")
}

// The table of every snapshot: sorting with JavaScript swaps only the table
// and keeps a shareable address; on a phone nothing scrolls sideways; axe clean.
func TestFleetTable(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	tb.do(chromedp.Navigate(a.URL + "/fleet"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("table.fleet")))
	tb.checkA11y("the table of every snapshot")
	tb.eval(`window.notReloaded = "yes"`)
	tb.do(chromedp.Click(chromedp.CSS(`th a[href*="sort=size"]`)))
	tb.until(10*time.Second, `location.search === "?dir=desc&sort=size" && document.querySelector("th[aria-sort=descending]").textContent.includes("Size")`)
	if tb.eval(`window.notReloaded`) != "yes" {
		t.Error("sorting reloaded the page")
	}
	if first := tb.text("table.fleet tbody tr .snap-name"); first != "before-postgres-16" {
		t.Errorf("largest first: %q", first)
	}
	phone(tb)
	tb.do(chromedp.Navigate(a.URL + "/fleet?sort=name"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("table.fleet")))
	if w := tb.eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`); w != "true" {
		t.Errorf("the table scrolls sideways at 390 px (%s)", tb.eval(`document.documentElement.scrollWidth + " > " + window.innerWidth`))
	}
	if tb.eval(`String(document.querySelector('th a[href*="sort=size"]').offsetParent !== null)`) != "true" {
		t.Error("the sort links are hidden on a phone")
	}
}

// A bulk delete in the browser: two boxes, one confirmation typed with the
// count, the outcome on the table; axe clean; nothing scrolls sideways on a phone.
func TestBulkDeleteInTheBrowser(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{jobs: true})
	tb := newTab(t, a)
	tb.signIn()
	tb.do(chromedp.Navigate(a.URL + "/fleet?server_id=12347"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("table.fleet")))
	tb.checkA11y("the table with boxes")
	tb.do(
		chromedp.Click(chromedp.CSS("#pick-810")),
		chromedp.Click(chromedp.CSS("#pick-811")),
	)
	tb.until(5*time.Second, `document.getElementById("fleet-ticked").textContent === "2 selected"`)
	tb.do(chromedp.Click(chromedp.CSS(`.bulk-actions button[type=submit]`)))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#confirm-count")))
	if got := tb.text("#confirm-title"); got != "Delete 2 snapshots?" {
		t.Errorf("the confirmation asks %q", got)
	}
	tb.checkA11y("the bulk delete confirmation")
	tb.do(
		chromedp.SendKeys(chromedp.CSS("#confirm-count"), "2"),
		chromedp.Click(chromedp.CSS("form.confirm button[type=submit]")),
	)
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS(".bulk")))
	// The panel moves by itself, item by item: no reload.
	tb.until(30*time.Second, `document.querySelector(".bulk").textContent.includes("2 deleted.")`)
	if n := a.sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 2 {
		t.Errorf("%d deletes sent", n)
	}
	phone(tb)
	tb.do(chromedp.Navigate(a.URL + "/fleet"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("table.fleet")))
	if over := tb.eval(`String(document.documentElement.scrollWidth - window.innerWidth)`); over != "0" {
		t.Errorf("the table with boxes scrolls sideways on a phone by %s px", over)
	}
}
