// Package auth signs people in with their VPS.org token, and out, naming
// the jobs they started and asking what becomes of them.
package auth

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// Handler signs people in and out.
type Handler struct {
	Site *handlers.Site
}

// signInNotice says why the sign-in page is shown, from ?reason=; anything
// else says nothing.
func signInNotice(reason handlers.SignInReason) string {
	switch reason {
	case handlers.SignedOut:
		return i18n.N("You are signed out. Your API token was forgotten.")
	case handlers.SessionIdle:
		return i18n.N("Your session ended after a while without activity. Sign in again to continue.")
	case handlers.SessionExpired:
		return i18n.N("Your session has ended, perhaps by signing out in another tab. Sign in again to continue.")
	case handlers.SessionTooOld:
		return i18n.N("Your session reached its maximum length. Sign in again to continue.")
	case handlers.SessionIdentity:
		return i18n.N("You are signed in to your organisation as someone else now, so the previous Snapdash session was ended.")
	case handlers.TokenRefused:
		return i18n.N("VPS.org refused your API token, so you were signed out. It may have been revoked; sign in with a current token.")
	case handlers.SignInRequired:
		return i18n.N("Sign in to see your snapshots.")
	}
	return ""
}

// stoppedNotice says how many jobs a sign-out stopped, from ?stopped=.
func stoppedNotice(ctx context.Context, reason, stopped string) string {
	n := jobsCount(reason, stopped)
	if n == 0 {
		return ""
	}
	return " " + i18n.T(ctx, "%d jobs following your actions were stopped; the activity page shows them as “stopped: signed out”.", n)
}

// keptNotice says how many jobs a sign-out let finish, from ?kept=.
func keptNotice(ctx context.Context, reason, kept string) string {
	n := jobsCount(reason, kept)
	if n == 0 {
		return ""
	}
	return " " + i18n.T(ctx, "%d jobs of yours go on until they end; your token is kept, sealed, until then and erased after.", n)
}

// jobsCount reads a count of jobs from the address after a sign-out;
// anything but a small positive number is 0 (nothing is said).
func jobsCount(reason, count string) int {
	n, err := strconv.Atoi(count)
	if handlers.SignInReason(reason) != handlers.SignedOut || err != nil || n < 1 || n > 1000 {
		return 0
	}
	return n
}

// ShowSignIn renders the sign-in form.
func (h *Handler) ShowSignIn(c echo.Context) error {
	if session.From(c.Request().Context()).SignedIn() {
		return c.Redirect(http.StatusSeeOther, h.Site.URL("/"))
	}
	return h.renderForm(c, http.StatusOK, "")
}

func (h *Handler) renderForm(c echo.Context, status int, problem string) error {
	ctx := c.Request().Context()
	d := views.SignIn{
		Page:      h.Site.Page(c, "Sign in"),
		DemoToken: h.Site.DemoToken,
		Error:     problem,
		Notice: i18n.Word(ctx, signInNotice(handlers.SignInReason(c.QueryParam("reason")))) + stoppedNotice(ctx, c.QueryParam("reason"), c.QueryParam("stopped")) +
			keptNotice(ctx, c.QueryParam("reason"), c.QueryParam("kept")),
		Next: h.Site.LocalPath(c.QueryParam("next")),
	}
	return h.Site.Render(c, status, views.SignInPage(d))
}
