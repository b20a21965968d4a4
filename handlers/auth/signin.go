package auth

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// maxTokenLen bounds what is accepted as a token before asking VPS.org.
const maxTokenLen = 512

// SignIn checks the pasted token with one upstream list call and, if VPS.org
// accepts it, stores it in a new server-side session.
func (h *Handler) SignIn(c echo.Context) error {
	// The body only: a token in the query string would sit in logs and history.
	ctx := c.Request().Context()
	pasted := strings.TrimSpace(c.Request().PostFormValue("token"))
	token := vpsapi.Token(pasted)
	switch {
	case pasted == "":
		return h.renderForm(c, http.StatusUnprocessableEntity, i18n.T(ctx, "Paste your VPS.org API token to sign in."))
	case len(pasted) > maxTokenLen || strings.ContainsFunc(pasted, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return h.renderForm(c, http.StatusUnprocessableEntity, i18n.T(ctx, "That does not look like a VPS.org API token: it is too long or contains spaces or control characters."))
	}
	err := h.Site.Dash.CheckToken(ctx, token)
	switch {
	case errors.Is(err, vpsapi.ErrUnauthorized):
		h.Site.Log.InfoContext(ctx, "sign-in refused by upstream", "token", token)
		return h.renderForm(c, http.StatusUnauthorized, i18n.T(ctx, "This token was refused by VPS.org. Check that you copied all of it and that it has not been revoked, then paste it again."))
	case err != nil:
		h.Site.Log.WarnContext(ctx, "sign-in check failed", "error", err)
		return h.renderForm(c, http.StatusBadGateway, i18n.T(ctx, "VPS.org could not be reached to check your token. Nothing was stored; try again in a moment."))
	}
	st := session.From(ctx)
	if err := st.SignIn(ctx, token, st.RequestIdentity()); err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.N("Snapdash cannot reach its session store right now, so you could not be signed in. Nothing was stored; try again in a moment.")).SetInternal(err)
	}
	h.Site.Log.InfoContext(ctx, "signed in", "token", token, "identity", st.RequestIdentity())
	st.AddFlash(string(views.FlashOK), i18n.T(ctx, "Signed in. Your token is kept on the Snapdash server for this session only."))
	return c.Redirect(http.StatusSeeOther, h.Site.URL(h.Site.LocalPath(c.FormValue("next"))))
}
