// Package metrics is what Snapdash tells Prometheus: requests by route and
// status, upstream calls by endpoint and status, polls in flight, sessions.
// Labels are route patterns and API operations, never paths with ids or tokens.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds Snapdash's collectors in their own registry.
type Metrics struct {
	reg             *prometheus.Registry
	requests        *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	upstream        *prometheus.CounterVec
	upstreamLatency *prometheus.HistogramVec
	polls           prometheus.Gauge
	notifications   *prometheus.CounterVec
	runs            *prometheus.CounterVec
	runDuration     *prometheus.HistogramVec
}

// New registers the collectors, with Go runtime and process metrics.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "snapdash_http_requests_total", Help: "Requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "snapdash_http_request_duration_seconds", Help: "Time to answer a request, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "snapdash_upstream_requests_total", Help: "Calls to the VPS.org API, by operation and status (\"error\" when no answer came).",
		}, []string{"op", "status"}),
		upstreamLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "snapdash_upstream_request_duration_seconds", Help: "Time of one call to the VPS.org API, by operation.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"op"}),
		polls: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "snapdash_polls_in_flight", Help: "Live-status polls being answered now.",
		}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "snapdash_notifications_total", Help: "Webhook deliveries of jobs' outcomes, by result (delivered, failed: tried again later).",
		}, []string{"result"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "snapdash_scheduled_runs_total", Help: "Scheduled runs, by outcome: started, and completed, skipped or failed as they end.",
		}, []string{"outcome"}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "snapdash_scheduled_run_duration_seconds", Help: "Time from a scheduled run's start to its end, by outcome.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600},
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.upstream, m.upstreamLatency, m.polls, m.notifications, m.runs, m.runDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveNotify counts one webhook delivery, or a failed attempt.
func (m *Metrics) ObserveNotify(delivered bool) {
	result := "failed"
	if delivered {
		result = "delivered"
	}
	m.notifications.WithLabelValues(result).Inc()
}

// ObserveRun counts a scheduled run started ("started") or ended (its
// outcome, with how long it took).
func (m *Metrics) ObserveRun(outcome string, took time.Duration) {
	m.runs.WithLabelValues(outcome).Inc()
	if outcome != "started" {
		m.runDuration.WithLabelValues(outcome).Observe(took.Seconds())
	}
}

// ObserveUpstream records one call to the API; status 0 means no answer.
func (m *Metrics) ObserveUpstream(op string, status int, took time.Duration) {
	s := "error"
	if status != 0 {
		s = strconv.Itoa(status)
	}
	m.upstream.WithLabelValues(op, s).Inc()
	m.upstreamLatency.WithLabelValues(op).Observe(took.Seconds())
}

// Counter can count what it stores, such as sessions.
type Counter interface {
	Count() (int, error)
}

// CountSessions exports the number of sessions, asking c at most every 15 s.
func (m *Metrics) CountSessions(c Counter) {
	var (
		mu   sync.Mutex
		last time.Time
		n    float64
	)
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "snapdash_sessions", Help: "Sessions in the session store (signed in and not yet expired or swept).",
	}, func() float64 {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) > 15*time.Second {
			if v, err := c.Count(); err == nil {
				n, last = float64(v), time.Now()
			}
		}
		return n
	}))
}

// PollStarted counts a live-status poll in flight; call the returned
// function when it is answered.
func (m *Metrics) PollStarted() (done func()) {
	m.polls.Inc()
	return m.polls.Dec
}

// ObserveRequest records one answered request by its route pattern.
func (m *Metrics) ObserveRequest(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(took.Seconds())
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
