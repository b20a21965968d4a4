// Package e2e is the browser suite: headless Chromium, driven by chromedp,
// clicks through Snapdash running on the simulator. See harness_test.go.
package e2e
