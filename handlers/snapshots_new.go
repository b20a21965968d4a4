package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/views"
)

// NewForm shows the create form: into the server's card for htmx, as a page without JavaScript.
func (h *Snapshots) NewForm(c echo.Context) error {
	id, ok := ParseServerID(c.QueryParam("server_id"))
	if !ok || id == 0 {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.N("Choose a server to snapshot from the snapshots page."))
	}
	ctx := h.Site.askOnce(c, 0) // at the limit, the room's choices read the list again
	srv, err := h.Site.Dash.Server(ctx, session.From(ctx).Token(), id)
	if err != nil {
		return err
	}
	g := h.Site.group(c, srv)
	f := views.CreateForm{
		ServerID: g.ID, ServerName: g.Name, ServerStatus: g.Status,
		FormID: submitguard.NewFormID(), AsPage: !htmx.Enabled(c.Request()), Errors: map[string]string{},
		Filtered: c.QueryParam("back") == "filtered",
	}
	if g.Full() {
		if err := h.offerRoom(c, g, &f); err != nil {
			return err
		}
	}
	return h.renderCreate(c, http.StatusOK, f)
}

// offerRoom fills in, for a full server, what may be deleted to make room
// for the new snapshot, or why nothing can be.
func (h *Snapshots) offerRoom(c echo.Context, g views.ServerGroup, f *views.CreateForm) error {
	ctx := c.Request().Context()
	say := func(msg string) {
		if f.Errors[""] == "" { // a refusal's own words come first
			f.Errors[""] = msg
		}
	}
	if !g.CanMakeRoom {
		if g.NoDelete != "" {
			say(i18n.T(ctx, "%s already has %d snapshots, the most VPS.org allows, and making room means deleting one: %s", g.Name, g.Limit, g.NoDelete))
		} else {
			say(i18n.T(ctx, "%s already has %d snapshots, the most VPS.org allows. Delete one before creating another.", g.Name, g.Limit))
		}
		return nil
	}
	room, err := h.Site.Restores.RoomChoices(ctx, session.From(ctx).Token(), g.ID)
	if err != nil {
		return err
	}
	for _, s := range room {
		f.Room = append(f.Room, views.SnapshotChoice{ID: s.ID, Name: s.Name, Created: s.CreatedAt})
	}
	if len(f.Room) == 0 {
		say(i18n.T(ctx, "%s already has %d snapshots, and none of them may be deleted to make room: they are pinned, in progress or used by a restore.", g.Name, g.Limit))
	}
	return nil
}

func (h *Snapshots) renderCreate(c echo.Context, status int, f views.CreateForm) error {
	f.Page = h.Site.Page(c, "New snapshot of %s", f.ServerName)
	return h.Site.renderForm(c, status, f.Page, f.AsPage, views.CreateFormBody(f), false)
}

// renderForm shows a form as its own page without JavaScript, or as the
// htmx fragment swapped into the current page (a dialog for confirmations).
func (s *Site) renderForm(c echo.Context, status int, p views.Page, asPage bool, body templ.Component, dialog bool) error {
	switch {
	case asPage:
		body = views.NarrowPage(p, body)
	case dialog:
		body = views.Dialog(body)
	}
	return s.Render(c, status, body)
}
