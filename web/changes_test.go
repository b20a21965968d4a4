package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/services/follow"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// changesSince asks what changed on b's servers after since: the servers
// named, and the newest change's id.
func changesSince(t *testing.T, b *browser, since string) ([]int64, string) {
	t.Helper()
	r := b.hx(http.MethodGet, "/poll/changes?since="+since, nil)
	switch r.StatusCode {
	case http.StatusNoContent:
		return nil, r.Header.Get("Snapdash-Since")
	case http.StatusOK:
		var d struct {
			Since   int64   `json:"since"`
			Servers []int64 `json:"servers"`
		}
		if err := json.Unmarshal([]byte(r.Body), &d); err != nil {
			t.Fatalf("changes: %v: %s", err, r.Body)
		}
		return d.Servers, strconv.FormatInt(d.Since, 10)
	}
	t.Fatalf("changes: %d %s", r.StatusCode, r.Body)
	return nil, ""
}

// otherAccountToken is a token of another VPS.org account.
const otherAccountToken = "tk-another-account-6c1d"

// A teammate's action reaches an open page: the page asks Snapdash (not
// VPS.org) what changed on its servers, and is told which; nothing changed
// costs an empty answer; another account's page is never told.
func TestTeammatesSeeEachOthersChanges(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.AddAccount(otherAccountToken, simulator.ServerSeed{ID: 50001, Name: "theirs"})
	alice, bob, other := ts.browser(), ts.browser(), ts.browser()
	alice.signIn(simulator.DemoToken)
	bob.signIn(simulator.DemoToken)
	other.signIn(otherAccountToken)
	since := bob.get("/").Doc.Find("#changes").AttrOr("data-since", "")
	otherSince := other.get("/").Doc.Find("#changes").AttrOr("data-since", "")
	if since == "" || otherSince == "" {
		t.Fatal("the page does not say which change it was read at")
	}
	ts.sim.ResetCalls()
	if changed, _ := changesSince(t, bob, since); len(changed) != 0 {
		t.Errorf("nothing happened, yet the page is told of %v", changed)
	}

	form := newForm(alice, "12348")
	form.Set("name", "alices-snapshot")
	if r := alice.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	ts.sim.ResetCalls()
	changed, next := changesSince(t, bob, since)
	if !slices.Equal(changed, []int64{12348}) || next == since {
		t.Errorf("after alice's create, bob's page is told of %v (since %s → %s)", changed, since, next)
	}
	if changed, _ := changesSince(t, bob, next); len(changed) != 0 {
		t.Errorf("asked again after it, bob's page is told of %v", changed)
	}
	if changed, _ := changesSince(t, other, otherSince); len(changed) != 0 {
		t.Errorf("another account's page is told of %v", changed)
	}
	// The questions were answered from the store: which servers each
	// token sees was learnt when its page listed them.
	if n := ts.sim.TokenCalls(simulator.DemoToken) + ts.sim.TokenCalls(otherAccountToken); n != 0 {
		t.Errorf("%d calls to VPS.org for the questions", n)
	}
	// The refresh the page then makes of that card shows the snapshot.
	refresh := bob.get("/").Doc.Find("#server-12348-live").AttrOr("data-refresh", "")
	if card := bob.hx(http.MethodGet, strings.TrimPrefix(refresh, ts.base), nil).Body; !strings.Contains(card, "alices-snapshot") {
		t.Errorf("bob's card: %q", card)
	}
}

