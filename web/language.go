package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/i18n"
)

// langCookie keeps the language a person chose, for the browser's session
// (signed in or not); without it the browser's Accept-Language decides.
const langCookie = "snapdash_lang"

// language puts the request's Translator in its context, for every page,
// fragment and error.
func (a *App) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		chosen := ""
		if ck, err := r.Cookie(langCookie); err == nil {
			chosen = ck.Value
		}
		tr := a.langs.Choose(chosen, r.Header.Get("Accept-Language"))
		if !strings.HasPrefix(c.Path(), a.base+"/static/") {
			c.Response().Header().Add("Vary", "Accept-Language")
		}
		c.SetRequest(r.WithContext(i18n.NewContext(r.Context(), tr)))
		return next(c)
	}
}

// chooseLanguage remembers the language chosen in the header and goes back
// to the page it was chosen on.
func (a *App) chooseLanguage(c echo.Context) error {
	code := a.langs.For(c.FormValue("lang")).Lang()
	http.SetCookie(c.Response(), &http.Cookie{
		Name: langCookie, Value: code, Path: a.base + "/",
		HttpOnly: true, Secure: a.cookieSecure(c.Request()), SameSite: http.SameSiteLaxMode,
	})
	return c.Redirect(http.StatusSeeOther, a.site.LocalPath(c.FormValue("back")))
}
