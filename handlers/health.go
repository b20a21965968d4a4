package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Pinger checks the upstream answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Health answers the orchestrator's probes.
type Health struct {
	Upstream Pinger
}

// Live is /healthz: the process is up.
func (h *Health) Live(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// Ready is /readyz: the VPS.org API answers.
func (h *Health) Ready(c echo.Context) error {
	if err := h.Upstream.Ping(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "upstream unavailable\n")
	}
	return c.String(http.StatusOK, "ok\n")
}