// A change written through one replica reaches a page served by another:
// the feed is the shared database's, not a process's memory.
func TestChangesCrossReplicas(t *testing.T) {
	t.Parallel()
	url := pgtest.Start(t).URL
	a := newTestServerWith(t, testSetup{store: storetest.Open(t, url)})
	b := newTestServerWith(t, testSetup{store: storetest.Open(t, url)})
	alice, bob := a.browser(), b.browser()
	alice.signIn(simulator.DemoToken)
	bob.signIn(simulator.DemoToken)
	since := bob.get("/").Doc.Find("#changes").AttrOr("data-since", "")
	form := newForm(alice, "12348")
	form.Set("name", "through-a")
	if r := alice.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create through a: %d", r.StatusCode)
	}
	if changed, _ := changesSince(t, bob, since); !slices.Equal(changed, []int64{12348}) {
		t.Errorf("the page served by b is told of %v", changed)
	}
}

// Many pages watching one busy server cost VPS.org one follower's calls:
// while a job follows the new snapshot, every card's poll is answered from
// what it saw, and still shows the snapshot in progress.
func TestPagesWatchingABusyServerAreAnsweredFromTheStore(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	alice := ts.browser()
	alice.signIn(simulator.DemoToken)
	form := newForm(alice, "12348")
	form.Set("name", "watched-by-ten")
	if r := alice.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	// The follower's first look (2 s after the create) is kept in the store.
	wait.Until(t, 10*time.Second, func() bool {
		_, ok, err := ts.db.ServerViews().Get(context.Background(), 12348)
		return ok && err == nil
	})
	// Four people (the sign-in limit lets five sign in at once), three tabs each.
	var watchers []*browser
	var polls []string
	var poll string // the first page's card poller
	for range 4 {
		b := ts.browser()
		b.signIn(simulator.DemoToken)
		for range 3 {
			page := b.get("/").Doc
			polls = append(polls, page.Find("#server-12348-live").AttrOr("data-refresh", ""))
			if poll == "" {
				poll = page.Find("#server-12348 .poller").AttrOr("hx-get", "")
			}
			watchers = append(watchers, b)
		}
	}
	ts.sim.ResetCalls()
	polled := time.Now()
	for round := range 3 {
		for i, b := range watchers {
			r := b.hx(http.MethodGet, strings.TrimPrefix(polls[i], ts.base), nil)
			if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "watched-by-ten") {
				t.Fatalf("round %d, page %d: %d %q", round, i, r.StatusCode, r.Body)
			}
		}
	}
	// A moving card answered from the store polls every second instead of
	// slowing down (views.StorePace): a change reaches it at once.
	b := watchers[0]
	for range 3 {
		r := b.hx(http.MethodGet, strings.TrimPrefix(poll, ts.base), nil)
		if r.StatusCode == http.StatusNoContent {
			break
		}
		next := r.Doc.Find(".poller").AttrOr("hx-get", "")
		if r.StatusCode != http.StatusOK || next == "" {
			t.Fatalf("poll %s: %d %q", poll, r.StatusCode, r.Body)
		}
		poll = next
	}
	if !strings.Contains(poll, "n=0") || !strings.Contains(poll, "s=1") {
		t.Errorf("the card answered from the store slowed down: %s", poll)
	}
	// 36 whole cards; only the follower's own looks (one list every 2 s,
	// however long the polls took on a loaded machine) reached VPS.org.
	looks := 1 + int(time.Since(polled)/follow.DefaultEvery)
	if n := ts.sim.TokenCalls(simulator.DemoToken); n > looks {
		t.Errorf("36 polls of 12 pages cost %d calls to VPS.org (the follower looked at most %d times)", n, looks)
	}
}

// Without JavaScript nothing on a page moves: every page that would
// update says, in a <noscript>, when it was read.
func TestPagesSayWhenTheyWereRead(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	want := "Read at <time datetime=\"" + ts.clock.Now().UTC().Format(time.RFC3339) + "\">" + ts.clock.Now().UTC().Format("15:04:05 UTC") + "</time>"
	for _, path := range []string{"/", "/fleet", "/activity", "/schedules"} {
		page := b.get(path)
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, want) || !strings.Contains(page.Body, "reload it to see what changed") {
			t.Errorf("%s does not say when it was read (%d)", path, page.StatusCode)
		}
	}
}
