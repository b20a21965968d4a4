package web_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Each dialog asks VPS.org each of its questions once (the server's
// snapshots, the server), so with a slow VPS.org it opens in one call's
// time: the restore dialog listed the snapshots three times in a row.
func TestDialogsAskEachQuestionOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	// A full server: the new-snapshot form lists what may make room too.
	full := simulator.ServerSeed{ID: 880, Name: "full-box"}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		full.Snapshots = append(full.Snapshots, simulator.SnapshotSeed{Name: "snap-" + n, SizeMB: 100})
	}
	ts.sim.AddAccount("tk-dialogs-5c1d", full)
	b := ts.browser()
	b.signIn("tk-dialogs-5c1d")
	snaps := ts.sim.Snapshots("tk-dialogs-5c1d")
	id := snaps[0].ID
	for _, path := range []string{
		"/snapshots/" + strconv.FormatInt(id, 10) + "/restore?server_id=880",
		"/snapshots/" + strconv.FormatInt(id, 10) + "/delete?server_id=880",
		"/snapshots/" + strconv.FormatInt(id, 10) + "/marks?server_id=880",
		"/snapshots/new?server_id=880",
	} {
		ts.sim.ResetCalls()
		r := b.hx(http.MethodGet, path, nil)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, r.StatusCode)
		}
		lists, servers := ts.sim.Calls("GET /api/v1/snapshots/"), ts.sim.Calls("GET /api/v1/servers/{id}/")
		if lists != 1 || servers > 1 {
			t.Errorf("%s listed the snapshots %d times and read the server %d times; want once each", path, lists, servers)
		}
	}
}
