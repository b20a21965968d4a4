package web_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Several tabs of one session polling the same server share one upstream
// call; another person's polls never use theirs.
func TestTabsOfOneSessionSharePolls(t *testing.T) {
	t.Parallel()
	ts := newSharedTestServer(t, func(_ *webConfig, o *simOptions) { o.Latency = 50_000_000 })
	ts.sim.AddAccount("tk-second-person-5a5a", simulator.ServerSeed{ID: 4242, Name: "theirs", Snapshots: []simulator.SnapshotSeed{{Name: "s", Status: "in_progress"}}})
	ts.sim.AddAccount(simulator.DemoToken, simulator.ServerSeed{ID: 4343, Name: "busy", Snapshots: []simulator.SnapshotSeed{{Name: "m", Status: "in_progress"}}})
	me := ts.browser()
	url, _ := pollOf(me.signIn(simulator.DemoToken).Doc.Find("#server-4343-live"))
	other := ts.browser()
	otherURL, _ := pollOf(other.signIn("tk-second-person-5a5a").Doc.Find("#server-4242-live"))
	ts.clock.Add(5_000_000_000) // past the sharing window of the page loads

	ts.sim.ResetCalls()
	var wg sync.WaitGroup
	for range 4 { // four tabs
		wg.Add(1)
		go func() { defer wg.Done(); me.hx(http.MethodGet, url, nil) }()
	}
	wg.Wait()
	if n := ts.sim.Calls("GET /api/v1/snapshots/"); n != 1 {
		t.Errorf("4 tabs polling at once made %d upstream calls, want 1", n)
	}
	r := other.hx(http.MethodGet, otherURL, nil)
	if n := ts.sim.Calls("GET /api/v1/snapshots/"); n != 2 {
		t.Errorf("another person's poll made %d calls in all, want its own (2)", n)
	}
	if r.Doc.Find("#server-4242-live, #server-4242-poller").Length() != 1 || r.Doc.Find("#server-4343-live, #server-4343-poller").Length() != 0 {
		t.Error("another person's poll got the wrong server")
	}
}
