package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// The live truth (issue 28): what many pages watching one busy server cost
// VPS.org, and how soon a change at VPS.org shows in a page's poll.

// busyServerID is the server of each busy account; freshServers are the
// first of the freshness accounts'.
const (
	busyServerID = 35000
	freshServers = 36000
)

var (
	attrSince = regexp.MustCompile(`data-since="(\d+)"`)
	jsonSince = regexp.MustCompile(`"since":(\d+)`)
)

func busyToken(pages int) string { return fmt.Sprintf("perf-busy-%03d-pages-0000", pages) }

func freshToken(i int) string { return fmt.Sprintf("perf-fresh-%02d-000000000", i) }

func seedLive(sim *simulator.Simulator, counts []int, freshAccounts int) {
	for i, n := range counts {
		sim.AddAccount(busyToken(n), simulator.ServerSeed{ID: int64(busyServerID + i), Name: "busy"})
	}
	for i := range freshAccounts {
		var servers []simulator.ServerSeed
		for j := range 5 {
			servers = append(servers, simulator.ServerSeed{ID: int64(freshServers + 5*i + j), Name: fmt.Sprintf("fresh-%d-%d", i, j)})
		}
		sim.AddAccount(freshToken(i), servers...)
	}
}

// busyCalls has one person create a snapshot on their account's one server
// (a job then follows it), opens pages watching it (each its own session,
// polling as htmx and app.js do: the card at its pace, the change feed
// every 2 s), and returns the upstream calls during d once every page is
// open. With pages 0 nothing is created: the server is idle.
func busyCalls(ctx context.Context, base string, sim *simulator.Simulator, token string, serverID int64, pages int, create bool, d time.Duration) (int, error) {
	var watchers []*client
	for i := range max(pages, 1) {
		c := newClient(base, 50000+int(serverID%1000)*64+i, &http.Transport{})
		if err := c.signIn(ctx, token); err != nil {
			return 0, err
		}
		watchers = append(watchers, c)
	}
	if create {
		if err := createSnapshot(ctx, watchers[0], serverID, "watched"); err != nil {
			return 0, err
		}
	}
	bodies := make([][]byte, len(watchers))
	for i, c := range watchers {
		status, page, err := c.do(ctx, http.MethodGet, "/", nil, false)
		if err := check(status, err); err != nil {
			return 0, err
		}
		bodies[i] = page
	}
	start := sim.TokenCalls(token)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	for i, c := range watchers {
		wg.Add(2)
		go func() { defer wg.Done(); followCard(ctx, c, bodies[i], nil) }()
		go func() { defer wg.Done(); askChanges(ctx, c, bodies[i]) }()
	}
	wg.Wait()
	return sim.TokenCalls(token) - start, nil
}

// createSnapshot sends the create form for serverID, as a person would.
func createSnapshot(ctx context.Context, c *client, serverID int64, name string) error {
	id := strconv.FormatInt(serverID, 10)
	status, form, err := c.do(ctx, http.MethodGet, "/snapshots/new?server_id="+id, nil, false)
	if err := check(status, err); err != nil {
		return err
	}
	fid := formIDField.FindSubmatch(form)
	if fid == nil {
		return fmt.Errorf("no form_id on the create form")
	}
	status, _, err = c.do(ctx, http.MethodPost, "/snapshots", url.Values{"_csrf": {c.csrf}, "form_id": {string(fid[1])}, "server_id": {id}, "name": {name}}, false)
	if err != nil || status != http.StatusSeeOther {
		return fmt.Errorf("create: %d %v", status, err)
	}
	return nil
}

// followCard follows the first card poller in body as htmx does (its URL,
// its interval, each answer's new poller) until ctx ends or nothing moves;
// seen, when given, is called with each answer that changed the card.
func followCard(ctx context.Context, c *client, body []byte, seen func([]byte) bool) {
	for {
		tag := pollerAttr.Find(body)
		if tag == nil {
			return
		}
		u, every := attrGet.FindSubmatch(tag), attrTrigger.FindSubmatch(tag)
		if u == nil || every == nil {
			return
		}
		secs, _ := strconv.Atoi(string(every[1]))
		if !sleepCtx(ctx, time.Duration(secs)*time.Second) {
			return
		}
		status, b, err := c.do(ctx, http.MethodGet, html.UnescapeString(string(u[1])), nil, true)
		if err != nil || status == http.StatusNoContent {
			continue
		}
		if seen != nil && seen(b) {
			return
		}
		body = b
	}
}

