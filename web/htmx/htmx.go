// Package htmx reads htmx request headers and sets its response headers.
package htmx

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Request is what htmx tells about a request.
type Request struct {
	Enabled bool // HX-Request: the request came from htmx
}

// Read returns the htmx headers of c's request.
func Read(c echo.Context) Request {
	return Request{Enabled: c.Request().Header.Get("HX-Request") == "true"}
}

// Navigate sends the browser to url as a full page: HX-Redirect for htmx
// (with 200: a 401 is what the SSO proxy sends, and app.js reloads on it),
// 303 See Other for a plain request.
func Navigate(c echo.Context, url string) error {
	if Read(c).Enabled {
		c.Response().Header().Set("HX-Redirect", url)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// Retarget swaps the response into the element matched by selector instead.
func Retarget(c echo.Context, selector string) {
	c.Response().Header().Set("HX-Retarget", selector)
}

// Reswap changes the swap style, such as "outerHTML".
func Reswap(c echo.Context, style string) {
	c.Response().Header().Set("HX-Reswap", style)
}
