package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/snapdash/snapdash/cmd/snapdash-bench/proc"
)

// languagePair reads the snapshots page in Catalan and in English at the
// same time, from two Snapdash processes alike (issue 31: a translated page
// costs no more than a few percent). Whatever else the machine does then
// falls on both languages alike, where reading them in turn from one
// process, round by round, read English against itself as 1.07. Each
// process serves each language for half the time, so a difference between
// the two processes cancels out.
type languagePair struct {
	procs   [2]*proc.Process
	clients [2]*client
}

var languages = [2]string{"en", "ca"}

func startLanguagePair(ctx context.Context, bin, apiURL string, env []string, transport http.RoundTripper) (*languagePair, error) {
	lp := &languagePair{}
	for i := range lp.procs {
		p, err := proc.Snapdash(ctx, bin, apiURL, env, nil)
		if err != nil {
			lp.Stop()
			return nil, err
		}
		lp.procs[i] = p
		c := newClient(p.URL, 4+i, transport)
		if err := c.signIn(ctx, tokPage); err != nil {
			lp.Stop()
			return nil, err
		}
		for _, lang := range languages {
			c.lang = lang
			status, body, err := c.do(ctx, http.MethodGet, "/", nil, false)
			if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(`<html lang="`+lang+`"`)) {
				lp.Stop()
				return nil, fmt.Errorf("the page asked in %s: %d %v, not in %[1]s", lang, status, err)
			}
		}
		lp.clients[i] = c
	}
	return lp, nil
}

func (lp *languagePair) Stop() {
	for _, p := range lp.procs {
		if p != nil {
			p.Stop()
		}
	}
}

// measure reads both languages for d with conc clients in all, half on each
// process, and returns the CPU per page of each (English, Catalan) and the
// pages read of each.
func (lp *languagePair) measure(ctx context.Context, conc int, d time.Duration) (cpu [2]time.Duration, pages [2]*result) {
	pages = [2]*result{{}, {}}
	var spent [2]time.Duration
	for half := range 2 {
		var lang [2]int // the language each process serves in this half
		for i, c := range lp.clients {
			lang[i] = (i + half) % 2
			c.lang = languages[lang[i]]
		}
		var before [2]time.Duration
		for i, p := range lp.procs {
			before[i] = p.CPU()
		}
		var got [2]*result
		var wg sync.WaitGroup
		for i, c := range lp.clients {
			wg.Go(func() {
				got[i] = closedLoop(ctx, max(conc/2, 1), d/2, func(ctx context.Context) error { return c.getPage(ctx, "/") })
			})
		}
		wg.Wait()
		for i, p := range lp.procs {
			spent[lang[i]] += p.CPU() - before[i]
			pages[lang[i]].add(got[i])
		}
	}
	for l := range languages {
		cpu[l] = perReq(spent[l], pages[l])
	}
	return cpu, pages
}
