package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
)

// CSRF tokens are bound to the session: a token is an HMAC of the session ID
// under the session keys, so a token planted with a cookie from a sibling
// subdomain matches nothing, and signing in (a new session ID) rotates it.
// Before sign-in the token is bound to a random pre-session cookie instead.
// Browsers that say a request is same-site or cross-site are refused outright;
// those that send no Sec-Fetch-Site still need the token.

const preSessionCookie = "snapdash_csrf"

// csrfRefused is the answer to a request without its session's token.
func csrfRefused() error {
	return echo.NewHTTPError(http.StatusForbidden, i18n.N("This form has expired or did not come from Snapdash. Reload the page and try again."))
}

// csrfToken computes the request's token and leaves it for the handlers
// (hidden fields and hx-headers).
func (a *App) csrfToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(handlers.CSRFKey, a.csrfMAC(a.csrfBinding(c), a.cfg.SessionKeys[0]))
		return next(c)
	}
}

// checkCSRF refuses a state-changing request without the token of its
// session. Without a signed-in session only the sign-in changes anything
// (the other routes send the person to sign in first), so only it is checked.
func (a *App) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if !session.From(r.Context()).SignedIn() && c.Path() != a.base+"/signin" {
			return next(c) // nothing to protect: a sign-out of no session
		}
		switch r.Header.Get("Sec-Fetch-Site") {
		case "same-site", "cross-site":
			return csrfRefused()
		}
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = r.PostForm.Get("_csrf") // the body only, never the query string
		}
		if !a.validCSRF(a.csrfBinding(c), sent) {
			return csrfRefused()
		}
		return next(c)
	}
}

// csrfBinding is what the request's token is bound to: its session ID, or
// before sign-in its pre-session cookie (set here when missing).
func (a *App) csrfBinding(c echo.Context) string {
	if id := session.From(c.Request().Context()).ID(); id != "" {
		return "session\x00" + id
	}
	secure := a.cookieSecure(c.Request())
	name := session.HostPrefixed(preSessionCookie, secure, a.base+"/")
	if ck, err := c.Cookie(name); err == nil && len(ck.Value) >= 16 && len(ck.Value) <= 64 {
		return "pre\x00" + ck.Value
	}
	if v, ok := c.Get("csrf-pre").(string); ok {
		return "pre\x00" + v
	}
	v := rand.Text()
	c.Set("csrf-pre", v) // one cookie per response, however often asked
	session.SetCookie(c.Response(), &http.Cookie{
		Name: name, Value: v, Path: a.base + "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(a.cfg.SessionLifetime.Seconds()),
	})
	return "pre\x00" + v
}

// validCSRF checks sent against the token under every session hash key,
// newest first, so pages open across a key rotation still work.
func (a *App) validCSRF(binding, sent string) bool {
	if sent == "" {
		return false
	}
	for i := 0; i < len(a.cfg.SessionKeys); i += 2 {
		if hmac.Equal([]byte(sent), []byte(a.csrfMAC(binding, a.cfg.SessionKeys[i]))) {
			return true
		}
	}
	return false
}

func (a *App) csrfMAC(binding string, key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("snapdash csrf\x00"))
	m.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
