package vpsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	fastjson "github.com/segmentio/encoding/json"
)

// Defaults for Options left zero.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultUserAgent = "Snapdash/1 (+https://github.com/snapdash/snapdash)"

	// DefaultMaxConcurrent caps calls in flight to VPS.org; idle connections
	// are kept for as many, so a burst of polls reuses them instead of
	// leaving thousands of sockets in TIME_WAIT.
	DefaultMaxConcurrent = 64

	maxListBody = 16 << 20 // one page of a list
	maxPages    = 200      // a loop of next links stops here
)

// Options configure a Client.
type Options struct {
	HTTPClient *http.Client  // default: a client with sane transport timeouts; redirects are never followed
	Timeout    time.Duration // one call, its retries included; each page of a list gets its own
	// MaxConcurrent caps calls in flight; a call waits for a free slot
	// within its caller's deadline. Default DefaultMaxConcurrent.
	MaxConcurrent int
	UserAgent     string
	Logger        *slog.Logger
	// RetryWait is the pause before each retry of a GET; nil means 100ms then 300ms.
	RetryWait []time.Duration
	// Observe, when set, hears of every HTTP attempt: the operation, the
	// status (0 when no answer came) and how long it took.
	Observe func(op string, status int, took time.Duration)
}

// Client calls the VPS.org API. It holds no token: each call carries the
// caller's own, so one Client serves every signed-in person.
type Client struct {
	base      *url.URL
	http      *http.Client
	timeout   time.Duration
	userAgent string
	log       *slog.Logger
	retryWait []time.Duration
	observe   func(op string, status int, took time.Duration)
	slots     chan struct{} // one per call in flight
	// bodies holds read buffers for answers: a list page read with
	// io.ReadAll grew its buffer a doubling at a time, a tenth of what a
	// page view allocated. The decoder copies every string it keeps, so a
	// buffer is free again once its answer is decoded.
	bodies sync.Pool
}

// New returns a client for the API at baseURL (such as https://admin.vps.org).
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("vpsapi: base URL %q must be an absolute http(s) URL", baseURL)
	}
	u.Path = ""
	u.RawQuery = ""
	c := &Client{
		base:      u,
		http:      opts.HTTPClient,
		timeout:   opts.Timeout,
		userAgent: opts.UserAgent,
		log:       opts.Logger,
		retryWait: opts.RetryWait,
		observe:   opts.Observe,
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = DefaultMaxConcurrent
	}
	c.slots = make(chan struct{}, opts.MaxConcurrent)
	if c.http == nil {
		c.http = &http.Client{Transport: defaultTransport(opts.MaxConcurrent)}
	} else {
		hc := *c.http
		c.http = &hc
	}
	// A redirect would carry the token to wherever VPS.org (or whoever
	// answers in its place) points: never follow one.
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.observe == nil {
		c.observe = func(string, int, time.Duration) {}
	}
	if c.retryWait == nil {
		c.retryWait = []time.Duration{100 * time.Millisecond, 300 * time.Millisecond}
	}
	return c, nil
}

func defaultTransport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(t.MaxIdleConns, conns)
	t.MaxIdleConnsPerHost = conns
	// The transport returns a connection to its pool a moment after the
	// call's slot is freed; without this cap the next call may dial anew.
	t.MaxConnsPerHost = conns
	t.ResponseHeaderTimeout = 0 // the per-call context bounds it
	return t
}

type listPage[T any] struct {
	Count   int     `json:"count"`
	Next    *string `json:"next"`
	Results []T     `json:"results"`
}

// itemBytes is about what one listed snapshot or server takes in an answer.
const itemBytes = 128

// decode reads a list page into room made for the results an answer of its
// size holds: the decoder otherwise grows the list from 10, a doubling at a
// time, and each growth built an array type by reflection. An answer
// without results leaves Results nil, as it would without the room.
func (p *listPage[T]) decode(answer []byte) error {
	p.Results = make([]T, 0, len(answer)/itemBytes+1)
	if err := fastjson.Unmarshal(answer, p); err != nil || len(p.Results) > 0 {
		return err
	}
	var probe struct {
		Results fastjson.RawMessage `json:"results"`
	}
	if err := fastjson.Unmarshal(answer, &probe); err != nil || probe.Results == nil {
		p.Results = nil
		return err
	}
	return nil
}

// putBody keeps buf for the next answer, unless one large list made it big.
func (c *Client) putBody(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		c.bodies.Put(buf)
	}
}

// ListSnapshots lists the snapshots of every server the token can see, or of one
// server when serverID is not zero. All pages are fetched.
func (c *Client) ListSnapshots(ctx context.Context, token Token, serverID int64) ([]Snapshot, error) {
	q := url.Values{}
	if serverID != 0 {
		q.Set("server_id", strconv.FormatInt(serverID, 10))
	}
	return askedList(ctx, token, "snapshots?"+q.Encode(), func() ([]Snapshot, error) {
		return list[Snapshot](ctx, c, token, "list snapshots", "/api/v1/snapshots/", q)
	})
}

