package activity

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// trayEvents and trayWithin bound the tray: the newest few events of the
// last minutes, not a second Activity page.
const (
	trayEvents = 5
	trayWithin = 15 * time.Minute
)

// Tray answers the team's recent events on the person's servers, for the
// tray every page shows (app.js asks when the change feed says something
// changed): from the store, no call to VPS.org.
func (h *Handler) Tray(c echo.Context) error {
	ctx := c.Request().Context()
	recs, err := h.Site.Feed.Recent(ctx, session.From(ctx).Token(), trayEvents, trayWithin)
	if err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.N("The team's events cannot be read right now.")).SetInternal(err)
	}
	items := make([]views.TrayItem, 0, len(recs))
	for _, r := range recs {
		row := activityRow(ctx, r)
		items = append(items, views.TrayItem{Key: strconv.FormatInt(r.ID, 10) + "-" + trayState(r), ID: r.ID, Row: row})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.Site.Render(c, http.StatusOK, views.TrayItems(items, h.Site.Now()))
}

// trayState is what an event says now: a record that ends is a new event.
func trayState(r activity.Record) string {
	if r.Final != "" {
		return r.Final
	}
	return r.Outcome
}
