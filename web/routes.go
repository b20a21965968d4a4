package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/handlers/activity"
	"github.com/snapdash/snapdash/handlers/auth"
	"github.com/snapdash/snapdash/handlers/fleet"
	"github.com/snapdash/snapdash/handlers/schedules"
	"github.com/snapdash/snapdash/internal/i18n"
)

func (a *App) routes(deps Deps) *echo.Echo {
	api := deps.API
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = a.clientIP

	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{}))
	if deps.Metrics != nil {
		e.Use(measure(deps.Metrics))
	}
	e.Use(a.logRequests())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: a.logPanic}))
	e.Use(a.securityHeaders)
	e.Use(a.language)
	e.Use(a.uncompressed)
	e.Use(middleware.BodyLimit(a.cfg.BodyLimit))

	health := &handlers.Health{Upstream: api, Sessions: deps.Sessions, Now: a.now}
	signIn := &auth.Handler{Site: a.site}
	snaps := &handlers.Snapshots{Site: a.site}
	table := &fleet.Handler{Site: a.site}
	frags := &handlers.Fragments{Site: a.site}
	acts := &activity.Handler{Site: a.site}
	scheds := &schedules.Handler{Site: a.site}

	g := e.Group(a.base)
	if a.base != "" {
		e.GET(a.base, func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, a.base+"/") })
	}
	g.GET("/healthz", health.Live)
	g.GET("/readyz", health.Ready)
	g.GET("/robots.txt", health.Robots)
	g.GET("/static/:hash/:name", a.serveStatic)

	// Every page and fragment opens the session; polls are their own group,
	// marked first so the session knows not to count them as activity.
	session := []echo.MiddlewareFunc{a.requireIdentity, a.readForm, a.loadSession, a.csrfToken}
	pages := g.Group("", session...)
	polls := g.Group("/poll", append([]echo.MiddlewareFunc{a.markPoll(deps.Metrics)}, append(session, a.requireSignIn)...)...)
	signInLimit := middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(a.cfg.SignInPerMinute / 60), Burst: 5, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return echo.NewHTTPError(http.StatusTooManyRequests, i18n.N("Too many sign-in attempts from your address. Wait a minute and try again."))
		},
	})
	pages.GET("/signin", signIn.ShowSignIn)
	pages.POST("/signin", signIn.SignIn, signInLimit, a.checkCSRF)
	pages.POST("/signout", signIn.SignOut, a.checkCSRF)
	pages.POST("/language", a.chooseLanguage, a.checkCSRF)

	// A person's writes are limited after the CSRF check (a forged request
	// spends nothing) and before any handler (a refused one records nothing).
	writeLimit := middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Skipper: func(c echo.Context) bool {
			m := c.Request().Method
			return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
		},
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(a.cfg.WritesPerSecond), Burst: a.cfg.WriteBurst, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: a.writer,
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return echo.NewHTTPError(http.StatusTooManyRequests, i18n.N("Too many changes in a short time: nothing was done with this one. Wait a few seconds and try again."))
		},
	})
	app := pages.Group("", a.requireSignIn, a.checkCSRF, writeLimit)
	app.GET("/", snaps.List)
	app.GET("/snapshots/new", snaps.NewForm)
	app.POST("/snapshots", snaps.Create)
	app.GET("/snapshots/:id/restore", snaps.ConfirmRestore)
	app.POST("/snapshots/:id/restore", snaps.Restore)
	app.POST("/restores/:id/cancel", snaps.CancelRestore)
	app.GET("/snapshots/:id/marks", snaps.ShowMarks)
	app.POST("/snapshots/:id/pin", snaps.Pin)
	app.POST("/snapshots/:id/unpin", snaps.Unpin)
	app.POST("/snapshots/:id/note", snaps.Note)
	app.POST("/snapshots/:id/marks", snaps.SaveMarks)
	app.GET("/snapshots/:id/delete", snaps.ConfirmDelete)
	app.POST("/snapshots/:id/delete", snaps.Delete)
	app.DELETE("/snapshots/:id", snaps.Delete)
	polls.GET("/servers/:id", frags.Poll)
	polls.GET("/changes", frags.Changes)
	polls.GET("/tray", acts.Tray)
	app.GET("/fleet", table.Fleet)
	app.GET("/fleet/delete", table.ConfirmBulkDelete)
	app.POST("/fleet/delete", table.BulkDelete)
	app.GET("/schedules", scheds.List)
	app.POST("/schedules", scheds.Create)
	app.POST("/schedules/:id", scheds.Update)
	app.POST("/schedules/:id/run", scheds.Run)
	app.POST("/schedules/:id/pause", scheds.Pause)
	app.POST("/schedules/:id/resume", scheds.Resume)
	app.POST("/schedules/:id/delete", scheds.Delete)
	polls.GET("/schedules", scheds.Poll)
	app.GET("/activity", acts.List)
	app.GET("/activity.csv", acts.CSV)
	return e
}