// ListServers lists the servers the token can see.
func (c *Client) ListServers(ctx context.Context, token Token) ([]Server, error) {
	return askedList(ctx, token, "servers", func() ([]Server, error) {
		return list[Server](ctx, c, token, "list servers", "/api/v1/servers/", nil)
	})
}

// GetServer reads one server.
func (c *Client) GetServer(ctx context.Context, token Token, id int64) (Server, error) {
	return asked(ctx, token, "server/"+strconv.FormatInt(id, 10), func() (Server, error) {
		var s Server
		err := c.do(ctx, token, "get server", http.MethodGet, c.resolve(fmt.Sprintf("/api/v1/servers/%d/", id), nil), nil, http.StatusOK, &s)
		return s, err
	})
}

// CreateSnapshot starts a snapshot. It is never retried: a retry could be a second snapshot.
func (c *Client) CreateSnapshot(ctx context.Context, token Token, req CreateRequest) (Created, error) {
	defer forgetAsked(ctx)
	var out Created
	err := c.do(ctx, token, "create snapshot", http.MethodPost, c.resolve("/api/v1/snapshots/", nil), req, http.StatusCreated, &out)
	return out, err
}

// RestoreSnapshot restores the snapshot's server from it. Never retried.
func (c *Client) RestoreSnapshot(ctx context.Context, token Token, snapshotID int64) (Restored, error) {
	defer forgetAsked(ctx)
	var out Restored
	err := c.do(ctx, token, "restore snapshot", http.MethodPost, c.resolve(fmt.Sprintf("/api/v1/snapshots/%d/restore/", snapshotID), nil), nil, http.StatusOK, &out)
	return out, err
}

// DeleteSnapshot deletes a snapshot permanently. Never retried.
func (c *Client) DeleteSnapshot(ctx context.Context, token Token, snapshotID int64) error {
	defer forgetAsked(ctx)
	return c.do(ctx, token, "delete snapshot", http.MethodDelete, c.resolve(fmt.Sprintf("/api/v1/snapshots/%d/", snapshotID), nil), nil, http.StatusNoContent, nil)
}

func (c *Client) resolve(path string, q url.Values) *url.URL {
	u := *c.base
	u.Path = path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return &u
}

func list[T any](ctx context.Context, c *Client, token Token, op, path string, q url.Values) ([]T, error) {
	next := c.resolve(path, q)
	seen := map[string]bool{}
	var all []T
	for page := 0; next != nil; page++ {
		if page >= maxPages || seen[next.String()] {
			return nil, &Error{Kind: ErrUnavailable, Op: op, Cause: errors.New("pagination does not end")}
		}
		seen[next.String()] = true
		var p listPage[T]
		// Each page is one call with its own timeout: a long list is not
		// cut short by the time its earlier pages took.
		if err := c.do(ctx, token, op, http.MethodGet, next, nil, http.StatusOK, &p); err != nil {
			return nil, err
		}
		if p.Results == nil {
			return nil, &Error{Kind: ErrUnavailable, Op: op, Status: http.StatusOK, Cause: errors.New("malformed JSON: no results")}
		}
		if all == nil {
			all = p.Results // most lists are one page: no copy
		} else {
			all = append(all, p.Results...)
		}
		next = nil
		if p.Next != nil && *p.Next != "" {
			u, err := sameHostLink(c.base, *p.Next)
			if err != nil {
				return nil, &Error{Kind: ErrUnavailable, Op: op, Cause: err}
			}
			next = u
		}
	}
	if all == nil {
		all = []T{}
	}
	return all, nil
}

// sameHostLink resolves a next link and refuses one that leaves the API's host: the
// token must never be sent anywhere else.
func sameHostLink(base *url.URL, link string) (*url.URL, error) {
	u, err := base.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("bad next link: %w", err)
	}
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return nil, fmt.Errorf("next link leaves %s", base.Host)
	}
	// A request sends RawQuery verbatim: a link whose query is not one (a
	// space in it) would make a request VPS.org refuses with a 400 that
	// reads as the caller's fault. Sent re-encoded, it is a valid request;
	// the fragment is never sent, so it does not make two links differ.
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("bad next link: %w", err)
	}
	u.RawQuery, u.Fragment = q.Encode(), ""
	return u, nil
}

// do runs one call under the per-call timeout, once a slot is free.
func (c *Client) do(ctx context.Context, token Token, op, method string, u *url.URL, body any, want int, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return &Error{Kind: ErrUnavailable, Op: op, Cause: fmt.Errorf("too many calls to VPS.org in flight: %w", ctx.Err())}
	}
	return c.call(ctx, token, op, method, u, body, want, out)
}

