package vpsapi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Under OnceEach a question is asked of VPS.org once, by callers at the same
// time and after; another token's is its own; a write forgets the answers;
// a failure is not kept.
func TestOnceEachAsksEachQuestionOnce(t *testing.T) {
	sim := simulator.New(simulator.Options{Latency: 50 * time.Millisecond})
	sim.AddAccount("tk-other-1234567", simulator.ServerSeed{ID: 55, Name: "theirs"})
	c := newClient(t, sim, vpsapi.Options{})
	ctx := vpsapi.OnceEach(context.Background())

	var wg sync.WaitGroup
	for range 3 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := c.ListSnapshots(ctx, demo, 12345); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := c.GetServer(ctx, demo, 12345); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	snaps, err := c.ListSnapshots(ctx, demo, 12345)
	if err != nil || len(snaps) == 0 {
		t.Fatalf("list: %v, %d snapshots", err, len(snaps))
	}
	snaps[0].Name = "changed by one caller"
	again, _ := c.ListSnapshots(ctx, demo, 12345)
	if again[0].Name == "changed by one caller" {
		t.Error("callers share one slice: a change by one shows to the next")
	}
	if l, s := sim.Calls("GET /api/v1/snapshots/"), sim.Calls("GET /api/v1/servers/{id}/"); l != 1 || s != 1 {
		t.Errorf("8 lists and 3 server reads made %d and %d calls, want 1 and 1", l, s)
	}
	if _, err := c.ListServers(ctx, "tk-other-1234567"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListServers(ctx, demo); err != nil {
		t.Fatal(err)
	}
	if n := sim.Calls("GET /api/v1/servers/"); n != 2 {
		t.Errorf("two tokens' server lists made %d calls, want 2", n)
	}
	if _, err := c.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: 12345, Name: "after"}); err != nil {
		t.Fatal(err)
	}
	after, _ := c.ListSnapshots(ctx, demo, 12345)
	if len(after) != len(snaps)+1 || sim.Calls("GET /api/v1/snapshots/") != 2 {
		t.Errorf("after a create: %d snapshots (want %d), %d list calls (want 2)", len(after), len(snaps)+1, sim.Calls("GET /api/v1/snapshots/"))
	}

	sim.SetFault(simulator.Fault{Match: "GET /api/v1/servers/{id}/", Status: 500})
	failing := vpsapi.OnceEach(context.Background())
	if _, err := c.GetServer(failing, demo, 12346); err == nil {
		t.Fatal("a 500 was not an error")
	}
	sim.ClearFault()
	if _, err := c.GetServer(failing, demo, 12346); err != nil {
		t.Errorf("after the fault cleared, the same context still fails: %v", err)
	}
}
