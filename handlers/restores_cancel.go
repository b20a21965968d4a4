package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// CancelRestore stops a restore with a safety snapshot before its restore
// is sent.
func (h *Snapshots) CancelRestore(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	serverID, ok := ParseServerID(c.QueryParam("server_id"))
	if err != nil || id <= 0 || !ok || serverID == 0 {
		return echo.NewHTTPError(http.StatusNotFound, i18n.N("There is no such restore."))
	}
	r, err := h.Site.Restores.Cancel(ctx, session.From(ctx).Token(), serverID, id)
	var msg views.Flash
	switch {
	case err == nil:
		// The card's restore says the same until the job ends it.
		msg = views.Flash{Kind: views.FlashInfo, Text: r.NowWords(i18n.From(ctx), false)}
	case errors.Is(err, restores.ErrTooLate):
		msg = views.Flash{Kind: views.FlashError, Text: i18n.T(ctx, "The restore had already been sent, so it could not be cancelled.")}
	case errors.Is(err, restores.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, i18n.N("There is no such restore."))
	case errors.Is(err, vpsapi.ErrUnavailable) || errors.Is(err, vpsapi.ErrUnauthorized):
		return err // the central handler words VPS.org's trouble, or ends the session
	default:
		return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.N("The restore could not be cancelled right now (Snapdash cannot reach its database), so it goes on. Try again in a moment.")).SetInternal(err)
	}
	return h.done(c, serverID, msg, false, false, focusRestoring)
}
