package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/metrics"
)

// measure records every request by its route pattern.
func measure(m *metrics.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			// Placed outside the request logger, which hands errors to the
			// central handler: the answer is usually written by now.
			status := c.Response().Status
			if err != nil && !c.Response().Committed {
				status = http.StatusInternalServerError
				if he, ok := err.(*echo.HTTPError); ok {
					status = he.Code
				}
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			m.ObserveRequest(route, c.Request().Method, status, time.Since(start))
			return err
		}
	}
}

// pollKey marks a request of the poll route group in the Echo context.
const pollKey = "snapdash.poll"

// markPoll marks the live-status polls (their route group's first
// middleware): they must not extend the idle timer, log at debug, and are
// counted while in flight.
func (a *App) markPoll(m *metrics.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(pollKey, true)
			if m != nil {
				defer m.PollStarted()()
			}
			return next(c)
		}
	}
}

// isPoll tells polling requests apart, as marked by their route group.
func (a *App) isPoll(c echo.Context) bool {
	poll, _ := c.Get(pollKey).(bool)
	return poll
}
