package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

func TestResponsesCompressed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	page := b.signIn(simulator.DemoToken)
	raw := &http.Client{Jar: b.client.Jar, Transport: &http.Transport{DisableCompression: true}}
	fetch := func(path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := raw.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	gunzip := func(b []byte) string {
		zr, err := gzip.NewReader(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		out, _ := io.ReadAll(zr)
		return string(out)
	}
	resp, body := fetch("/")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(gunzip(body), "web-server-01") {
		t.Errorf("page: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	htmx := page.Doc.Find(`script[src*="htmx"]`).AttrOr("src", "")
	resp, body = fetch(htmx)
	if resp.Header.Get("Content-Encoding") != "gzip" || len(body) > 20<<10 || !strings.Contains(gunzip(body), "htmx") {
		t.Errorf("htmx: Content-Encoding %q, %d bytes sent", resp.Header.Get("Content-Encoding"), len(body))
	}
	if vary := resp.Header.Values("Vary"); !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(vary) != 1 || vary[0] != "Accept-Encoding" {
		t.Errorf("htmx: Cache-Control %q, Vary %q", resp.Header.Get("Cache-Control"), vary)
	}
	anon, _ := http.NewRequest(http.MethodGet, ts.URL+"/signin?next=%2F%3Fserver_id%3D1", nil)
	anon.Header.Set("Accept-Encoding", "gzip")
	signin, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(anon)
	if err != nil {
		t.Fatal(err)
	}
	signin.Body.Close()
	if signin.StatusCode != http.StatusOK || signin.Header.Get("Content-Encoding") != "" {
		t.Errorf("sign-in page: %d, Content-Encoding %q; it reflects `next` beside the CSRF token and must not be compressed",
			signin.StatusCode, signin.Header.Get("Content-Encoding"))
	}
	// A client that does not ask for gzip gets plain bytes.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+htmx, nil)
	plain, err := raw.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	plain.Body.Close()
	if plain.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent to a client that did not accept it")
	}
}
