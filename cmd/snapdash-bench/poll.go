package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"time"

	"github.com/snapdash/snapdash/cmd/snapdash-bench/proc"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// pollTargets measures the poll fragment of a busy server (answered from
// what its follower saw): 1,000 pollers every 2 s, then flat out for dur.
func pollTargets(ctx context.Context, o options, sd *proc.Process, up *upstream, clients []*client, dur time.Duration) ([]target, error) {
	var report []target
	pollers, pollDur := 1000, 20*time.Second
	if o.quick {
		pollers, pollDur = 50, 4*time.Second
	}
	clients = clients[:min(pollers, len(clients))]
	cpu := sd.CPU()
	res, err := pollLoad(ctx, clients, up, pollDur, 2*time.Second)
	if err != nil {
		return nil, err
	}
	fmt.Printf("poll fragment, %d pollers every 2 s, upstream +0: %.0f req/s, p50 %s, p99 %s, %d failed; CPU per poll %s; %d upstream calls\n",
		len(clients), res.rate(), res.p(50), res.p(99), res.failed, perReq(sd.CPU()-cpu, res), up.sim.TokenCalls(simulator.DemoToken))
	report = append(report, target{fmt.Sprintf("poll p99 at %d pollers, upstream +0", len(clients)), res.p(99).String(), "≤ 5ms", res.p(99) <= 5*time.Millisecond && res.failed == 0})
	pollPath := pollTarget(ctx, clients[0])
	// Flat out with 500 in flight, as issue 29 measured 586 req/s.
	inFlight := min(pollers, 500)
	sat := closedLoop(ctx, inFlight, dur, func(ctx context.Context) error {
		status, _, err := clients[int(time.Now().UnixNano())%len(clients)].do(ctx, http.MethodGet, pollPath, nil, true)
		return check(status, err)
	})
	fmt.Printf("poll fragment flat out, %d in flight: %.0f req/s, p50 %s, p99 %s, %d failed (saturation)\n", inFlight, sat.rate(), sat.p(50), sat.p(99), sat.failed)
	report = append(report, target{"poll fragment saturation (issue 29: 2 × 586)", fmt.Sprintf("%.0f req/s", sat.rate()), "≥ 1172 req/s", sat.rate() >= 1172 && sat.failed == 0})
	return report, nil
}

func pollTarget(ctx context.Context, c *client) string {
	_, page, _ := c.do(ctx, http.MethodGet, "/", nil, false)
	if m := pollURL.FindSubmatch(page); m != nil {
		return html.UnescapeString(string(m[1]))
	}
	return "/healthz"
}
