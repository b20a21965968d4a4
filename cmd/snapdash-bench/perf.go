package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/snapdash/snapdash/cmd/snapdash-bench/proc"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Tokens of the accounts the perf suite measures.
const (
	tokPage      = "perf-page-5x5-0000000001"
	tokIdle      = "perf-idle-0000000000002"
	tokSnapshot  = "perf-moving-snapshot-003"
	tokRestoring = "perf-restoring-0000004"
)

// target is one line of the report.
type target struct {
	what, got, want string
	ok              bool
}

func perf(ctx context.Context, o options) error {
	fmt.Printf("machine: %s, %d cores, %s\n", cpuModel(), runtime.NumCPU(), runtime.Version())
	up, sd, err := startMeasured(ctx, o, 0)
	if err != nil {
		return err
	}
	defer up.Close()
	defer sd.Stop()
	// The same, on a store holding a team's year (seed.go).
	records := seedRecords
	if o.quick {
		records = seedRecords / 10 // CI's run checks the path, not the figure
	}
	year, err := proc.Snapdash(ctx, sd.Bin(), up.URL, []string{"SNAPDASH_COALESCE_WINDOW=0"}, func(dir string) error { return seedYear(ctx, dir, records) })
	if err != nil {
		return err
	}
	defer year.Stop()

	dur, pageConc, minute := 8*time.Second, 32, time.Minute
	if o.quick {
		dur, pageConc, minute = 2*time.Second, 8, 10*time.Second
	}
	var report []target
	transport := &http.Transport{MaxIdleConnsPerHost: 1024}

	// 0. Memory with many signed-in sessions, before anything else has run.
	sessions := 1000
	if o.quick {
		sessions = 100
	}
	clients, err := signInMany(ctx, sd.URL, sessions)
	if err != nil {
		return err
	}
	rss, _ := sd.RSS()
	fmt.Printf("resident memory with %d signed-in sessions: %.1f MiB\n", len(clients), float64(rss)/(1<<20))

	// 1. The snapshots page against a bare reverse proxy of the same list call.
	pageClient := newClient(sd.URL, 1, transport)
	if err := pageClient.signIn(ctx, tokPage); err != nil {
		return err
	}
	proxy, err := proc.Floor("proxy", up.URL)
	if err != nil {
		return err
	}
	defer proxy.Stop()
	twoCalls, err := proc.Floor("two-calls", up.URL)
	if err != nil {
		return err
	}
	defer twoCalls.Stop()
	// They take turns in short rounds, so a change in the machine's other
	// load hits them alike; the ratio is the median of the rounds'.
	yearClient := newClient(year.URL, 2, transport)
	if err := yearClient.signIn(ctx, tokPage); err != nil {
		return err
	}
	// The same page read in Catalan beside the English one (languages.go).
	pair, err := startLanguagePair(ctx, sd.Bin(), up.URL, []string{"SNAPDASH_COALESCE_WINDOW=0"}, transport)
	if err != nil {
		return err
	}
	defer pair.Stop()
	page := &contender{proc: sd, hit: func(ctx context.Context) error { return pageClient.getPage(ctx, "/") }}
	bare := &contender{proc: proxy, hit: func(ctx context.Context) error { return forward(ctx, transport, proxy.URL+"/api/v1/snapshots/") }}
	two := &contender{proc: twoCalls, hit: func(ctx context.Context) error { return forward(ctx, transport, twoCalls.URL+"/") }}
	seeded := &contender{proc: year, hit: func(ctx context.Context) error { return yearClient.getPage(ctx, "/") }}
	contenders := []*contender{page, bare, two, seeded}
	rounds := 4
	if o.quick {
		rounds = 1
	}
	lats := []time.Duration{0, 50 * time.Millisecond}
	if o.pollOnly {
		lats = nil
	}
	for _, lat := range lats {
		up.sim.SetLatency(lat)
		var ratios []float64
		for _, c := range contenders {
			c.reset()
		}
		for range rounds {
			for _, c := range contenders {
				c.run(ctx, pageConc, dur/time.Duration(rounds))
			}
			ratios = append(ratios, page.last/bare.last)
		}
		ratio := median(ratios)
		fmt.Printf("snapshots page, upstream +%s, %d clients: %.0f req/s, p50 %s, p99 %s, %d failed | bare proxy: %.0f req/s, p50 %s, p99 %s | ratio %.2f (median of %d rounds)\n",
			lat, pageConc, page.all.rate(), page.all.p(50), page.all.p(99), page.all.failed, bare.all.rate(), bare.all.p(50), bare.all.p(99), ratio, rounds)
		fmt.Printf("  CPU per request: snapdash %s, load generator and simulator %s | bare proxy %s, load generator and simulator %s\n",
			perReq(page.cpu, page.all), perReq(page.self, page.all), perReq(bare.cpu, bare.all), perReq(bare.self, bare.all))
		fmt.Printf("  reference, a server making the page's two API calls and rendering nothing: %.0f req/s, p50 %s, p99 %s, %d failed, %.2f of the bare proxy; CPU per request %s, load generator and simulator %s\n",
			two.all.rate(), two.all.p(50), two.all.p(99), two.all.failed, two.all.rate()/bare.all.rate(), perReq(two.cpu, two.all), perReq(two.self, two.all))
		for _, c := range contenders {
			if c.all.failed > 0 {
				fmt.Println("  first failure:", c.all.firstErr)
			}
		}
		cpuMultiple, yearMultiple := 0.0, 0.0
		if ref := perReq(two.cpu, two.all); ref > 0 {
			cpuMultiple = float64(perReq(page.cpu, page.all)) / float64(ref)
			yearMultiple = float64(perReq(seeded.cpu, seeded.all)) / float64(ref)
		}
		fmt.Printf("  snapdash's CPU per page: %.2f times the two-call reference's; with a year in the store (%d records, %d pins and notes, %d schedules): %s, %.2f times\n",
			cpuMultiple, records, seedMarks, seedSchedules, perReq(seeded.cpu, seeded.all), yearMultiple)
		most := map[time.Duration]float64{0: 3, 50 * time.Millisecond: 2}[lat]
		report = append(report,
			target{fmt.Sprintf("CPU per page / two-call reference, +%s", lat), fmt.Sprintf("%.2f", cpuMultiple), fmt.Sprintf("≤ %.0f", most), cpuMultiple <= most && page.all.failed == 0},
			target{fmt.Sprintf("the same with a year in the store, +%s", lat), fmt.Sprintf("%.2f", yearMultiple), fmt.Sprintf("≤ %.0f", most), yearMultiple <= most && seeded.all.failed == 0})
		// Twice as long as a contender, and twice that at +50 ms, where a
		// page takes five times as long: the figure compared is a few percent.
		langDur := 2 * dur
		if lat > 0 {
			langDur *= 2
		}
		langCPU, langPages := pair.measure(ctx, pageConc, langDur)
		caRatio := float64(langCPU[1]) / float64(max(langCPU[0], 1))
		fmt.Printf("  the same page in Catalan, read beside the English one from a second Snapdash alike (each language on each for half the time): %s per page against %s, %.2f times\n", langCPU[1], langCPU[0], caRatio)
		catalan := langPages[1]
		if failed := langPages[0].failed + catalan.failed; failed > 0 {
			fmt.Println("  languages: first failure:", langPages[0].firstErr+catalan.firstErr)
		}
		report = append(report, target{fmt.Sprintf("CPU per page in Catalan / in English, +%s", lat), fmt.Sprintf("%.2f", caRatio), "≤ 1.05", caRatio <= 1.05 && catalan.failed == 0 && langPages[0].failed == 0})
		if lat == 0 {
			// Retired as a target: at 0 ms the page (two API calls, a session,
			// a render) is set against a proxy of one call. Still printed.
			fmt.Printf("  page / bare proxy at +0: %.2f (printed for comparison; no target)\n", ratio)
			continue
		}
		report = append(report, target{fmt.Sprintf("page throughput / bare proxy, upstream +%s", lat), fmt.Sprintf("%.2f", ratio), "≥ 0.70", ratio >= 0.7 && page.all.failed == 0 && bare.all.failed == 0})
	}
	up.sim.SetLatency(0)
	if o.pageOnly {
		printTargets(report)
		return nil
	}

	// The poll is measured on a machine without the page's contenders
	// running beside it: what it measures is the poll's own latency.
	for _, p := range []*proc.Process{proxy, twoCalls, year} {
		p.Stop()
	}
	pair.Stop() // stopped once: the deferred Stop then does nothing
	pollReport, err := pollTargets(ctx, o, sd, up, clients, dur)
	if err != nil {
		return err
	}
	report = append(report, pollReport...)
	if o.pollOnly {
		printTargets(report)
		return nil
	}

	// 3 and 4 run side by side, on their own accounts (they count calls; 4's
	// freshness, timed, comes after its minute, once 3 is done).
	var live []target
	liveDone := make(chan error, 1)
	go func() {
		var err error
		live, err = liveTargets(ctx, o, sd.URL, up.sim, minute)
		liveDone <- err
	}()

	// 3. Upstream calls of one open page in a minute, following its polling as htmx would.
	var wg sync.WaitGroup
	counts := map[string]int{}
	loads := map[string]int{}
	var mu sync.Mutex
	for _, tok := range []string{tokIdle, tokSnapshot, tokRestoring} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			load, after, err := openPage(ctx, sd.URL, up.sim, tok, minute)
			if err != nil {
				fmt.Println("open page:", err)
			}
			mu.Lock()
			counts[tok], loads[tok] = after, load
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, sc := range []struct{ tok, name, want string }{
		{tokIdle, "idle page", "0"}, {tokSnapshot, "one snapshot in progress", "≤ 30"}, {tokRestoring, "one server restoring", "≤ 30"},
	} {
		n := counts[sc.tok]
		fmt.Printf("upstream calls of an open page, %s: %d on load, then %d in %s\n", sc.name, loads[sc.tok], n, minute)
		ok := n <= 30
		if sc.want == "0" {
			ok = n == 0
		}
		if minute != time.Minute && sc.want != "0" {
			continue // the schedule backs off: a shorter window says nothing about a minute
		}
		report = append(report, target{"upstream calls a minute, " + sc.name, strconv.Itoa(n), sc.want, ok})
	}

	// 4. The live truth: one follower per busy server, however many watch.
	if err := <-liveDone; err != nil {
		return err
	}
	report = append(report, live...)

	// 5. What the first visit downloads.
	first, err := firstLoad(ctx, pageClient)
	if err != nil {
		return err
	}
	fmt.Printf("first load (HTML + CSS + JS + icon, gzip): %.1f KB\n", float64(first)/1024)
	report = append(report, target{"first-load bytes, compressed", fmt.Sprintf("%.1f KB", float64(first)/1024), "≤ 30 KB", first <= 30*1024})

	printTargets(report)
	return nil
}

