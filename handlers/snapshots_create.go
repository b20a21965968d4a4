package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

var nameRule = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

const (
	maxNameLen        = 100
	maxDescriptionLen = 500
)

// validateCreate checks the form before anything is sent to VPS.org.
func validateCreate(ctx context.Context, name, description string) map[string]string {
	errs := map[string]string{}
	switch {
	case name == "":
		errs["name"] = i18n.T(ctx, "Give the snapshot a name.")
	case !utf8.ValidString(name) || !nameRule.MatchString(name):
		errs["name"] = i18n.T(ctx, "A snapshot name may contain only letters, digits, hyphens (-) and underscores (_): no spaces or other characters.")
	case len(name) > maxNameLen:
		errs["name"] = i18n.T(ctx, "Keep the name to %d characters or fewer.", maxNameLen)
	}
	switch {
	case !utf8.ValidString(description):
		errs["description"] = i18n.T(ctx, "The description contains characters that are not text.")
	case utf8.RuneCountInString(description) > maxDescriptionLen:
		errs["description"] = i18n.T(ctx, "Keep the description to %d characters or fewer.", maxDescriptionLen)
	}
	return errs
}

// Create starts a snapshot. A repeated submit of the same form gets the first one's outcome.
func (h *Snapshots) Create(c echo.Context) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	id, ok := ParseServerID(c.FormValue("server_id"))
	if !ok || id == 0 {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.N("The form did not say which server to snapshot. Reload the page and try again."))
	}
	f := views.CreateForm{
		ServerID:    id,
		Name:        strings.TrimSpace(c.FormValue("name")),
		Description: strings.TrimSpace(c.FormValue("description")),
		FormID:      c.FormValue("form_id"),
		AsPage:      !htmx.Enabled(c.Request()),
		Filtered:    c.FormValue("back") == "filtered",
	}
	f.Errors = validateCreate(ctx, f.Name, f.Description)
	// Deleting a snapshot to make room is a delete, whatever form asked it.
	deleteFirst, _ := strconv.ParseInt(c.FormValue("delete_first"), 10, 64)
	if deleteFirst != 0 {
		if err := h.Site.Allowed(c, dashboard.Delete, id, deleteFirst, ""); err != nil {
			return err
		}
		f.Pick = deleteFirst
	} else if c.FormValue("room_offered") == "1" {
		f.Errors["delete_first"] = i18n.T(ctx, "Choose the snapshot to delete first: the server holds 5 of 5, so the new one cannot be taken before one goes. Nothing was changed.")
	}
	if !submitguard.ValidFormID(f.FormID) {
		f.FormID = submitguard.NewFormID()
		if len(f.Errors) == 0 {
			f.Errors[""] = i18n.T(ctx, "This form had expired. Check the values and submit it again.")
		}
	}
	if len(f.Errors) > 0 {
		return h.showCreate(c, f, http.StatusUnprocessableEntity)
	}
	a := dashboard.Action{
		Kind: dashboard.Create, Actor: Actor(st), Token: st.Token(), FormID: f.FormID,
		Session: st.ID(), Groups: st.Groups(),
		ServerID: id, SnapshotName: f.Name, Description: f.Description,
		AllowDuplicateName: c.FormValue("duplicate") == f.Name, DeleteFirst: deleteFirst,
	}
	res, err := h.Site.Restores.Create(ctx, a)
	ex := dashboard.Explain(ctx, a, err)
	switch ex.Why {
	case dashboard.Accepted:
		if r := res.SafeRestore; r.ID != 0 {
			msg := i18n.T(ctx, "%s is deleted to make room, then the snapshot %s is taken. Its progress shows on the card.", r.DeleteName, r.SafetyName)
			return h.done(c, id, views.Flash{Kind: views.FlashOK, Text: msg}, false, true, focusRestoring)
		}
		msg := i18n.T(ctx, "Snapshot %s of %s started. %s", res.Created.Name, res.Created.Server.Name, res.Created.Message)
		return h.done(c, id, views.Flash{Kind: views.FlashOK, Text: msg}, false, true, focusRow(res.Created.ID))
	case dashboard.Repeat:
		return h.done(c, id, views.Flash{Kind: views.FlashInfo, Text: ex.Text}, false, true, focusHeading)
	case dashboard.TokenRefused:
		return err
	case dashboard.NameTaken:
		f.Duplicate = true // the form warns; the same name submitted again goes through
	default:
		for field, msg := range ex.Fields {
			f.Errors[field] = msg
		}
		if ex.Text != "" {
			f.Errors[""] = ex.Text
		}
	}
	if ex.Why != dashboard.GuardDown && ex.Why != dashboard.NotSent {
		f.FormID = submitguard.NewFormID() // a new, deliberate submit is the person's choice
	}
	return h.showCreate(c, f, Status(ex.Reason))
}

