package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// With VPS.org taking 3 s a call, a dialog opens at once saying it is on
// its way, with focus on its heading (not a button a second Enter would
// press), and is complete within 4 s: its reads run side by side, each
// once. A dialog given up never comes back when its late answer arrives.
func TestDialogsAtASlowUpstream(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	a.sim.SetLatency(3 * time.Second)

	complete := `!!document.querySelector("#dialog dialog[open]:not([data-waiting]) button[type=submit]")`
	for _, link := range []string{"#snapshot-814-restore", "#snapshot-805-delete", "#snapshot-801-restore"} {
		start := time.Now()
		tb.do(chromedp.Click(chromedp.CSS(link)))
		tb.until(2*time.Second, `!!document.querySelector("#dialog dialog[open][data-waiting]") && document.activeElement.id === "dialog-waiting-title"`)
		if tb.eval(`document.querySelector("#dialog dialog[data-waiting]").getAttribute("aria-busy")`) != "true" {
			t.Errorf("%s: the waiting dialog is not marked busy", link)
		}
		tb.until(4*time.Second-time.Since(start), complete)
		t.Logf("%s complete after %s", link, time.Since(start).Round(10*time.Millisecond))
		tb.do(chromedp.KeyEvent(kb.Escape))
		tb.until(2*time.Second, `!document.querySelector("#dialog dialog") && document.activeElement.id === "`+link[1:]+`"`)
	}

	// New snapshot's inline form, the same.
	start := time.Now()
	tb.do(chromedp.Click(chromedp.CSS("#server-12347-new")))
	tb.until(4*time.Second-time.Since(start), `!!document.querySelector("#create-12347 button[type=submit]")`)
	tb.do(chromedp.KeyEvent(kb.Escape))

	// Given up while waiting, then another dialog: the first answer, late,
	// never replaces the second.
	tb.do(chromedp.Click(chromedp.CSS("#snapshot-801-restore")))
	tb.until(2*time.Second, `!!document.querySelector("#dialog dialog[open][data-waiting]")`)
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.until(2*time.Second, `!document.querySelector("#dialog dialog")`)
	tb.do(chromedp.Click(chromedp.CSS("#snapshot-798-delete")))
	tb.until(5*time.Second, complete)
	// The restore was asked first, so its answer came back first: what
	// shows now is all that will.
	if got := tb.text("#dialog dialog[open] button[type=submit]"); got != "Delete weekly-snapshot-2025-01-08" {
		t.Errorf("after giving up a restore and asking a delete, the dialog offers %q", got)
	}
	tb.do(chromedp.KeyEvent(kb.Escape))

	// A dialog VPS.org fails to answer: the waiting dialog closes, focus
	// goes back to the link, and the message says why.
	a.sim.SetLatency(0)
	tb.allow(`status of 502`)
	tb.allow(`Response Status Error Code 502`)
	a.sim.SetFault(simulator.Fault{Match: "GET /api/v1/snapshots/", Status: 500})
	tb.do(chromedp.Click(chromedp.CSS("#snapshot-801-restore")))
	tb.until(5*time.Second, `!document.querySelector("#dialog dialog") && document.activeElement.id === "snapshot-801-restore" && document.querySelectorAll("#flashes .flash").length > 0`)
	a.sim.ClearFault()
}