// contender is one server under test in the page comparison, and what it
// measured so far.
type contender struct {
	proc      *proc.Process
	hit       func(context.Context) error
	all       *result
	cpu, self time.Duration // its CPU, and this process's (load generator and simulator)
	last      float64       // requests a second in the last round
}

func (c *contender) reset() { c.all, c.cpu, c.self, c.last = &result{}, 0, 0, 0 }

func (c *contender) run(ctx context.Context, n int, d time.Duration) {
	cpu, self := c.proc.CPU(), proc.SelfCPU()
	r := closedLoop(ctx, n, d, c.hit)
	spent := c.proc.CPU() - cpu
	c.cpu += spent
	c.self += proc.SelfCPU() - self
	c.last = r.rate()
	c.all.add(r)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// forward asks a reference server for path with the page's token, as the
// page's own API calls would.
func forward(ctx context.Context, transport http.RoundTripper, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tokPage)
	_, _, err = drain(transport.RoundTrip(req))
	return err
}

func printTargets(report []target) {
	fmt.Println("\ntargets:")
	for _, r := range report {
		mark := "MET "
		if !r.ok {
			mark = "MISS"
		}
		fmt.Printf("  %s  %-48s %10s   (target %s)\n", mark, r.what, r.got, r.want)
	}
}

