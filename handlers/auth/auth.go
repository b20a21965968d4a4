// Package auth signs people in with their VPS.org token, and out, naming
// the jobs they started and asking what becomes of them.
package auth

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
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
		return "You are signed out. Your API token was forgotten."
	case handlers.SessionIdle:
		return "Your session ended after a while without activity. Sign in again to continue."
	case handlers.SessionExpired:
		return "Your session has ended, perhaps by signing out in another tab. Sign in again to continue."
	case handlers.SessionTooOld:
		return "Your session reached its maximum length. Sign in again to continue."
	case handlers.SessionIdentity:
		return "You are signed in to your organisation as someone else now, so the previous Snapdash session was ended."
	case handlers.TokenRefused:
		return "VPS.org refused your API token, so you were signed out. It may have been revoked; sign in with a current token."
	case handlers.SignInRequired:
		return "Sign in to see your snapshots."
	}
	return ""
}

// stoppedNotice says how many jobs a sign-out stopped, from ?stopped=.
func stoppedNotice(reason, stopped string) string {
	return jobsNotice(reason, stopped,
		" 1 job following one of your actions was stopped; the activity page shows it as “stopped: signed out”.",
		" %d jobs following your actions were stopped; the activity page shows them as “stopped: signed out”.")
}

// keptNotice says how many jobs a sign-out let finish, from ?kept=.
func keptNotice(reason, kept string) string {
	return jobsNotice(reason, kept,
		" 1 job of yours goes on until it ends; your token is kept, sealed, until then and erased after.",
		" %d jobs of yours go on until they end; your token is kept, sealed, until then and erased after.")
}

// jobsNotice words a count of jobs from the address after a sign-out: one,
// or many (a %d); anything but a small positive number says nothing.
func jobsNotice(reason, count, one, many string) string {
	n, err := strconv.Atoi(count)
	if handlers.SignInReason(reason) != handlers.SignedOut || err != nil || n < 1 || n > 1000 {
		return ""
	}
	if n == 1 {
		return one
	}
	return fmt.Sprintf(many, n)
}

// ShowSignIn renders the sign-in form.
func (h *Handler) ShowSignIn(c echo.Context) error {
	if session.From(c.Request().Context()).SignedIn() {
		return c.Redirect(http.StatusSeeOther, h.Site.URL("/"))
	}
	return h.renderForm(c, http.StatusOK, "")
}

func (h *Handler) renderForm(c echo.Context, status int, problem string) error {
	d := views.SignIn{
		Page:      h.Site.Page(c, "Sign in"),
		DemoToken: h.Site.DemoToken,
		Error:     problem,
		Notice: signInNotice(handlers.SignInReason(c.QueryParam("reason"))) + stoppedNotice(c.QueryParam("reason"), c.QueryParam("stopped")) +
			keptNotice(c.QueryParam("reason"), c.QueryParam("kept")),
		Next: h.Site.LocalPath(c.QueryParam("next")),
	}
	return h.Site.Render(c, status, views.SignInPage(d))
}
