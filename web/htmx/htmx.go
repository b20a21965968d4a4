// Package htmx reads htmx request headers and sets its response headers.
package htmx

import "github.com/labstack/echo/v4"

// Request is what htmx tells about a request.
type Request struct {
	Enabled bool // HX-Request: the request came from htmx
}

// Read returns the htmx headers of c's request.
func Read(c echo.Context) Request {
	return Request{Enabled: c.Request().Header.Get("HX-Request") == "true"}
}

// Redirect makes htmx load url as a full page.
func Redirect(c echo.Context, url string) {
	c.Response().Header().Set("HX-Redirect", url)
}

// Retarget swaps the response into the element matched by selector instead.
func Retarget(c echo.Context, selector string) {
	c.Response().Header().Set("HX-Retarget", selector)
}

// Reswap changes the swap style, such as "outerHTML".
func Reswap(c echo.Context, style string) {
	c.Response().Header().Set("HX-Reswap", style)
}
