package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/session"
)

// SignOut deletes the server-side session, token included.
func (h *Auth) SignOut(c echo.Context) error {
	st := session.From(c.Request().Context())
	if err := st.SignOut(); err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "Snapdash cannot reach its session store right now, so you are NOT signed out yet. Try again in a moment.").SetInternal(err)
	}
	// Drop the browser's copies of signed-in pages, the back/forward cache among them.
	c.Response().Header().Set("Clear-Site-Data", `"cache"`)
	return navigate(c, h.Site.SignInURL(SignedOut, ""))
}