// showCreate shows the form again with what was typed and why it was refused.
func (h *Snapshots) showCreate(c echo.Context, f views.CreateForm, status int) error {
	ctx := c.Request().Context()
	f.ServerName = fmt.Sprintf("server %d", f.ServerID)
	srv, err := h.Site.Dash.Server(ctx, session.From(ctx).Token(), f.ServerID)
	switch {
	case err == nil:
		f.ServerName, f.ServerStatus = srv.Name, srv.Status
		if g := h.Site.group(c, srv); g.Full() {
			if err := h.offerRoom(c, g, &f); err != nil {
				return err
			}
		}
	case errors.Is(err, vpsapi.ErrUnauthorized):
		return err
	}
	if status == http.StatusNotFound {
		status = http.StatusUnprocessableEntity // the form is there; the server is not
	}
	return h.renderCreate(c, status, f)
}

// done finishes an action: for htmx the server's refreshed card with the
// message; without JavaScript a flash and a redirect to the page.
func (h *Snapshots) done(c echo.Context, serverID int64, msg views.Flash, closeDialog, clearForm bool, focus focusRule) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	if !htmx.Enabled(c.Request()) {
		st.AddFlash(string(msg.Kind), msg.Text)
		back := h.Site.URL("/")
		switch backTo(c) {
		case "filtered":
			back += "?server_id=" + fmt.Sprint(serverID) // where the form was opened
		case "fleet":
			return c.Redirect(http.StatusSeeOther, h.Site.URL("/fleet"))
		}
		return c.Redirect(http.StatusSeeOther, back+"#"+views.ServerCardID(serverID))
	}
	srv, err := h.Site.Dash.Server(ctx, st.Token(), serverID)
	if err != nil {
		// The action happened; only the refresh failed. Reload the page.
		st.AddFlash(string(msg.Kind), msg.Text)
		return Navigate(c, h.Site.URL("/"))
	}
	g := h.Site.group(c, srv)
	g.Focus = focus(g)
	g.Outcome = &msg
	htmx.Retarget(c.Response(), "#"+views.ServerLiveID(serverID))
	htmx.Reswap(c.Response(), "outerHTML")
	return h.Site.renderUpdated(c, views.Updated{
		Group: g, Flashes: []views.Flash{msg}, CloseDialog: closeDialog, ClearForm: clearForm,
	})
}

// focusRule picks the element that takes focus once an action's card is
// swapped in: the control that was used is gone with the form or dialog.
type focusRule func(g views.ServerGroup) string

// focusHeading focuses the card's heading.
func focusHeading(g views.ServerGroup) string { return views.ServerNameID(g.ID) }

// focusRow focuses a snapshot's row, or the heading if it is not listed.
func focusRow(id int64) focusRule {
	return func(g views.ServerGroup) string {
		if slices.ContainsFunc(g.Snapshots, func(s vpsapi.Snapshot) bool { return s.ID == id }) {
			return views.SnapshotRowID(id)
		}
		return focusHeading(g)
	}
}

// focusAfterDelete focuses the row that followed the deleted one (rows are
// newest first), else the one before it, else "New snapshot".
func focusAfterDelete(deleted time.Time) focusRule {
	return func(g views.ServerGroup) string {
		for _, s := range g.Snapshots {
			if s.CreatedAt.Before(deleted) {
				return views.SnapshotRowID(s.ID)
			}
		}
		if n := len(g.Snapshots); n > 0 {
			return views.SnapshotRowID(g.Snapshots[n-1].ID)
		}
		if !g.Full() && !g.Restoring() {
			return views.ServerNewID(g.ID)
		}
		return focusHeading(g)
	}
}

// focusRestoring focuses the card's note that the server is being restored
// (or that its restore with a safety snapshot runs).
func focusRestoring(g views.ServerGroup) string {
	if g.Restoring() || g.Job != nil {
		return views.ServerRestoringID(g.ID)
	}
	return focusHeading(g)
}

// backTo is where a form opened elsewhere than the whole page returns:
// "filtered" (the page of its server alone), "fleet" (All snapshots), or "".
func backTo(c echo.Context) string {
	switch b := cmp.Or(c.QueryParam("back"), c.FormValue("back")); b {
	case "filtered", "fleet":
		return b
	}
	return ""
}
