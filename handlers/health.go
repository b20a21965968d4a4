package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Pinger checks that something Snapdash depends on answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// readyFor is how long one readiness answer about VPS.org is reused: probes
// from every orchestrator and load balancer do not each cost an API call.
const readyFor = 5 * time.Second

// Health answers the orchestrator's probes.
type Health struct {
	Upstream Pinger
	Sessions Pinger // the session store; nil: not checked
	Now      func() time.Time

	mu       sync.Mutex
	checked  time.Time
	upstream error
	inFlight chan struct{} // closed when the check under way ends
}

// Live is /healthz: the process is up.
func (h *Health) Live(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// Ready is /readyz: the session store and the VPS.org API answer.
func (h *Health) Ready(c echo.Context) error {
	ctx := c.Request().Context()
	if h.Sessions != nil {
		if err := h.Sessions.Ping(ctx); err != nil {
			return c.String(http.StatusServiceUnavailable, "session store unavailable\n")
		}
	}
	if err := h.upstreamErr(ctx); err != nil {
		return c.String(http.StatusServiceUnavailable, "upstream unavailable\n")
	}
	return c.String(http.StatusOK, "ok\n")
}

// upstreamErr is the upstream's answer to the newest check, made again when
// older than readyFor; concurrent probes share one check.
func (h *Health) upstreamErr(ctx context.Context) error {
	h.mu.Lock()
	if !h.checked.IsZero() && h.Now().Sub(h.checked) < readyFor {
		err := h.upstream
		h.mu.Unlock()
		return err
	}
	if wait := h.inFlight; wait != nil {
		h.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.upstream
	}
	done := make(chan struct{})
	h.inFlight = done
	h.mu.Unlock()

	err := h.Upstream.Ping(context.WithoutCancel(ctx)) // shared by every waiting probe
	h.mu.Lock()
	h.upstream, h.checked, h.inFlight = err, h.Now(), nil
	h.mu.Unlock()
	close(done)
	return err
}

// Robots asks crawlers to stay away: every page is private to a team. It is
// served without sign-in, so a crawler does not follow the sign-in redirect.
func (h *Health) Robots(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.String(http.StatusOK, "User-agent: *\nDisallow: /\n")
}
