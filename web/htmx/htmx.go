// Package htmx reads htmx request headers and sets its response headers.
package htmx

import "github.com/labstack/echo/v4"

// Request is what htmx tells about a request.
type Request struct {
	Enabled bool   // HX-Request: the request came from htmx
	Boosted bool   // HX-Boosted
	Target  string // HX-Target: id of the element to swap
	Trigger string // HX-Trigger: id of the element that triggered it
}

// Read returns the htmx headers of c's request.
func Read(c echo.Context) Request {
	h := c.Request().Header
	return Request{
		Enabled: h.Get("HX-Request") == "true",
		Boosted: h.Get("HX-Boosted") == "true",
		Target:  h.Get("HX-Target"),
		Trigger: h.Get("HX-Trigger"),
	}
}

// Redirect makes htmx load url as a full page.
func Redirect(c echo.Context, url string) {
	c.Response().Header().Set("HX-Redirect", url)
}

// PushURL sets the browser's address to url.
func PushURL(c echo.Context, url string) {
	c.Response().Header().Set("HX-Push-Url", url)
}

// Retarget swaps the response into the element matched by selector instead.
func Retarget(c echo.Context, selector string) {
	c.Response().Header().Set("HX-Retarget", selector)
}

// Reswap changes the swap style, such as "outerHTML".
func Reswap(c echo.Context, style string) {
	c.Response().Header().Set("HX-Reswap", style)
}
