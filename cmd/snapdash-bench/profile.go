package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/snapdash/snapdash/cmd/snapdash-bench/proc"
)

// profilePage reads the page alone at one upstream latency, and the two-call
// reference after it: a short run to take a profile of (with -debug-listen)
// and to try a change on, where perf takes minutes.
func profilePage(ctx context.Context, o options) error {
	up, sd, err := startMeasured(ctx, o, o.latency)
	if err != nil {
		return err
	}
	defer up.Close()
	defer sd.Stop()
	two, err := proc.Floor("two-calls", up.URL)
	if err != nil {
		return err
	}
	defer two.Stop()
	transport := &http.Transport{MaxIdleConnsPerHost: 1024}
	c := newClient(sd.URL, 1, transport)
	if err := c.signIn(ctx, tokPage); err != nil {
		return err
	}
	_, packed, err := c.getCompressed(ctx, "/")
	if err != nil {
		return err
	}
	_, body, err := c.do(ctx, http.MethodGet, "/", nil, false)
	if err != nil {
		return err
	}
	fmt.Printf("the page: %d bytes, %d gzipped\n", len(body), packed)
	page := &contender{proc: sd, hit: func(ctx context.Context) error { return c.getPage(ctx, "/") }}
	ref := &contender{proc: two, hit: func(ctx context.Context) error { return forward(ctx, transport, two.URL+"/") }}
	for _, k := range []*contender{page, ref} {
		k.reset()
		k.run(ctx, 32, o.duration)
	}
	p, r := perReq(page.cpu, page.all), perReq(ref.cpu, ref.all)
	fmt.Printf("upstream +%s: page %.0f req/s, CPU %s a page, %d failed | reference %.0f req/s, CPU %s a request | %.2f times\n",
		o.latency, page.all.rate(), p, page.all.failed, ref.all.rate(), r, float64(p)/float64(max(r, 1)))
	return nil
}
