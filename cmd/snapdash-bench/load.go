package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"
)

var pollURL = regexp.MustCompile(`hx-get="(/poll/servers/[^"]+)"`)

// pollLoad starts one snapshot in progress, then has every client poll the
// server's live fragment, as an open page does, until d has passed.
func pollLoad(ctx context.Context, clients []*client, up *upstream, d, every time.Duration) (*result, error) {
	c := clients[0]
	// The page first, as a browser opens it: a card is answered from the
	// store only for servers its token was seen to see.
	if err := c.getPage(ctx, "/"); err != nil {
		return nil, fmt.Errorf("page: %w", err)
	}
	status, form, err := c.do(ctx, http.MethodGet, "/snapshots/new?server_id=12348", nil, true)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("create form: %d %v", status, err)
	}
	fid := formIDField.FindSubmatch(form)
	if fid == nil {
		return nil, fmt.Errorf("no form_id in the create form")
	}
	status, live, err := c.do(ctx, http.MethodPost, "/snapshots",
		url.Values{"server_id": {"12348"}, "name": {"bench"}, "form_id": {string(fid[1])}}, true)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("create: %d %v", status, err)
	}
	m := pollURL.FindSubmatch(live)
	if m == nil {
		return nil, fmt.Errorf("the new snapshot's card does not poll")
	}
	target := html.UnescapeString(string(m[1]))
	up.sim.ResetCalls()

	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	results := make([]*result, len(clients))
	var wg sync.WaitGroup
	for i, cl := range clients {
		results[i] = &result{}
		wg.Add(1)
		go func(cl *client, r *result) {
			defer wg.Done()
			// Spread the first polls over one interval, as pages opened at different times would.
			if !sleepCtx(ctx, every*time.Duration(i)/time.Duration(len(clients))) {
				return
			}
			for ctx.Err() == nil {
				t0 := time.Now()
				status, _, err := cl.do(context.Background(), http.MethodGet, target, nil, true)
				r.record(t0, check(status, err))
				if !sleepCtx(ctx, every) {
					return
				}
			}
		}(cl, results[i])
	}
	wg.Wait()
	all := &result{took: time.Since(start)}
	for _, r := range results {
		all.add(r)
	}
	return all, nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
