package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	b.get("/?server_id=12345")
	b.get("/snapshots/801/restore?server_id=12345")
	b.get("/nowhere")

	if p := b.get("/metrics"); p.StatusCode != http.StatusNotFound || strings.Contains(p.Body, "snapdash_") {
		t.Errorf("/metrics beside the pages: %d, want 404 (it has its own listener)", p.StatusCode)
	}
	m := ts.scrapeMetrics()
	if m.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", m.StatusCode)
	}
	for _, want := range []string{
		`snapdash_http_requests_total{method="GET",route="/",status="200"} 2`,
		`snapdash_http_requests_total{method="GET",route="/snapshots/:id/restore",status="200"} 1`,
		`snapdash_http_request_duration_seconds_bucket{method="GET",route="/",le="`,
		`snapdash_upstream_requests_total{op="list snapshots",status="200"}`,
		`snapdash_upstream_request_duration_seconds_count{op="list servers"}`,
		"snapdash_polls_in_flight 0",
		"snapdash_sessions 1",
	} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, bad := range []string{"/snapshots/801", "server_id=", "/nowhere"} {
		if strings.Contains(m.Body, bad) {
			t.Errorf("a raw path or query (%s) became a label", bad)
		}
	}
	if len(m.Cookies()) != 0 {
		t.Error("/metrics set a cookie")
	}
}

// scrapeMetrics reads /metrics from the metrics listener, as Prometheus would.
func (ts *testServer) scrapeMetrics() response {
	srv := httptest.NewServer(ts.metrics.Handler())
	defer srv.Close()
	return (&browser{ts: &testServer{t: ts.t, URL: srv.URL}, client: http.DefaultClient}).get("/metrics")
}
