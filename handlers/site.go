// Package handlers holds what the Echo handlers of every area share (Site:
// rendering, the person's roles, the words of an outcome and its HTTP
// status) and the handlers of the snapshot cards (Snapshots, Fragments,
// Health). Each other area is a package of its own beneath it: auth,
// fleet, activity, schedules. A handler reads the request, calls a use
// case, picks the view and the status, and renders.
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/render"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/services/activitylog"
	"github.com/snapdash/snapdash/internal/services/bulkdelete"
	"github.com/snapdash/snapdash/internal/services/feed"
	"github.com/snapdash/snapdash/internal/services/fleet"
	"github.com/snapdash/snapdash/internal/services/mark"
	"github.com/snapdash/snapdash/internal/services/restore"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/services/signout"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/static"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// CSRFKey is where the CSRF middleware leaves the token in the Echo context.
const CSRFKey = "csrf"

// Site is what every page needs to know about the running Snapdash.
type Site struct {
	BasePath  string // "" or "/prefix"
	Assets    *static.Assets
	Simulator bool
	DemoToken string // shown on the sign-in page in simulator mode
	Log       *slog.Logger
	Dash      *dashboard.Dashboard // the shared use cases: reading, acting, marking
	Restores  *restore.Service     // restores with a safety snapshot, new snapshots that make room
	Bulk      *bulkdelete.Service
	Fleet     *fleet.Service // the table of every snapshot
	Schedules *schedule.Service
	SignOut   *signout.Service // what a session's end does to its jobs
	Activity  *activitylog.Service
	Marks     *mark.Service // pins and notes
	Feed      *feed.Service // what the team changed, for the pages to follow
	// SnapshotMaxAge marks older snapshots in the table; PricePerGBMonth
	// (0: none) prices what the table shows.
	SnapshotMaxAge  time.Duration
	PricePerGBMonth float64
	PriceCurrency   string // shown with the price: "EUR", "€"; "" none

	pages render.Renderer
}

// Now is the time the pages show ages against.
func (s *Site) Now() time.Time { return s.Dash.Now() }

// group is a server's card: what the dashboard loaded, as the view shows it.
func (s *Site) group(c echo.Context, srv dashboard.Server) views.ServerGroup {
	csrf, _ := c.Get(CSRFKey).(string)
	g := views.ServerGroup{
		Base: s.BasePath, Now: s.Now(), ID: srv.ID, Name: srv.Name, Status: srv.Status,
		Limit: dashboard.Limit, Snapshots: srv.Snapshots, RestoringFrom: srv.RestoringFrom, CSRF: csrf,
	}
	if r := srv.Job; r != nil {
		g.Job = jobView(i18n.From(c.Request().Context()), *r, srv.Snapshots)
	}
	for id, a := range srv.CreatedBy {
		if g.CreatedBy == nil {
			g.CreatedBy = map[int64]views.Attribution{}
		}
		g.CreatedBy[id] = views.Attribution{Actor: a.Actor, At: a.At}
	}
	g.MarksOn = true
	groups := session.From(c.Request().Context()).Groups()
	if ok, why := s.Dash.Roles().AllowsIn(i18n.From(c.Request().Context()), groups, dashboard.Restore); !ok {
		g.NoRestore = why
	}
	if ok, why := s.Dash.Roles().AllowsIn(i18n.From(c.Request().Context()), groups, dashboard.Delete); !ok {
		g.NoDelete = why
	}
	g.CanMakeRoom = g.NoDelete == ""
	for id, p := range srv.Pins {
		if g.Pins == nil {
			g.Pins = map[int64]views.Mark{}
		}
		g.Pins[id] = views.Mark{Actor: p.Actor, Text: p.Reason, At: p.At}
	}
	for id, n := range srv.Notes {
		if g.Notes == nil {
			g.Notes = map[int64]views.Mark{}
		}
		g.Notes[id] = views.Mark{Actor: n.Actor, Text: n.Text, At: n.At}
	}
	if sc := srv.Schedule; sc != nil {
		g.Schedule = &views.ScheduleLine{ID: sc.ID, When: schedule.SummaryIn(i18n.From(c.Request().Context()), *sc), Paused: sc.Paused, NextRun: sc.NextRun, LastOutcome: sc.LastOutcome, Alert: sc.Alert}
	}
	if a := srv.RestoredBy; a != nil {
		g.RestoredBy = &views.Attribution{Actor: a.Actor, At: a.At}
	}
	return g
}

