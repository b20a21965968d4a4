package main

import (
	"slices"
	"time"
)

// result is what a timed run of requests measured.
type result struct {
	total, failed int
	firstErr      string
	took          time.Duration
	latencies     []time.Duration
}

func (r *result) rate() float64 { return float64(r.total) / r.took.Seconds() }

// p is the q-th percentile latency (q in 0..100), rounded for printing.
func (r *result) p(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	i := int(float64(len(s)-1) * q / 100)
	return s[i].Round(10 * time.Microsecond)
}

// record counts one request that started at t0 and ended with err.
func (r *result) record(t0 time.Time, err error) {
	r.total++
	r.latencies = append(r.latencies, time.Since(t0))
	if err != nil {
		r.failed++
		if r.firstErr == "" {
			r.firstErr = err.Error()
		}
	}
}

// add counts o's requests and time in r.
func (r *result) add(o *result) {
	r.total += o.total
	r.took += o.took
	r.failed += o.failed
	if r.firstErr == "" {
		r.firstErr = o.firstErr
	}
	r.latencies = append(r.latencies, o.latencies...)
}

// perReq spreads cpu over the requests of r.
func perReq(cpu time.Duration, r *result) time.Duration {
	if r.total == 0 {
		return 0
	}
	return (cpu / time.Duration(r.total)).Round(time.Microsecond)
}
