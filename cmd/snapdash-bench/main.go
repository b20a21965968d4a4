// Command snapdash-bench measures Snapdash on loopback: it builds and starts
// a real snapdash process against an in-process VPS.org simulator and drives
// it as browsers would. Every loop is bounded in count and time, and only
// 127.0.0.1 is ever contacted.
//
//	go run ./cmd/snapdash-bench load         # 1,000 sessions, 500 pollers for 60 s (docs/load.md)
//	go run ./cmd/snapdash-bench perf         # throughput against a bare proxy, upstream calls, bytes (docs/performance.md)
//	go run ./cmd/snapdash-bench -quick perf  # either, small and short, as CI runs them
//	go run ./cmd/snapdash-bench -page-only perf  # only the page against the bare proxy, with CPU per request
//	go run ./cmd/snapdash-bench -latency 50ms -duration 20s -debug-listen 127.0.0.1:6061 profile  # the page alone, to profile
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/snapdash/snapdash/cmd/snapdash-bench/proc"
)

type options struct {
	bin      string
	sessions int
	pollers  int
	duration time.Duration
	interval time.Duration
	quick    bool
	pageOnly bool
	pollOnly bool
	debug    string // perf: the measured snapdash's debug listener (pprof), for a profile
	latency  time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "snapdash binary to measure (default: build ./cmd/snapdash)")
	flag.IntVar(&o.sessions, "sessions", 1000, "signed-in sessions to hold while memory is measured")
	flag.IntVar(&o.pollers, "pollers", 500, "concurrent signed-in clients polling")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "how long the pollers poll")
	flag.DurationVar(&o.interval, "interval", 2*time.Second, "each poller's pause between polls (the page's fastest)")
	flag.BoolVar(&o.quick, "quick", false, "a short, small run (as CI does)")
	flag.BoolVar(&o.pageOnly, "page-only", false, "perf: measure only the page against the bare proxy")
	flag.BoolVar(&o.pollOnly, "poll-only", false, "perf: measure only the poll fragment (p99 at many pollers, saturation)")
	flag.StringVar(&o.debug, "debug-listen", "", "perf: serve pprof of the measured snapdash (the empty store's) on this address")
	flag.DurationVar(&o.latency, "latency", 0, "profile: the upstream's latency")
	flag.Parse()
	suite := flag.Arg(0)
	if suite == "" {
		suite = "load"
	}
	if o.quick {
		o.sessions, o.pollers, o.duration = 50, 20, 5*time.Second
	}
	if o.pollers > o.sessions {
		o.sessions = o.pollers
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch suite {
	case "load":
		err = run(ctx, o)
	case "perf":
		err = perf(ctx, o)
	case "profile":
		err = profilePage(ctx, o)
	case "proxy": // started by perf as the bare proxy it measures against
		err = serveProxy(flag.Arg(1), flag.Arg(2))
	case "two-calls": // started by perf as a reference
		err = serveTwoCalls(flag.Arg(1), flag.Arg(2))
	default:
		err = fmt.Errorf("unknown suite %q: load or perf", suite)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "snapdash-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	fmt.Printf("machine: %s, %d cores, %s, %s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS+"/"+runtime.GOARCH, runtime.Version())
	up, err := startUpstream(0)
	if err != nil {
		return err
	}
	defer up.Close()
	sd, err := proc.Snapdash(ctx, o.bin, up.URL, nil, nil)
	if err != nil {
		return err
	}
	defer sd.Stop()

	start := time.Now()
	clients, err := signInMany(ctx, sd.URL, o.sessions)
	if err != nil {
		return err
	}
	fmt.Printf("signed in %d sessions in %s\n", len(clients), time.Since(start).Round(time.Millisecond))
	rss, err := sd.RSS()
	if err != nil {
		return err
	}
	fmt.Printf("resident memory with %d signed-in sessions: %.1f MiB\n", len(clients), float64(rss)/(1<<20))

	res, err := pollLoad(ctx, clients[:o.pollers], up, o.duration, o.interval)
	if err != nil {
		return err
	}
	fmt.Printf("poll load: %d clients for %s, every %s: %d requests, %d failed, %.0f req/s, p50 %s, p99 %s, max %s\n",
		o.pollers, o.duration, o.interval, res.total, res.failed, res.rate(), res.p(50), res.p(99), res.p(100))
	if rss, err := sd.RSS(); err == nil {
		fmt.Printf("resident memory after the poll load: %.1f MiB\n", float64(rss)/(1<<20))
	}
	if res.failed > 0 {
		return fmt.Errorf("%d of %d poll requests failed (first: %s)", res.failed, res.total, res.firstErr)
	}
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU"
}
