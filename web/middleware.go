package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
)

const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries. Pages and fragments
// are personal: nothing may cache them.
func (a *App) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if a.secure(c.Request()) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// requireIdentity refuses requests that did not come through the SSO proxy
// with an identity, when so configured.
func (a *App) requireIdentity(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.cfg.RequireIdentity && a.identity(c.Request()) == "" {
			return echo.NewHTTPError(http.StatusForbidden, i18n.N("Snapdash is only available through your organisation's single sign-on. Open it from the usual address."))
		}
		return next(c)
	}
}

// readForm parses a posted form up front, so a malformed one gets a clear
// 400 instead of looking like empty fields (or a missing CSRF token).
func (a *App) readForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodPost || r.Method == http.MethodDelete {
			if err := r.ParseForm(); err != nil {
				var mbe *http.MaxBytesError
				var he *echo.HTTPError
				if errors.As(err, &mbe) || errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
					return echo.NewHTTPError(http.StatusRequestEntityTooLarge).SetInternal(err)
				}
				return echo.NewHTTPError(http.StatusBadRequest, i18n.N("The form could not be read. Reload the page and try again.")).SetInternal(err)
			}
		}
		return next(c)
	}
}

// clientIP is the address a request came from: the proxy's X-Forwarded-For
// is believed only when the peer is a trusted proxy.
func (a *App) clientIP(r *http.Request) string {
	if a.peerTrusted(r) {
		hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
		// Walk from the nearest hop; the first untrusted one is the client.
		for i := len(hops) - 1; i >= 0; i-- {
			ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			if !a.trustedAddr(ip) {
				return ip.String()
			}
		}
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ap.Addr().Unmap().String()
}

func (a *App) trustedAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// loadSession opens the session, puts it in the request context and saves its
// changes just before the response is written.
func (a *App) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		st, err := a.sessions.Load(c.Response(), r, a.cookieSecure(r), !a.isPoll(c), a.identity(r), a.groups(r))
		if err != nil {
			// The store is down: say so rather than sign the person out.
			return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.N("Snapdash cannot reach its session store right now. Try again in a moment.")).SetInternal(err)
		}
		c.SetRequest(r.WithContext(session.NewContext(r.Context(), st)))
		c.Response().Before(func() {
			if err := st.Save(); err != nil {
				a.log.ErrorContext(r.Context(), "session save failed", "error", err)
			}
		})
		if st.Ended() != session.EndedNone {
			a.log.InfoContext(r.Context(), "session ended", "reason", st.Ended())
		}
		if st.Ended() == session.EndedIdentity {
			// Another person or other groups: the session's jobs must not
			// go on with the token it held.
			if n, err := a.site.SignOut.EndJobsOfChangedIdentity(r.Context(), st.ID()); err != nil {
				a.log.ErrorContext(r.Context(), "the jobs of a session ended by a change of identity were not stopped", "error", err)
			} else if n > 0 {
				a.log.InfoContext(r.Context(), "jobs stopped: identity or groups changed", "jobs", n)
			}
		}
		return next(c)
	}
}

// requireSignIn sends signed-out people to the sign-in page, remembering where they were going.
func (a *App) requireSignIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st := session.From(c.Request().Context())
		if st.SignedIn() {
			return next(c)
		}
		reason := handlers.SignInReason(st.Ended())
		if reason == "" {
			reason = handlers.SignInRequired
		}
		back := ""
		if c.Request().Method == http.MethodGet && !htmx.Enabled(c.Request()) {
			back = strings.TrimPrefix(c.Request().URL.RequestURI(), a.base)
		}
		return navigate(c, a.site.SignInURL(reason, back))
	}
}

// logRequests writes one structured line per request.
func (a *App) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogURIPath: true, LogLatency: true, LogRequestID: true,
		LogRemoteIP: true, LogError: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			switch {
			case v.Status >= 500:
				level = slog.LevelError
			case a.isPoll(c) && v.Status < 400:
				level = slog.LevelDebug
			}
			if !a.log.Enabled(c.Request().Context(), level) {
				return nil
			}
			attrs := []slog.Attr{
				slog.String("request_id", v.RequestID),
				slog.String("method", v.Method),
				slog.String("path", v.URIPath),
				slog.Int("status", v.Status),
				slog.Duration("took", v.Latency),
				slog.String("client", v.RemoteIP),
			}
			if who := a.identity(c.Request()); who != "" {
				attrs = append(attrs, slog.String("user", who))
			} else if st := session.From(c.Request().Context()); st.SignedIn() {
				attrs = append(attrs, slog.String("user", st.Token().String()))
			}
			if v.Error != nil && !errors.Is(v.Error, context.Canceled) {
				attrs = append(attrs, slog.String("error", v.Error.Error()))
			}
			a.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

func (a *App) logPanic(c echo.Context, err error, stack []byte) error {
	a.log.ErrorContext(c.Request().Context(), "panic", "error", err, "stack", string(stack),
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	return err
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// compressed wraps h so pages and fragments are gzipped, at the fastest level:
// most of the saving for a fraction of the CPU.
func compressed(h http.Handler) (http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.CompressionLevel(gzip.BestSpeed), gzhttp.EnableZstd(false))
	if err != nil {
		return nil, err
	}
	return wrap(h), nil
}

// uncompressed keeps the sign-in page plain: it reflects the `next` address
// next to the CSRF token, the pattern BREACH exploits. Static files come
// compressed already.
func (a *App) uncompressed(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := strings.TrimPrefix(c.Path(), a.base)
		if p == "/signin" || strings.HasPrefix(p, "/static/") {
			c.Response().Header().Set(gzhttp.HeaderNoCompression, "1")
		}
		return next(c)
	}
}

func (a *App) serveStatic(c echo.Context) error {
	asset, ok := a.site.Assets.Get(c.Param("name"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, i18n.N("No such file."))
	}
	h := c.Response().Header()
	if c.Param("hash") == asset.Hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// An old page asking for an older version: serve this one, briefly cached.
		h.Set("Cache-Control", "public, max-age=60")
	}
	h.Set("ETag", `"`+asset.Hash+`"`) // Vary: Accept-Encoding comes from the compression wrapper
	data := asset.Data
	if asset.Gzip != nil && acceptsGzip(c.Request()) {
		data = asset.Gzip
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", asset.ContentType)
	http.ServeContent(c.Response(), c.Request(), asset.Name, time.Time{}, bytes.NewReader(data))
	return nil
}

// writer is whose writes a request counts against: the SSO identity, so
// two tabs or sessions of one person share a limit; else the session.
func (a *App) writer(c echo.Context) (string, error) {
	st := session.From(c.Request().Context())
	if id := st.Identity(); id != "" {
		return "identity:" + id, nil
	}
	return "session:" + st.ID(), nil
}