func seedPerf(sim *simulator.Simulator) {
	var servers []simulator.ServerSeed
	for i := range 5 {
		srv := simulator.ServerSeed{ID: int64(30000 + i), Name: fmt.Sprintf("perf-server-%d", i)}
		for j := range 5 {
			srv.Snapshots = append(srv.Snapshots, simulator.SnapshotSeed{Name: fmt.Sprintf("snap-%d-%d", i, j), SizeMB: 4096,
				CreatedAt: time.Date(2025, 1, 1+j, 0, 0, 0, 0, time.UTC), Description: "Nightly snapshot"})
		}
		servers = append(servers, srv)
	}
	sim.AddAccount(tokPage, servers...)
	sim.AddAccount(tokIdle, simulator.ServerSeed{ID: 31000, Name: "idle", Snapshots: []simulator.SnapshotSeed{{Name: "done", SizeMB: 100}}})
	sim.AddAccount(tokSnapshot, simulator.ServerSeed{ID: 32000, Name: "busy", Snapshots: []simulator.SnapshotSeed{{Name: "running", Status: "in_progress"}}})
	sim.AddAccount(tokRestoring, simulator.ServerSeed{ID: 33000, Name: "restoring", Status: "restoring"})
}

var formIDField = regexp.MustCompile(`name="form_id" value="([^"]+)"`)

