package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The focus ring stands out from what is around it (WCAG 1.4.11: 3:1) in
// both themes: computed from the colours the browser uses, for each thing
// focused by Tab on the snapshots page.
func TestFocusRingContrastInBothThemes(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.signIn()
	const worst = `(() => {
		const lum = c => { const m = c.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2]].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4) }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0) };
		const behind = el => { for (let e = el.parentElement; e; e = e.parentElement) { const b = getComputedStyle(e).backgroundColor; if (!/rgba\(.*, 0\)$/.test(b) && b !== "transparent") return b } return getComputedStyle(document.documentElement).backgroundColor || "rgb(255, 255, 255)" };
		const el = document.activeElement, s = getComputedStyle(el);
		if (s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 2) return "no ring on " + el.outerHTML.slice(0, 80);
		const a = lum(s.outlineColor), b = lum(behind(el));
		return ((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)).toFixed(2);
	})()`
	for _, theme := range []string{"light", "dark"} {
		if theme == "dark" {
			dark(tb)
		}
		tb.do(chromedp.Navigate(a.URL + "/"))
		tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#servers")))
		for i := range 12 {
			tb.do(chromedp.KeyEvent(kb.Tab))
			got := tb.eval(worst)
			ratio, err := strconv.ParseFloat(got, 64)
			if err != nil || ratio < 3 {
				t.Errorf("%s theme, Tab %d (%s): focus ring contrast %s, want at least 3", theme, i+1, tb.eval(`document.activeElement.outerHTML.slice(0, 80)`), got)
			}
		}
	}
}
