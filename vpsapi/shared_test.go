package vpsapi_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

func TestSharedCoalescesOneTokensReads(t *testing.T) {
	now := time.Now()
	sim := simulator.New(simulator.Options{Latency: 100 * time.Millisecond})
	s := vpsapi.NewShared(newClient(t, sim, vpsapi.Options{}), time.Second, func() time.Time { return now })
	ctx := context.Background()

	// Five tabs of one session poll the same server at once: one upstream call.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.ListSnapshots(ctx, demo, 12345); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := sim.Calls("GET /api/v1/snapshots/"); n != 1 {
		t.Errorf("5 simultaneous polls of one token made %d upstream calls, want 1", n)
	}
	// Within the window: answered from the cache.
	if _, err := s.ListSnapshots(ctx, demo, 12345); err != nil || sim.Calls("GET /api/v1/snapshots/") != 1 {
		t.Errorf("a poll within the window called upstream again")
	}
	// After the window: a fresh call.
	now = now.Add(1100 * time.Millisecond)
	s.ListSnapshots(ctx, demo, 12345)
	if n := sim.Calls("GET /api/v1/snapshots/"); n != 2 {
		t.Errorf("after the window: %d calls, want 2", n)
	}
	// Another query is another key.
	s.ListSnapshots(ctx, demo, 12346)
	if n := sim.Calls("GET /api/v1/snapshots/"); n != 3 {
		t.Errorf("another server: %d calls, want 3", n)
	}
}

func TestSharedNeverSharesBetweenTokens(t *testing.T) {
	sim := simulator.New(simulator.Options{Latency: 100 * time.Millisecond})
	sim.AddAccount("tk-other-1234567", simulator.ServerSeed{ID: 55, Name: "theirs", Snapshots: []simulator.SnapshotSeed{{Name: "their-snap"}}})
	s := vpsapi.NewShared(newClient(t, sim, vpsapi.Options{}), time.Minute, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([][]vpsapi.Snapshot, 2)
	for i, tok := range []vpsapi.Token{demo, "tk-other-1234567"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = s.ListSnapshots(ctx, tok, 0)
		}()
	}
	wg.Wait()
	if n := sim.Calls("GET /api/v1/snapshots/"); n != 2 {
		t.Errorf("two tokens made %d upstream calls, want one each", n)
	}
	if len(results[0]) != 8 || len(results[1]) != 1 || results[1][0].Name != "their-snap" {
		t.Errorf("each token must get its own answer: %d and %d snapshots", len(results[0]), len(results[1]))
	}
	// A wrong token is never answered from another's cache.
	if _, err := s.ListSnapshots(ctx, "wrong-token-xyz", 0); err == nil {
		t.Error("an unknown token got an answer")
	}
}

func TestSharedWritesMakeReadsFresh(t *testing.T) {
	sim := simulator.New(simulator.Options{})
	s := vpsapi.NewShared(newClient(t, sim, vpsapi.Options{}), time.Minute, nil)
	ctx := context.Background()
	before, _ := s.ListSnapshots(ctx, demo, 12348)
	if _, err := s.CreateSnapshot(ctx, demo, vpsapi.CreateRequest{ServerID: 12348, Name: "fresh"}); err != nil {
		t.Fatal(err)
	}
	after, _ := s.ListSnapshots(ctx, demo, 12348)
	if len(before) != 0 || len(after) != 1 {
		t.Errorf("after a create the list still shows %d snapshots (was %d)", len(after), len(before))
	}
}

func TestSharedDoesNotCacheErrors(t *testing.T) {
	sim := simulator.New(simulator.Options{})
	s := vpsapi.NewShared(newClient(t, sim, vpsapi.Options{RetryWait: []time.Duration{}}), time.Minute, nil)
	ctx := context.Background()
	sim.SetFault(simulator.Fault{Status: 500, Times: 1})
	if _, err := s.ListServers(ctx, demo); err == nil {
		t.Fatal("no error from a failing upstream")
	}
	if _, err := s.ListServers(ctx, demo); err != nil {
		t.Errorf("the failure was cached: %v", err)
	}
}

func TestSharedAnswersAreCopies(t *testing.T) {
	sim := simulator.New(simulator.Options{})
	s := vpsapi.NewShared(newClient(t, sim, vpsapi.Options{}), time.Minute, nil)
	ctx := context.Background()
	first, _ := s.ListSnapshots(ctx, demo, 12345)
	first[0].Name = "changed by a caller"
	slices.Reverse(first)
	second, _ := s.ListSnapshots(ctx, demo, 12345)
	if second[0].ID != 801 || second[0].Name != "pre-migration-snapshot" {
		t.Errorf("one caller's changes reached another's answer: %+v", second[0])
	}
	if n := sim.Calls("GET /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d calls, want the second answered from the cache", n)
	}
}
