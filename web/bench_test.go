package web_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// BenchmarkSnapshotsPageHTTP is one signed-in page view of 5 servers × 5
// snapshots through the whole stack: session, CSRF, two upstream calls over
// loopback HTTP, rendering and compression.
func BenchmarkSnapshotsPageHTTP(b *testing.B) {
	ts := newBenchServer(b)
	var servers []simulator.ServerSeed
	for i := range 5 {
		srv := simulator.ServerSeed{Name: fmt.Sprintf("perf-%d", i)}
		for j := range 5 {
			srv.Snapshots = append(srv.Snapshots, simulator.SnapshotSeed{Name: fmt.Sprintf("s-%d", j), SizeMB: 4096, CreatedAt: time.Date(2025, 1, 1+j, 0, 0, 0, 0, time.UTC)})
		}
		servers = append(servers, srv)
	}
	ts.sim.AddAccount("tk-bench-page-000001", servers...)
	br := ts.browser()
	br.signIn("tk-bench-page-000001")
	client := &http.Client{Jar: br.client.Jar, Transport: &http.Transport{DisableCompression: true}}
	// In English, and as a browser that prefers Catalan asks for it (issue
	// 31: a translated page costs no more than a few percent).
	for _, accept := range []string{"", "ca-ES,ca;q=0.9,en;q=0.8"} {
		b.Run("Accept-Language="+accept, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil) // the jar adds cookies to the request it is given
				req.Header.Set("Accept-Encoding", "gzip")
				if accept != "" {
					req.Header.Set("Accept-Language", accept)
				}
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("%v %v", resp, err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