// askChanges asks the change feed every 2 s, as app.js does on a shown page.
func askChanges(ctx context.Context, c *client, page []byte) {
	since := "0"
	if m := attrSince.FindSubmatch(page); m != nil {
		since = string(m[1])
	}
	for sleepCtx(ctx, 2*time.Second) {
		status, b, err := c.do(ctx, http.MethodGet, "/poll/changes?since="+since, nil, true)
		if err != nil || status != http.StatusOK {
			continue // a 204's new mark is in a header: asking from the old one costs the same
		}
		if m := jsonSince.FindSubmatch(b); m != nil {
			since = string(m[1])
		}
	}
}

// freshness creates one snapshot on each of the freshness accounts'
// servers (taking delay each, started up to 2 s apart) and has a page per
// server follow its card; it returns, for each, the time from the
// simulator completing the snapshot to the poll answer that says so.
func freshness(ctx context.Context, base string, sim *simulator.Simulator, accounts int, delay time.Duration) ([]time.Duration, error) {
	sim.SetSnapshotDelay(delay)
	var (
		mu  sync.Mutex
		out []time.Duration
		wg  sync.WaitGroup
	)
	errs := make(chan error, accounts*5)
	for i := range accounts {
		for j := range 5 {
			server := int64(freshServers + 5*i + j)
			wg.Add(1)
			go func() {
				defer wg.Done()
				sleepCtx(ctx, time.Duration(j*400+i*37)*time.Millisecond)
				c := newClient(base, 60000+int(server-freshServers), &http.Transport{})
				if err := c.signIn(ctx, freshToken(i)); err != nil {
					errs <- err
					return
				}
				name := fmt.Sprintf("fresh-%d", server)
				if err := createSnapshot(ctx, c, server, name); err != nil {
					errs <- err
					return
				}
				status, page, err := c.do(ctx, http.MethodGet, "/?server_id="+strconv.FormatInt(server, 10), nil, false)
				if err := check(status, err); err != nil {
					errs <- err
					return
				}
				wait, cancel := context.WithTimeout(ctx, delay+30*time.Second)
				defer cancel()
				followCard(wait, c, page, func(b []byte) bool {
					if !bytes.Contains(b, []byte(" is complete")) {
						return false
					}
					seen := time.Now()
					for _, s := range sim.Snapshots(freshToken(i)) {
						if s.Name == name {
							mu.Lock()
							out = append(out, seen.Sub(s.ReadyAt))
							mu.Unlock()
						}
					}
					return true
				})
			}()
		}
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return out, err
	}
	if len(out) < accounts*5 {
		return out, fmt.Errorf("%d of %d changes were seen in a poll", len(out), accounts*5)
	}
	return out, nil
}

// liveTargets measures the live truth: upstream calls a minute for one busy
// server watched by 1, 10 and 50 pages (and an idle one by 10), and the
// freshness of a change over at least 50 changes.
func liveTargets(ctx context.Context, o options, base string, sim *simulator.Simulator, minute time.Duration) ([]target, error) {
	counts, accounts := []int{1, 10, 50}, 10
	if o.quick {
		counts, accounts = []int{1, 10}, 2
	}
	seedLive(sim, append(slices.Clone(counts), 0), accounts)
	calls := make([]int, len(counts)+1)
	errs := make([]error, len(counts)+1)
	var wg sync.WaitGroup
	for i, n := range append(slices.Clone(counts), 10) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idle := i == len(counts)
			token := busyToken(n)
			if idle {
				token = busyToken(0)
			}
			calls[i], errs[i] = busyCalls(ctx, base, sim, token, int64(busyServerID+i), n, !idle, minute)
		}()
	}
	wg.Wait()
	var report []target
	for i, n := range counts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		fmt.Printf("upstream calls for one busy server watched by %d open pages: %d in %s\n", n, calls[i], minute)
		if minute == time.Minute {
			report = append(report, target{fmt.Sprintf("upstream calls a minute, busy server, %d pages", n), strconv.Itoa(calls[i]), "≤ 31", calls[i] <= 31})
		}
	}
	idle := calls[len(counts)]
	fmt.Printf("upstream calls for an idle server watched by 10 open pages: %d in %s\n", idle, minute)
	report = append(report, target{"upstream calls, idle server, 10 pages", strconv.Itoa(idle), "0", idle == 0 && errs[len(counts)] == nil})

	lags, err := freshness(ctx, base, sim, accounts, 4*time.Second)
	if err != nil {
		return nil, err
	}
	r := &result{latencies: lags}
	fmt.Printf("freshness, upstream change to the poll answer that shows it, %d changes: p50 %s, p95 %s, max %s\n", len(lags), r.p(50), r.p(95), r.p(100))
	if len(lags) >= 50 {
		report = append(report, target{fmt.Sprintf("freshness p95, %d changes", len(lags)), r.p(95).Round(10 * time.Millisecond).String(), "≤ 3s", r.p(95) <= 3*time.Second})
	}
	return report, nil
}
