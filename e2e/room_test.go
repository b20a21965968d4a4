package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// At 5 of 5, by keyboard alone: New snapshot opens the form with the choice
// of a snapshot to delete first, nothing chosen; the person types a name,
// picks the oldest, confirms; the card follows the job, which deletes, then
// creates (in that order at VPS.org), and says how it ended. axe clean.
func TestMakeRoomByKeyboard(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{jobs: true, snapshotDelay: 2 * time.Second})
	tb := newTab(t, a)
	tb.signIn()
	tb.tabTo(`#server-12347 a[href*="/snapshots/new"]`, 60)
	tb.do(pressEnter())
	tb.until(10*time.Second, `document.activeElement && document.activeElement.matches("#create-12347 input[name=name]")`)
	if n := tb.count(`#create-12347 input[name=delete_first]:checked`); n != 0 {
		t.Error("a snapshot to delete is chosen for the person")
	}
	tb.checkA11y("the new snapshot form at 5 of 5")
	dark(tb)
	tb.checkA11y("the new snapshot form at 5 of 5, dark")
	tb.do(chromedp.KeyEvent("made-room"))
	tb.tabTo(`#create-12347 input[name=delete_first]`, 5)
	tb.do(chromedp.KeyEvent(" "))
	if got := tb.eval(`document.querySelector("#create-12347 input[name=delete_first]:checked").value`); got != "810" {
		t.Fatalf("chose %q, want the oldest, 810", got)
	}
	tb.tabTo(`#create-12347 button[type=submit]`, 5)
	tb.do(pressEnter())
	tb.until(20*time.Second, `document.querySelector("#server-12347").textContent.includes("Snapshot made-room of staging-01 completed; release-1-4 was deleted first to make room.")`)
	del, post := a.requestTimes("DELETE /api/v1/snapshots/{id}/"), a.requestTimes("POST /api/v1/snapshots/")
	if len(del) != 1 || len(post) != 1 || post[0].Before(del[0]) {
		t.Errorf("deletes at %v, creates at %v: want one each, the delete first", del, post)
	}
	if names := tb.text("#server-12347 table"); strings.Contains(names, "release-1-4") || !strings.Contains(names, "made-room") {
		t.Errorf("the card lists %q", names)
	}
	tb.checkA11y("the card after making room")
}
