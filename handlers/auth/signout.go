package auth

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// SignOut deletes the server-side session, token included, and stops the
// jobs following the person's actions, erasing their copies of the token.
func (h *Handler) SignOut(c echo.Context) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	id := st.ID()
	unavailable := func(err error) error {
		return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.N("Snapdash cannot reach its database right now, so you are NOT signed out yet. Try again in a moment.")).SetInternal(err)
	}
	// Work under way is named first, and its person chooses what becomes of it.
	kept := 0
	switch c.FormValue("jobs") {
	case "finish":
		n, err := h.Site.SignOut.LetJobsFinish(ctx, id, handlers.Actor(st))
		if err != nil {
			return unavailable(err)
		}
		kept = n
	case "stop":
	default:
		underway, err := h.Site.SignOut.JobsUnderway(ctx, id)
		if err != nil {
			return unavailable(err)
		}
		if len(underway) > 0 {
			d := views.SignOut{Page: h.Site.Page(c, "Sign out")}
			for _, j := range underway {
				d.Underway = append(d.Underway, j.Words)
			}
			return h.Site.Render(c, http.StatusOK, views.SignOutPage(d))
		}
	}
	stopped, err := h.Site.SignOut.StopJobs(ctx, id)
	if err != nil {
		return unavailable(err)
	}
	if err := st.SignOut(); err != nil {
		return unavailable(err)
	}
	// A job started by a request that was still running is stopped too.
	if more, err := h.Site.SignOut.StopJobs(ctx, id); err != nil {
		h.Site.Log.ErrorContext(ctx, "jobs started during the sign-out were not stopped", "error", err)
	} else {
		stopped += more
	}
	// Drop the browser's copies of signed-in pages, the back/forward cache among them.
	c.Response().Header().Set("Clear-Site-Data", `"cache"`)
	u := h.Site.SignInURL(handlers.SignedOut, "")
	if stopped > 0 {
		u += "&stopped=" + strconv.Itoa(stopped)
	}
	if kept > 0 {
		u += "&kept=" + strconv.Itoa(kept)
	}
	return handlers.Navigate(c, u)
}
