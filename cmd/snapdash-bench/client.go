package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// client is one signed-in browser: its cookies, CSRF token and address.
type client struct {
	http *http.Client
	base string
	ip   string // sent as X-Forwarded-For; snapdash trusts loopback as the proxy
	csrf string
	lang string // sent as Accept-Language when set
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func newClient(base string, n int, transport http.RoundTripper) *client {
	jar, _ := cookiejar.New(nil)
	return &client{
		http: &http.Client{Jar: jar, Transport: transport, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		base: base,
		ip:   fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255),
	}
}

func (c *client) do(ctx context.Context, method, path string, form url.Values, hx bool) (int, []byte, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if hx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	c.headers(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	// The CSRF token is bound to the session and changes at sign-in: keep
	// the newest one a page carries, as a browser does.
	if m := csrfField.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, b, err
}

func (c *client) signIn(ctx context.Context, token string) error {
	status, page, err := c.do(ctx, http.MethodGet, "/signin", nil, false)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("sign-in page: %d %v", status, err)
	}
	if !csrfField.Match(page) {
		return fmt.Errorf("no CSRF token on the sign-in page")
	}
	status, _, err = c.do(ctx, http.MethodPost, "/signin", url.Values{"_csrf": {c.csrf}, "token": {token}}, false)
	if err != nil || status != http.StatusSeeOther {
		return fmt.Errorf("sign-in: %d %v", status, err)
	}
	return nil
}

// signInMany signs n clients in with the demo token, 16 at a time.
func signInMany(ctx context.Context, base string, n int) ([]*client, error) {
	transport := &http.Transport{MaxIdleConnsPerHost: 1024, MaxConnsPerHost: 0}
	clients := make([]*client, n)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, 16)
	for i := range clients {
		clients[i] = newClient(base, i+1, transport)
		wg.Add(1)
		sem <- struct{}{}
		go func(c *client) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := c.signIn(ctx, simulator.DemoToken); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(clients[i])
	}
	wg.Wait()
	return clients, first
}

// getCompressed fetches path accepting gzip as a browser does, and discards the
// body still compressed: decompressing is the browser's work, on its own machine.
// It returns the answer and how many bytes it carried.
func (c *client) getCompressed(ctx context.Context, path string) (*http.Response, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, 0, err
	}
	// Asked for explicitly, gzip is left packed by the transport.
	req.Header.Set("Accept-Encoding", "gzip")
	c.headers(req)
	return drain(c.http.Do(req))
}

// headers are what every request of this browser carries.
func (c *client) headers(req *http.Request) {
	req.Header.Set("X-Forwarded-For", c.ip)
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
}

// getPage is a page view as the page comparison makes it: compressed, or failed.
func (c *client) getPage(ctx context.Context, path string) error {
	resp, _, err := c.getCompressed(ctx, path)
	if err == nil && resp.Header.Get("Content-Encoding") != "gzip" {
		err = fmt.Errorf("page not compressed")
	}
	return err
}

// drain reads and closes an answer's body, wants status 200, and says how many
// bytes the body had.
func drain(resp *http.Response, err error) (*http.Response, int64, error) {
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return nil, n, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, n, fmt.Errorf("status %d", resp.StatusCode)
	}
	return resp, n, nil
}
