package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/snapdash/snapdash/cmd/snapdash-bench/proc"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// upstream is the simulator, in this process, on loopback.
type upstream struct {
	*httptest.Server
	sim *simulator.Simulator
}

func startUpstream(latency time.Duration) (*upstream, error) {
	sim := simulator.New(simulator.Options{
		SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Latency: latency, PageSize: 100,
	})
	srv := httptest.NewServer(sim)
	return &upstream{Server: srv, sim: sim}, nil
}

// startMeasured starts the simulator at latency, seeded with the perf
// accounts, and the Snapdash measured against it (pprof on o.debug, if set).
// Sharing reads between one person's requests is off: every page must pay
// its upstream calls, or the comparison with the references means nothing.
func startMeasured(ctx context.Context, o options, latency time.Duration) (*upstream, *proc.Process, error) {
	up, err := startUpstream(latency)
	if err != nil {
		return nil, nil, err
	}
	seedPerf(up.sim)
	env := []string{"SNAPDASH_COALESCE_WINDOW=0"}
	if o.debug != "" {
		env = append(env, "SNAPDASH_DEBUG_LISTEN="+o.debug)
	}
	sd, err := proc.Snapdash(ctx, o.bin, up.URL, env, nil)
	if err != nil {
		up.Close()
		return nil, nil, err
	}
	return up, sd, nil
}

// serveProxy is the bare reverse proxy: the floor the page is compared with.
func serveProxy(upstream, addr string) error {
	u, err := url.Parse(upstream)
	if err != nil {
		return err
	}
	return http.ListenAndServe(addr, httputil.NewSingleHostReverseProxy(u))
}

// serveTwoCalls makes the two API calls the page makes, in parallel, reads
// both answers and renders nothing: what the page's HTTP alone costs.
func serveTwoCalls(upstream, addr string) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(r *http.Request, path string) error {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, upstream+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", r.Header.Get("Authorization"))
		if _, _, err := drain(client.Do(req)); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	return http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			return // the start-up probe
		}
		errs := make(chan error, 2)
		go func() { errs <- get(r, "/api/v1/servers/") }()
		go func() { errs <- get(r, "/api/v1/snapshots/") }()
		for range 2 {
			if err := <-errs; err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
		_, _ = w.Write([]byte("ok"))
	}))
}
