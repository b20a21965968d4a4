package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// A row's dialog opens over the page where the person is: on a phone, far
// down the page, it does not scroll to the dialog's slot, the address stays
// the page's, and closing it leaves the person on the link they used. The
// rows' links are boosted into #dialog by their table, not each by itself.
func TestRowDialogKeepsThePageWhereItIs(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a, phone)
	tb.signIn()
	at := tb.location()
	y := tb.eval(`(() => { document.querySelector("#snapshot-812").scrollIntoView({block: "center"}); return String(Math.round(window.scrollY)) })()`)
	if y == "0" {
		t.Fatal("the page is too short to test scrolling")
	}
	tb.do(chromedp.Click(chromedp.CSS("#snapshot-812-delete")))
	tb.until(5*time.Second, `!!document.querySelector("#dialog dialog[open]:not([data-waiting]) button[type=submit]")`)
	if got := tb.eval(`String(Math.round(window.scrollY))`); got != y {
		t.Errorf("opening the dialog scrolled the page from %s to %s", y, got)
	}
	if got := tb.location(); got != at {
		t.Errorf("opening the dialog changed the address from %q to %q", at, got)
	}
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.until(2*time.Second, `!document.querySelector("#dialog dialog") && document.activeElement.id === "snapshot-812-delete"`)
	if got := tb.eval(`String(Math.round(window.scrollY))`); got != y {
		t.Errorf("closing the dialog left the page at %s, not %s", got, y)
	}
}
