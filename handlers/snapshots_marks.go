package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/services/mark"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// marksFor loads the pin and note dialog of the addressed snapshot.
func (h *Snapshots) marksFor(c echo.Context) (views.MarksForm, error) {
	snapID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	serverID, ok := ParseServerID(c.QueryParam("server_id"))
	if err != nil || snapID <= 0 || !ok || serverID == 0 {
		return views.MarksForm{}, echo.NewHTTPError(http.StatusNotFound, i18n.N("There is no such snapshot."))
	}
	ctx := h.Site.askOnce(c, 0)
	srv, err := h.Site.Dash.Server(ctx, session.From(ctx).Token(), serverID)
	if err != nil {
		return views.MarksForm{}, err
	}
	for _, s := range srv.Snapshots {
		if s.ID != snapID {
			continue
		}
		f := views.MarksForm{ServerID: serverID, ServerName: srv.Name, SnapshotID: snapID, SnapshotName: s.Name, AsPage: !htmx.Enabled(c.Request()),
			FromFleet: backTo(c) == "fleet"}
		if p, ok := srv.Pins[snapID]; ok {
			f.Pin = &views.Mark{Actor: p.Actor, Text: p.Reason, At: p.At}
		}
		if n, ok := srv.Notes[snapID]; ok {
			f.Note = n.Text
		}
		return f, nil
	}
	return views.MarksForm{}, &vpsapi.Error{Kind: vpsapi.ErrNotFound, Op: "find snapshot"}
}

func (h *Snapshots) renderMarks(c echo.Context, status int, f views.MarksForm) error {
	f.Page = h.Site.Page(c, "Pin or note %s", f.SnapshotName)
	return h.Site.renderForm(c, status, f.Page, f.AsPage, views.MarksBody(f), true)
}

// ShowMarks opens a snapshot's pin and note dialog.
func (h *Snapshots) ShowMarks(c echo.Context) error {
	f, err := h.marksFor(c)
	if err != nil {
		return err
	}
	return h.renderMarks(c, http.StatusOK, f)
}

// Pin keeps a snapshot from being deleted through Snapdash.
func (h *Snapshots) Pin(c echo.Context) error { return h.saveMarks(c, "pin") }

// Unpin lets a snapshot be deleted again.
func (h *Snapshots) Unpin(c echo.Context) error { return h.saveMarks(c, "unpin") }

// Note sets a snapshot's note.
func (h *Snapshots) Note(c echo.Context) error { return h.saveMarks(c, "note") }

// SaveMarks is the pin and note dialog's one form: pin (with its reason) or
// unpin, and the note, in one submit; nothing typed is dropped. The note is
// saved when it changed, whichever button was pressed.
func (h *Snapshots) SaveMarks(c echo.Context) error { return h.saveMarks(c, c.FormValue("do")) }

func (h *Snapshots) saveMarks(c echo.Context, do string) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	if do == "unpin" {
		if err := h.allowed(c, activity.Unpin); err != nil {
			return err
		}
	}
	f, err := h.marksFor(c)
	if err != nil {
		return h.gone(c, err, i18n.T(ctx, "That snapshot is no longer there."))
	}
	before := f.Note
	_, noted := c.Request().PostForm["note"] // a form without the field leaves the note alone
	f.Reason = c.FormValue("reason")
	if noted {
		f.Note = c.FormValue("note")
	}
	save := func(kind, text string) error {
		_, err := h.Site.Marks.Snapshot(ctx, mark.Mark{Kind: kind, Actor: Actor(st), Token: st.Token(), ServerID: f.ServerID, SnapshotID: f.SnapshotID, Text: text})
		return err
	}
	var said []string
	switch do {
	case "pin":
		if f.Reason == "" {
			f.Error = i18n.T(ctx, "Say why the snapshot must be kept: the reason shows to everyone who would delete it. Nothing was changed.")
			return h.renderMarks(c, http.StatusUnprocessableEntity, f)
		}
		err = save(activity.Pin, f.Reason)
		said = append(said, i18n.T(ctx, "%s is pinned: nobody can delete it through Snapdash until it is unpinned.", f.SnapshotName))
	case "unpin":
		err = save(activity.Unpin, "")
		said = append(said, i18n.T(ctx, "%s is no longer pinned.", f.SnapshotName))
	}
	if err == nil && f.Note != before {
		err = save(activity.Note, f.Note)
		said = append(said, i18n.T(ctx, "The note on %s is saved.", f.SnapshotName))
	}
	switch {
	case errors.Is(err, mark.ErrTooLong):
		f.Error = i18n.T(ctx, "That is too long (%s). Nothing more was changed.", err.Error())
		return h.renderMarks(c, http.StatusUnprocessableEntity, f)
	case err != nil:
		return h.gone(c, err, i18n.T(ctx, "That snapshot is no longer there."))
	}
	if len(said) == 0 {
		said = append(said, i18n.T(ctx, "Nothing changed on %s.", f.SnapshotName))
	}
	return h.done(c, f.ServerID, views.Flash{Kind: views.FlashOK, Text: strings.Join(said, " ")}, true, false, focusRow(f.SnapshotID))
}
