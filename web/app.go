// Package web is the Echo shell: the application, its routes and middleware
// (identity, session, CSRF, security headers, logging, metrics) and the
// central error handler. It alone imports handlers; Echo types stay in web/
// and handlers/.
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/metrics"
	"github.com/snapdash/snapdash/internal/services"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/static"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// Config is what the web application needs to know.
type Config struct {
	BasePath        string         // "/" or "/prefix/"
	SessionKeys     [][]byte       // hash/block key pairs, newest first
	IdleTimeout     time.Duration  // session ends after this long without activity
	SessionLifetime time.Duration  // and this long after sign-in at most
	TrustedProxies  []netip.Prefix // peers whose identity and forwarding headers are believed
	SecureCookies   bool           // cookies always Secure, for a proxy that sends no X-Forwarded-Proto
	UserHeader      string         // header with the SSO identity
	GroupsHeader    string         // header with the SSO groups, comma-separated
	SnapshotMaxAge  time.Duration  // older snapshots are marked in the table
	PricePerGBMonth float64        // prices the table's snapshots; 0: no price shown
	PriceCurrency   string         // shown with the price; "": none
	RequireIdentity bool           // refuse requests that carry no believed identity
	Simulator       bool           // say so in a banner
	DemoToken       string         // shown on the sign-in page
	BodyLimit       string         // request body limit, e.g. "64K"
	SignInPerMinute float64        // sign-in attempts per client address
	// WritesPerSecond and WriteBurst limit each signed-in person's unsafe
	// requests (creates, notes, pins, …): beyond them, 429 and nothing done.
	WritesPerSecond float64
	WriteBurst      int
}

// API is what the application needs of the VPS.org client.
type API interface {
	vpsapi.API
	handlers.Pinger
}

// Defaults for Config fields left zero. cmd/snapdash's settings default to
// the same values: they are kept here only.
const (
	DefaultIdleTimeout     = 8 * time.Hour
	DefaultSessionLifetime = 24 * time.Hour
	DefaultUserHeader      = "X-Forwarded-Email"
	DefaultGroupsHeader    = "X-Forwarded-Groups"
	DefaultSnapshotMaxAge  = 30 * 24 * time.Hour
	DefaultBodyLimit       = "64K"
	DefaultSignInPerMinute = 10
	DefaultWritesPerSecond = 1
	DefaultWriteBurst      = 20
)

// Deps are the application's collaborators.
type Deps struct {
	API      API // for the readiness probe; the use cases have their own
	Sessions session.Backend
	// Services are the use cases, built by the composition root
	// (cmd/snapdash) on the store and the job engine that carries them out.
	Services *services.Services
	Metrics  *metrics.Metrics // nil: nothing measured; served on its own listener by cmd
	Log      *slog.Logger
	Now      func() time.Time // default time.Now
}

// App is the running web application.
type App struct {
	cfg      Config
	base     string // "" or "/prefix"
	log      *slog.Logger
	now      func() time.Time
	sessions *session.Manager
	site     *handlers.Site
	langs    *i18n.Catalog
	handler  http.Handler
}

// New builds the application.
func New(cfg Config, deps Deps) (*App, error) {
	if deps.API == nil || deps.Sessions == nil || deps.Services == nil {
		return nil, errors.New("web: API, Sessions and Services are required")
	}
	if len(cfg.SessionKeys) < 2 || len(cfg.SessionKeys)%2 != 0 {
		return nil, errors.New("web: session keys come in hash/block pairs")
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	if cfg.UserHeader == "" {
		cfg.UserHeader = DefaultUserHeader
	}
	if cfg.GroupsHeader == "" {
		cfg.GroupsHeader = DefaultGroupsHeader
	}
	if cfg.SnapshotMaxAge <= 0 {
		cfg.SnapshotMaxAge = DefaultSnapshotMaxAge
	}
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.SignInPerMinute <= 0 {
		cfg.SignInPerMinute = DefaultSignInPerMinute
	}
	if cfg.WritesPerSecond <= 0 {
		cfg.WritesPerSecond = DefaultWritesPerSecond
	}
	if cfg.WriteBurst <= 0 {
		cfg.WriteBurst = DefaultWriteBurst
	}
	assets, err := static.Load()
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	base := strings.TrimSuffix(cfg.BasePath, "/")
	if base != "" && !strings.HasPrefix(base, "/") {
		return nil, fmt.Errorf("web: base path %q must start with /", cfg.BasePath)
	}
	store := session.NewStore(deps.Sessions, cfg.SessionLifetime, cfg.SessionKeys...)
	langs, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	for _, code := range langs.Codes() {
		if code == "en" {
			continue // the scripts' own words
		}
		if err := assets.Add(views.WordsAsset(code), views.WordsScript(langs.For(code))); err != nil {
			return nil, fmt.Errorf("web: %s script words: %w", code, err)
		}
	}
	a := &App{
		langs: langs,
		cfg:   cfg,
		base:  base,
		log:   deps.Log,
		now:   deps.Now,
		sessions: session.NewManager(store, session.Config{
			Name: "snapdash_session", Idle: cfg.IdleTimeout, Lifetime: cfg.SessionLifetime,
			Path: base + "/", Now: deps.Now,
		}),
		site: &handlers.Site{
			BasePath: base, Assets: assets, Simulator: cfg.Simulator, DemoToken: cfg.DemoToken,
			Log: deps.Log, SnapshotMaxAge: cfg.SnapshotMaxAge, PricePerGBMonth: cfg.PricePerGBMonth, PriceCurrency: cfg.PriceCurrency,
			Dash: deps.Services.Dash, Restores: deps.Services.Restores, Bulk: deps.Services.Bulk, Schedules: deps.Services.Schedules, SignOut: deps.Services.SignOut, Activity: deps.Services.Activity, Marks: deps.Services.Marks, Feed: deps.Services.Feed, Fleet: deps.Services.Fleet,
		},
	}
	if a.handler, err = compressed(a.routes(deps)); err != nil {
		return nil, err
	}
	return a, nil
}

// ServeHTTP serves one request.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// peerTrusted reports whether the direct peer is one of the trusted proxies.
func (a *App) peerTrusted(r *http.Request) bool {
	if len(a.cfg.TrustedProxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && a.trustedAddr(ap.Addr())
}

// secure reports whether the browser reached us over HTTPS.
func (a *App) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return a.peerTrusted(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// cookieSecure reports whether cookies are marked Secure (and, at base path
// "/", named with the __Host- prefix): over HTTPS, or always when so configured.
func (a *App) cookieSecure(r *http.Request) bool {
	return a.cfg.SecureCookies || a.secure(r)
}

// identity is the SSO identity of the request, believed only from a trusted proxy.
func (a *App) identity(r *http.Request) string {
	if !a.peerTrusted(r) {
		return ""
	}
	v := strings.TrimSpace(r.Header.Get(a.cfg.UserHeader))
	if len(v) > 256 || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return ""
	}
	return v
}

// groups are the SSO groups of the request, believed only from a trusted
// proxy: sorted, comma-joined, at most 100 of 256 characters each.
func (a *App) groups(r *http.Request) string {
	if !a.peerTrusted(r) {
		return ""
	}
	var out []string
	for _, g := range strings.Split(r.Header.Get(a.cfg.GroupsHeader), ",") {
		g = strings.TrimSpace(g)
		if g == "" || len(g) > 256 || strings.ContainsFunc(g, func(r rune) bool { return r < ' ' || r == 0x7f }) || len(out) == 100 {
			continue
		}
		out = append(out, g)
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), ",")
}
