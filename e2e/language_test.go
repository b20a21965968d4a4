package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// A browser preferring Catalan gets Catalan pages (<html lang="ca">), axe
// clean in both themes, a dialog in Catalan; the header's switch, by
// keyboard, changes to English and back, and the choice holds across pages.
func TestCatalanInTheBrowser(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	if _, err := chromedp.Call(tb.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "ca-ES,ca;q=0.9"}}); err != nil {
		t.Fatal(err)
	}
	tb.signIn()
	tb.until(5*time.Second, `document.documentElement.lang === "ca" && document.querySelector("h1").textContent === "Instantànies"`)
	tb.checkA11y("the snapshots page in Catalan")
	tb.openConfirm("801", "restore")
	if got := tb.text("dialog[open] h2"); got != "Voleu restaurar web-server-01 des de pre-migration-snapshot?" {
		t.Errorf("the restore dialog asks %q", got)
	}
	tb.checkA11y("the restore dialog in Catalan")
	tb.do(chromedp.KeyEvent(kb.Escape))
	dark(tb)
	tb.checkA11y("the snapshots page in Catalan, dark")

	// What the scripts write is Catalan too: the fleet table's count of
	// ticked rows, said by app.js as a row is ticked.
	tb.do(chromedp.Navigate(a.URL + "/fleet"))
	tb.untilAfterNavigation(10*time.Second, `document.documentElement.lang === "ca" && !!document.querySelector("#fleet-ticked")`)
	tb.do(chromedp.Click(chromedp.CSS(`input[name="snapshot"]`)))
	tb.until(5*time.Second, `document.getElementById("fleet-ticked").textContent === "1 seleccionada"`)
	tb.do(chromedp.Click(chromedp.CSS(`input[name="snapshot"]`)))
	tb.until(5*time.Second, `document.getElementById("fleet-ticked").textContent === "Cap seleccionada"`)
	tb.do(chromedp.Navigate(a.URL + "/"))
	tb.untilAfterNavigation(10*time.Second, `document.querySelector("h1").textContent === "Instantànies"`)

	// The switch, by keyboard: its button, then Enter.
	tb.eval(`document.getElementById("lang-en").focus(), "ok"`)
	tb.do(pressEnter())
	tb.untilAfterNavigation(10*time.Second, `document.documentElement.lang === "en" && document.querySelector("h1").textContent === "Snapshots"`)
	tb.do(chromedp.Navigate(a.URL + "/activity"))
	tb.untilAfterNavigation(10*time.Second, `document.documentElement.lang === "en" && document.querySelector("h1").textContent === "Activity"`)
	tb.do(chromedp.Click(chromedp.CSS("#lang-ca")))
	tb.untilAfterNavigation(10*time.Second, `location.pathname === "/activity" && document.querySelector("h1").textContent === "Activitat"`)
	tb.checkA11y("Activity in Catalan, dark")
}
