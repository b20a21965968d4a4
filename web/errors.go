package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/i18n"
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
	ctx := r.Context()

	if errors.Is(err, vpsapi.ErrUnauthorized) {
		a.tokenRefused(c)
		return
	}

	p := views.Problem{Status: http.StatusInternalServerError, Heading: i18n.T(ctx, "Something went wrong"),
		Message: i18n.T(ctx, "Snapdash hit an unexpected problem. Nothing was lost; try again. If it keeps happening, give your administrator the reference %s.", reqID)}
	var he *echo.HTTPError
	switch pp, upstream := dashboard.Problem(ctx, err); {
	case upstream:
		p.Status, p.Heading, p.Message = handlers.Status(pp.Reason), pp.Heading, pp.Message
	case errors.As(err, &he):
		p.Status = he.Code
		p.Heading = statusHeading(ctx, he.Code)
		msg, ok := he.Message.(string)
		if ok && he.Code != http.StatusInternalServerError {
			p.Message = i18n.Word(ctx, msg) // a handler's words are marked (i18n.N)
		}
		// Echo's own errors carry only the status text; a handler's carry its words, which stay.
		generic := msg == http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			p.Heading = i18n.T(ctx, "Not found")
			if generic {
				p.Heading, p.Message = i18n.T(ctx, "Page not found"), i18n.T(ctx, "There is no page at this address.")
			}
		case http.StatusMethodNotAllowed:
			if generic {
				p.Heading, p.Message = i18n.T(ctx, "Not allowed"), i18n.T(ctx, "This address does not accept that kind of request.")
			}
		case http.StatusRequestEntityTooLarge:
			p.Heading = i18n.T(ctx, "Too much data")
			if generic {
				p.Message = i18n.T(ctx, "What was sent is larger than Snapdash accepts. Shorten it and try again.")
			}
		case http.StatusForbidden:
			p.Heading = i18n.T(ctx, "Refused")
		case http.StatusTooManyRequests:
			p.Heading = i18n.T(ctx, "Slow down")
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

// statusHeading is an error page's heading for an HTTP status, in the
// reader's language.
func statusHeading(ctx context.Context, code int) string {
	switch code {
	case http.StatusBadRequest:
		return i18n.T(ctx, "Bad request")
	case http.StatusConflict:
		return i18n.T(ctx, "Conflict")
	case http.StatusUnprocessableEntity:
		return i18n.T(ctx, "Not accepted")
	case http.StatusBadGateway:
		return i18n.T(ctx, "VPS.org is not answering")
	case http.StatusServiceUnavailable:
		return i18n.T(ctx, "Not available right now")
	case http.StatusGatewayTimeout:
		return i18n.T(ctx, "VPS.org is too slow to answer")
	}
	return http.StatusText(code)
}
