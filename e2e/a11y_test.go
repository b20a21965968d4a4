package e2e

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// axe is axe-core, pinned and vendored (npm axe-core@4.14.1, MPL-2.0).
//
//go:embed testdata/axe-4.14.1.min.js
var axe string

type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkA11y runs axe on the current page for the WCAG 2.1 A and AA rules and
// fails the test on any violation.
func (tb *tab) checkA11y(what string) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
		tb.t.Fatalf("inject axe: %v", err)
	}
	// A message or tray item fading out is judged where it ends (gone),
	// not half-way: axe would read its contrast mid-fade.
	const run = `document.getAnimations().forEach(a => a.finish()), axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
	  .then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
	    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").split("\n").slice(0, 2).join(" "))}))))`
	out, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("axe.run: %v", err)
	}
	var vs []violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		tb.t.Fatalf("axe result: %v", err)
	}
	for _, v := range vs {
		tb.t.Errorf("%s: axe %s (%s): %s\n  %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
}

func TestAccessibility(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.allow(`status of (422|502|404)`) // the error states below are provoked on purpose

	tb.do(chromedp.Navigate(a.URL + "/signin"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	tb.checkA11y("sign-in page")

	tb.do(chromedp.SendKeys(chromedp.CSS("#token"), "wrong"), chromedp.Submit(chromedp.CSS("#token")))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#token-error")))
	tb.allow(`status of 401`)
	tb.checkA11y("sign-in page with an error")

	tb.signIn()
	tb.checkA11y("snapshots page")

	tb.openCreate("12348")
	tb.submitCreate("12348", "bad name")
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#create-12348 .field .error")))
	tb.checkA11y("create form with errors")

	tb.submitCreate("12348", "a11y-check")
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 .badge.in_progress")))
	tb.checkA11y("snapshots page with a snapshot in progress")

	tb.openConfirm("801", "restore")
	tb.checkA11y("restore confirmation")
	tb.do(chromedp.KeyEvent("\x1b")) // Escape closes the dialog

	a.sim.SetFault(simulator.Fault{Status: 500})
	tb.do(chromedp.Navigate(a.URL + "/?server_id=12345"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS(".problem")))
	if h := tb.text(".problem h1"); h != "VPS.org is not answering" {
		t.Errorf("error page says %q", h)
	}
	tb.checkA11y("error page")
	a.sim.ClearFault()
}

// TestAxeFindsProblems proves the check above is not vacuous.
func TestAxeFindsProblems(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	tb := newTab(t, a)
	tb.do(chromedp.Navigate(a.URL + "/signin"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	tb.eval(`document.querySelector("label[for=token]").remove(), "ok"`)
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
		t.Fatal(err)
	}
	out, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a"]}}).then(r => r.violations.map(v => v.id).join(","))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "label") {
		t.Errorf("axe did not notice an unlabelled field (violations: %q)", out)
	}
}

func TestScreenshots(t *testing.T) {
	t.Parallel()
	a := startAppWith(t, appOptions{snapshotDelay: time.Minute})
	for _, size := range []struct {
		name string
		opts []tabOption
	}{{"desktop", nil}, {"phone", []tabOption{phone}}} {
		tb := newTab(t, a, size.opts...)
		tb.allow(`status of 422`) // the create form's refusal, shown on purpose
		tb.do(chromedp.Navigate(a.URL + "/signin"))
		tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
		tb.screenshot(fmt.Sprintf("signin-%s", size.name))
		tb.signIn()
		tb.screenshot(fmt.Sprintf("snapshots-%s", size.name))
		if size.name == "desktop" {
			tb.openCreate("12348")
			tb.submitCreate("12348", "before upgrade")
			tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#create-12348 .field .error")))
			tb.screenshot("create-error-desktop")
			tb.submitCreate("12348", "before-upgrade")
			tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 .badge.in_progress")))
			tb.screenshot("in-progress-desktop")
			tb.openConfirm("801", "restore")
			tb.screenshot("restore-dialog-desktop")
			tb.do(chromedp.Navigate(a.URL + "/activity"))
			tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("tr.record")))
			tb.screenshot("activity-desktop")
			tb.do(chromedp.Navigate(a.URL + "/fleet"))
			tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("table.fleet")))
			tb.screenshot("fleet-desktop")
		}
		if size.name == "phone" {
			// The layout holds at 390 px: nothing wider than the screen.
			if w := tb.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
				t.Errorf("on a 390 px phone the page is %s px wide", w)
			}
		}
	}
}