var (
	pollerAttr  = regexp.MustCompile(`<div class="poller"[^>]*>`)
	attrGet     = regexp.MustCompile(`hx-get="([^"]+)"`)
	attrTrigger = regexp.MustCompile(`hx-trigger="every (\d+)s"`)
)

// openPage loads the page with token's session and follows its polling for d,
// swapping in each answer's poller as htmx does. It returns the upstream calls
// of the load and of the polling after it.
func openPage(ctx context.Context, base string, sim *simulator.Simulator, token string, d time.Duration) (load, after int, err error) {
	c := newClient(base, 7, &http.Transport{})
	if err := c.signIn(ctx, token); err != nil {
		return 0, 0, err
	}
	before := sim.TokenCalls(token)
	status, page, err := c.do(ctx, http.MethodGet, "/", nil, false)
	if err := check(status, err); err != nil {
		return 0, 0, err
	}
	load = sim.TokenCalls(token) - before
	start := sim.TokenCalls(token)
	deadline := time.Now().Add(d)
	body := string(page)
	for {
		tag := pollerAttr.FindString(body)
		if tag == "" {
			break // nothing moves: htmx sends nothing more
		}
		u := attrGet.FindStringSubmatch(tag)
		every := attrTrigger.FindStringSubmatch(tag)
		if u == nil || every == nil {
			return load, 0, fmt.Errorf("poller without URL or interval: %s", tag)
		}
		secs, _ := strconv.Atoi(every[1])
		wait := time.Duration(secs) * time.Second
		if time.Now().Add(wait).After(deadline) {
			break
		}
		if !sleepCtx(ctx, wait) {
			break
		}
		status, b, err := c.do(ctx, http.MethodGet, html.UnescapeString(u[1]), nil, true)
		if err := check(status, err); err != nil {
			return load, 0, err
		}
		if status == http.StatusNoContent {
			continue // nothing changed: the page keeps its poller, as htmx does
		}
		body = string(b)
	}
	sleepCtx(ctx, time.Until(deadline))
	return load, sim.TokenCalls(token) - start, nil
}

var assetRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// firstLoad sums the bytes sent for the page and its assets, gzip accepted.
func firstLoad(ctx context.Context, c *client) (int64, error) {
	_, total, err := c.getCompressed(ctx, "/")
	if err != nil {
		return 0, err
	}
	// The page itself is compressed: find the assets in the plain version.
	_, plain, _ := c.do(ctx, http.MethodGet, "/", nil, false)
	for _, m := range assetRef.FindAllSubmatch(plain, -1) {
		_, n, err := c.getCompressed(ctx, string(m[1]))
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// closedLoop runs n workers calling f back to back until d has passed.
func closedLoop(ctx context.Context, n int, d time.Duration, f func(context.Context) error) *result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	results := make([]*result, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range results {
		results[i] = &result{}
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				r.record(t0, f(context.Background()))
			}
		}(results[i])
	}
	wg.Wait()
	all := &result{took: time.Since(start)}
	for _, r := range results {
		all.add(r)
	}
	return all
}

func check(status int, err error) error {
	if err != nil {
		return err
	}
	if status != http.StatusOK && status != http.StatusNoContent {
		return fmt.Errorf("status %d", status)
	}
	return nil
}