// call sends one request, retrying a GET briefly on a connection error or a
// 502/503/504. POST and DELETE are sent once.
func (c *Client) call(ctx context.Context, token Token, op, method string, u *url.URL, body any, want int, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return &Error{Kind: ErrRejected, Op: op, Cause: err}
		}
	}
	attempts := 1
	if method == http.MethodGet {
		attempts += len(c.retryWait)
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			t := time.NewTimer(c.retryWait[i-1])
			select {
			case <-ctx.Done():
				t.Stop()
				return err
			case <-t.C:
			}
		}
		var retry bool
		retry, err = c.once(ctx, token, op, method, u, payload, want, out)
		if err == nil || !retry {
			return err
		}
	}
	return err
}

func (c *Client) once(ctx context.Context, token Token, op, method string, u *url.URL, payload []byte, want int, out any) (retry bool, err error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	// The request is given the URL as built: writing it out for
	// NewRequest to parse again cost a page view more than its headers.
	req, err := http.NewRequestWithContext(ctx, method, "", rd)
	if err != nil {
		return false, &Error{Kind: ErrUnavailable, Op: op, Cause: err}
	}
	req.URL, req.Host = u, u.Host
	req.Header.Set("Authorization", "Bearer "+string(token))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(op, 0, time.Since(start))
		c.log.LogAttrs(ctx, slog.LevelWarn, "upstream call failed", slog.String("op", op), slog.String("method", method),
			slog.String("path", u.Path), slog.Duration("took", time.Since(start)), slog.String("error", err.Error()))
		// A deadline or a cancelled caller is final; anything else is a connection problem.
		if ctx.Err() != nil {
			return false, &Error{Kind: ErrUnavailable, Op: op, Cause: ctx.Err()}
		}
		return true, &Error{Kind: ErrUnavailable, Op: op, Cause: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	c.observe(op, resp.StatusCode, time.Since(start))
	c.log.LogAttrs(ctx, slog.LevelDebug, "upstream call", slog.String("op", op), slog.String("method", method),
		slog.String("path", u.Path), slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(start)))

	if resp.StatusCode == want {
		if out == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
			return false, nil
		}
		buf, _ := c.bodies.Get().(*bytes.Buffer)
		if buf == nil {
			buf = new(bytes.Buffer)
		}
		defer c.putBody(buf)
		buf.Reset()
		if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxListBody+1)); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return method == http.MethodGet && ctx.Err() == nil, &Error{Kind: ErrUnavailable, Op: op, Status: resp.StatusCode, Cause: err}
		}
		data := buf.Bytes()
		if len(data) > maxListBody {
			return false, &Error{Kind: ErrUnavailable, Op: op, Status: resp.StatusCode, Cause: errors.New("answer too large")}
		}
		// segmentio's decoder: same results as encoding/json, about a fifth of
		// the CPU, and decoding lists was a large part of a page view's.
		if l, ok := out.(interface{ decode([]byte) error }); ok {
			err = l.decode(data)
		} else {
			err = fastjson.Unmarshal(data, out)
		}
		if err != nil {
			return false, &Error{Kind: ErrUnavailable, Op: op, Status: resp.StatusCode, Cause: fmt.Errorf("malformed JSON: %w", err)}
		}
		return false, nil
	}

	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	msg, fields := parseErrorBody(data)
	e := &Error{Op: op, Status: resp.StatusCode, Message: msg, Fields: fields}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		e.Kind = ErrUnauthorized
	case resp.StatusCode == http.StatusNotFound:
		e.Kind = ErrNotFound
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusForbidden ||
		resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusUnprocessableEntity:
		e.Kind = ErrRejected
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		// Not followed: the redirect would carry the token elsewhere.
		e.Kind = ErrUnavailable
		e.Message, e.Fields = "", nil
		e.Cause = fmt.Errorf("VPS.org answered with a redirect (to %q), which is not followed", resp.Header.Get("Location"))
	default:
		e.Kind = ErrUnavailable
		// Upstream trouble: its words are not meant for the person.
		e.Message, e.Fields = "", nil
		retry = resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout
	}
	return retry, e
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Ping checks that the API answers at all. It sends no token: a 401 is a
// healthy answer. Any 5xx or no answer is ErrUnavailable.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.resolve("/api/v1/snapshots/", nil).String(), nil)
	if err != nil {
		return &Error{Kind: ErrUnavailable, Op: "ping", Cause: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return &Error{Kind: ErrUnavailable, Op: "ping", Cause: unwrapURLError(err)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	if resp.StatusCode >= 500 || resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return &Error{Kind: ErrUnavailable, Op: "ping", Status: resp.StatusCode}
	}
	return nil
}
