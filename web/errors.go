package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// handleError is the one place errors become answers: a page, or for htmx a
// message swapped into the page. It logs what the person is not shown and
// never sends a stack trace.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	r := c.Request()
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the browser went away
	}
	reqID := c.Response().Header().Get(echo.HeaderXRequestID)

	if errors.Is(err, vpsapi.ErrUnauthorized) {
		a.tokenRefused(c)
		return
	}

	p := views.Problem{Status: http.StatusInternalServerError, Heading: "Something went wrong",
		Message: fmt.Sprintf("Snapdash hit an unexpected problem. Nothing was lost; try again. If it keeps happening, give your administrator the reference %s.", reqID)}
	var he *echo.HTTPError
	switch pp, upstream := dashboard.Problem(err); {
	case upstream:
		p.Status, p.Heading, p.Message = handlers.Status(pp.Reason), pp.Heading, pp.Message
	case errors.As(err, &he):
		p.Status = he.Code
		p.Heading = http.StatusText(he.Code)
		msg, ok := he.Message.(string)
		if ok && he.Code != http.StatusInternalServerError {
			p.Message = msg
		}
		// Echo's own errors carry only the status text; a handler's carry its words, which stay.
		generic := msg == http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			p.Heading = "Not found"
			if generic {
				p.Heading, p.Message = "Page not found", "There is no page at this address."
			}
		case http.StatusMethodNotAllowed:
			if generic {
				p.Heading, p.Message = "Not allowed", "This address does not accept that kind of request."
			}
		case http.StatusRequestEntityTooLarge:
			p.Heading = "Too much data"
			if generic {
				p.Message = "What was sent is larger than Snapdash accepts. Shorten it and try again."
			}
		case http.StatusForbidden:
			p.Heading = "Refused"
		case http.StatusTooManyRequests:
			p.Heading = "Slow down"
		}
	}
	if p.Status >= 500 {
		a.log.ErrorContext(r.Context(), "request failed", "request_id", reqID, "status", p.Status, "error", err)
	}
	if r.Method == http.MethodGet && p.Status >= 500 {
		p.RetryURL = r.URL.RequestURI()
	}
	if r.Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	var comp templ.Component
	if htmx.Enabled(c.Request()) {
		// Keep the page; add the message to the flash region (aria-live).
		htmx.Retarget(c.Response(), "#flashes")
		htmx.Reswap(c.Response(), "beforeend")
		comp = views.FlashItems([]views.Flash{{Kind: views.FlashError, Text: p.Heading + ": " + p.Message}})
	} else {
		p.Page = a.site.Page(c, "%s", p.Heading)
		comp = views.ErrorPage(p)
	}
	if err := a.site.Render(c, p.Status, comp); err != nil {
		a.log.ErrorContext(r.Context(), "error page failed", "error", err)
		_ = c.String(p.Status, p.Heading)
	}
}

// tokenRefused ends a session whose token VPS.org no longer accepts.
func (a *App) tokenRefused(c echo.Context) {
	st := session.From(c.Request().Context())
	ctx := c.Request().Context()
	a.log.InfoContext(ctx, "upstream refused token; signing out", "token", st.Token())
	id := st.ID()
	if err := st.SignOut(); err != nil {
		a.log.ErrorContext(ctx, "sign-out after refused token failed", "error", err)
	}
	if err := a.site.SignOut.EndJobsOfRefusedToken(ctx, id); err != nil {
		a.log.ErrorContext(ctx, "jobs of a refused token were not stopped", "error", err)
	}
	_ = navigate(c, a.site.SignInURL(handlers.TokenRefused, ""))
}

// navigate sends the browser to url as a full page (see htmx.Navigate).
func navigate(c echo.Context, url string) error {
	htmx.Navigate(c.Response(), c.Request(), url)
	return nil
}
