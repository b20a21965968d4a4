package e2e

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// At 1280 px Activity's Who column shows a person's e-mail on one line
// (it wrapped over three); the What column takes the wrapping.
func TestActivityWhoOnOneLine(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{snapshotDelay: time.Minute, trustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	tb := newTab(t, a)
	if _, err := chromedp.Call(tb.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"X-Forwarded-Email": "margarida.vilanova-puig@operations.example.com"}}); err != nil {
		t.Fatal(err)
	}
	tb.signIn()
	tb.openCreate("12348")
	tb.submitCreate("12348", "before-the-long-maintenance-window-of-december")
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot")))
	tb.do(chromedp.Navigate(a.URL + "/activity"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("tr.record td.who")))
	lines := tb.eval(`(() => { const c = document.querySelector("tr.record td.who"); const r = document.createRange(); r.selectNodeContents(c); return String(r.getClientRects().length) })()`)
	if n, _ := strconv.Atoi(lines); n != 1 {
		t.Errorf("the e-mail in the Who column takes %s lines at 1280 px, want 1", lines)
	}
	if w := tb.eval(`String(document.documentElement.scrollWidth)`); w != "1280" {
		t.Errorf("the page is %s px wide at 1280 px", w)
	}
}
