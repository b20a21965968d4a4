// Package wait is how tests wait for something to become so: one helper,
// checking often, bounded, never a fixed sleep.
package wait

import (
	"testing"
	"time"
)

// Every is how often a condition is checked.
const Every = 20 * time.Millisecond

// Within reports whether ok holds within d, checking it every Every.
func Within(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(Every)
	}
	return true
}

// Until fails the test (at its caller's line) when ok does not hold
// within d.
func Until(t testing.TB, d time.Duration, ok func() bool) {
	t.Helper()
	if !Within(d, ok) {
		t.Fatalf("still not so after %s", d)
	}
}