// allowed checks the roles before an action; a refusal is recorded and
// answered 403 with nothing sent to VPS.org.
func (s *Site) Allowed(c echo.Context, action string, serverID, snapshotID int64, snapshotName string) error {
	st := session.From(c.Request().Context())
	ok, why := s.Dash.Roles().AllowsIn(i18n.From(c.Request().Context()), st.Groups(), action)
	if ok {
		return nil
	}
	if c.Request().Method == http.MethodPost || c.Request().Method == http.MethodDelete {
		s.Dash.RefusedByRole(c.Request().Context(), st.Token(), Actor(st), action, serverID, snapshotID, snapshotName, why)
	}
	return echo.NewHTTPError(http.StatusForbidden, why+" Nothing was sent to VPS.org.")
}

// actor names the person for the record: the SSO identity, else the token's last characters.
func Actor(st *session.State) string {
	if id := st.Identity(); id != "" {
		return id
	}
	return st.Token().String()
}

// Render writes comp as the answer, with status; see render.Renderer.
func (s *Site) Render(c echo.Context, status int, comp templ.Component) error {
	return s.pages.Component(c.Response(), c.Request(), status, comp)
}

// URL prefixes an absolute path with the base path.
func (s *Site) URL(path string) string { return s.BasePath + path }

// Asset is the cache-busting URL of a static file.
func (s *Site) Asset(name string) string { return s.BasePath + "/static/" + s.Assets.Path(name) }

// Page builds the common page data for c's request, and for a whole page takes
// its flash messages.
func (s *Site) Page(c echo.Context, title string, args ...any) views.Page {
	ctx := c.Request().Context()
	st := session.From(ctx)
	csrf, _ := c.Get(CSRFKey).(string)
	p := views.Page{
		Title:     i18n.T(ctx, title, args...),
		Section:   title,
		Lang:      i18n.From(ctx).Lang(),
		Here:      c.Request().URL.RequestURI(),
		BasePath:  s.BasePath,
		Asset:     s.Asset,
		CSRF:      csrf,
		Simulator: s.Simulator,
		Identity:  st.RequestIdentity(),
		Groups:    st.Groups(),
		SignedIn:  st.SignedIn(),
		ReadAt:    s.Now(),
	}
	if p.SignedIn {
		p.TokenHint = st.Token().String()
	}
	// Only a whole page shows the flash region: for an htmx fragment, queued
	// messages stay queued for the next page.
	if p.SignedIn && !htmx.Enabled(c.Request()) {
		st.TakeFlashes(func(kind, text string) {
			p.Flashes = append(p.Flashes, views.Flash{Kind: views.FlashKind(kind), Text: text})
		})
	}
	return p
}

// LocalPath keeps a redirect target inside Snapdash: an absolute path below the
// base path, never another host. Anything else yields "/".
func (s *Site) LocalPath(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/"
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return p
}

// navigate sends the browser to url as a full page (see htmx.Navigate).
func Navigate(c echo.Context, url string) error {
	htmx.Navigate(c.Response(), c.Request(), url)
	return nil
}

// askOnce makes the rest of a GET ask VPS.org each question once, the
// server's status at once (Dashboard.AskOnce): a dialog opens in one
// upstream call's time. Not for a POST: an action may wait on another's
// outcome (the double-submit guard), and what it reads after must be new.
func (s *Site) askOnce(c echo.Context, serverID int64) context.Context {
	ctx := c.Request().Context()
	if c.Request().Method != http.MethodGet {
		return ctx
	}
	ctx = s.Dash.AskOnce(ctx, session.From(ctx).Token(), serverID)
	c.SetRequest(c.Request().WithContext(ctx))
	return ctx
}

// jobView is a running restore's box on its card. What the card lists may
// be ahead of the job's step (its safety snapshot failed, seen before the
// job's next look) or a cancel may wait for it: the box says so, not the
// step, and offers no Cancel.
func jobView(tr *i18n.Translator, r restores.Restore, snaps []vpsapi.Snapshot) *views.RestoreJob {
	safetyFailed := r.SafetyID != 0 && slices.ContainsFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == r.SafetyID && s.Failed() })
	return &views.RestoreJob{ID: r.ID, SnapshotID: r.SnapshotID, SafetyID: r.SafetyID, Step: r.Step, Text: r.NowWords(tr, safetyFailed), Actor: r.Actor, Started: r.Started,
		Cancellable: r.Cancellable() && !r.CancelRequested && !safetyFailed, Cancelling: r.CancelRequested}
}
