package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

var nameRule = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

const (
	maxNameLen        = 100
	maxDescriptionLen = 500
)

// validateCreate checks the form before anything is sent to VPS.org.
func validateCreate(name, description string) map[string]string {
	errs := map[string]string{}
	switch {
	case name == "":
		errs["name"] = "Give the snapshot a name."
	case !utf8.ValidString(name) || !nameRule.MatchString(name):
		errs["name"] = "A snapshot name may contain only letters, digits, hyphens (-) and underscores (_): no spaces or other characters."
	case len(name) > maxNameLen:
		errs["name"] = fmt.Sprintf("Keep the name to %d characters or fewer.", maxNameLen)
	}
	switch {
	case !utf8.ValidString(description):
		errs["description"] = "The description contains characters that are not text."
	case utf8.RuneCountInString(description) > maxDescriptionLen:
		errs["description"] = fmt.Sprintf("Keep the description to %d characters or fewer.", maxDescriptionLen)
	}
	return errs
}

// Create starts a snapshot. A repeated submit of the same form gets the first one's outcome.
func (h *Snapshots) Create(c echo.Context) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	hx := htmx.Enabled(c.Request())
	id, ok := parseServerID(c.FormValue("server_id"))
	if !ok || id == 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "The form did not say which server to snapshot. Reload the page and try again.")
	}
	f := views.CreateForm{
		ServerID:    id,
		Name:        strings.TrimSpace(c.FormValue("name")),
		Description: strings.TrimSpace(c.FormValue("description")),
		FormID:      c.FormValue("form_id"),
		AsPage:      !hx,
		Filtered:    c.FormValue("back") == "filtered",
	}
	f.Errors = validateCreate(f.Name, f.Description)
	if !validFormID(f.FormID) {
		f.FormID = newFormID()
		if len(f.Errors) == 0 {
			f.Errors[""] = "This form had expired. Check the values and submit it again."
		}
	}
	if len(f.Errors) > 0 {
		return h.showCreate(c, f, http.StatusUnprocessableEntity)
	}
	warned := c.FormValue("duplicate") == f.Name
	v, err, dup := h.Once.Do(ctx, onceKey("create", st.Token(), f.FormID), func(ctx context.Context) (any, error) {
		// Inside the guard, so a double click gets this same answer.
		if !warned {
			if taken, err := h.hasSnapshotNamed(ctx, st.Token(), id, f.Name); err != nil || taken {
				return nil, notSent{cmp.Or(err, errNameTaken)}
			}
		}
		return h.API.CreateSnapshot(ctx, st.Token(), vpsapi.CreateRequest{ServerID: id, Name: f.Name, Description: f.Description})
	})
	created, _ := v.(vpsapi.Created)
	var ns notSent
	switch {
	case errors.Is(err, errNameTaken):
		f.Duplicate = true // warned; the same name submitted again goes through
		f.FormID = newFormID()
		return h.showCreate(c, f, http.StatusUnprocessableEntity)
	case errors.As(err, &ns):
		return ns.error // the check before the create failed: nothing was sent
	}
	if sent(err, dup) {
		res, detail := outcome(err)
		h.Site.record(ctx, activity.Record{
			Actor: who(st), Action: activity.Create, ServerID: id, ServerName: cmp.Or(created.Server.Name, fmt.Sprintf("server %d", id)),
			SnapshotID: created.ID, SnapshotName: f.Name, Outcome: res, Detail: cmp.Or(detail, created.Message),
		})
	}
	switch {
	case errors.Is(err, ErrAlreadySubmitted):
		return h.done(c, id, alreadySubmitted, false, true, focusHeading)
	case errors.Is(err, ErrClaimUnavailable):
		f.Errors[""] = claimUnavailable
		return h.showCreate(c, f, http.StatusServiceUnavailable)
	case err != nil:
		return h.createFailed(c, f, err)
	}
	msg := fmt.Sprintf("Snapshot %s of %s started. %s", created.Name, created.Server.Name, created.Message)
	return h.done(c, id, views.Flash{Kind: "ok", Text: msg}, false, true, focusRow(created.ID))
}

// errNameTaken: the server already has a snapshot of the name asked for.
var errNameTaken = errors.New("a snapshot of that name exists")

// notSent wraps why an action stopped before anything was sent to VPS.org.
type notSent struct{ error }

func (e notSent) Unwrap() error { return e.error }

// hasSnapshotNamed reports whether the server already has a snapshot of that name.
func (h *Snapshots) hasSnapshotNamed(ctx context.Context, token vpsapi.Token, serverID int64, name string) (bool, error) {
	snaps, err := h.API.ListSnapshots(ctx, token, serverID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(snaps, func(s vpsapi.Snapshot) bool { return s.Name == name && s.Server.ID == serverID }), nil
}

// showCreate shows the form again with what was typed and why it was refused.
func (h *Snapshots) showCreate(c echo.Context, f views.CreateForm, status int) error {
	ctx := c.Request().Context()
	f.ServerName = fmt.Sprintf("server %d", f.ServerID)
	g, err := h.Site.loadGroup(ctx, h.API, session.From(ctx).Token(), f.ServerID)
	switch {
	case err == nil:
		f.ServerName, f.ServerStatus = g.Name, g.Status
	case errors.Is(err, vpsapi.ErrUnauthorized):
		return err
	}
	return h.renderCreate(c, status, f)
}

// createFailed turns an upstream refusal into words on the form.
func (h *Snapshots) createFailed(c echo.Context, f views.CreateForm, err error) error {
	var ve *vpsapi.Error
	switch {
	case errors.Is(err, vpsapi.ErrUnauthorized):
		return err
	case errors.Is(err, vpsapi.ErrNotFound):
		f.Errors[""] = fmt.Sprintf("VPS.org has no server %d on this account any more. It may have been deleted.", f.ServerID)
	case errors.As(err, &ve) && errors.Is(err, vpsapi.ErrRejected):
		for field, msgs := range ve.Fields {
			if field == "name" || field == "description" {
				f.Errors[field] = strings.Join(msgs, " ")
			}
		}
		if sum := ve.Summary(); sum != "" {
			f.Errors[""] = "VPS.org refused: " + sum
		} else if len(f.Errors) == 0 {
			f.Errors[""] = "VPS.org refused the snapshot without saying why."
		}
		for field, msgs := range ve.Fields {
			if field != "name" && field != "description" && field != "non_field_errors" {
				f.Errors[""] += " " + field + ": " + strings.Join(msgs, " ")
			}
		}
	default:
		h.Site.Log.WarnContext(c.Request().Context(), "snapshot create failed", "server_id", f.ServerID, "error", err)
		f.Errors[""] = "VPS.org did not answer, so it is not known whether the snapshot was started. Check the list before submitting again."
		f.FormID = newFormID() // a new, deliberate submit is the person's choice
		return h.showCreate(c, f, http.StatusBadGateway)
	}
	f.FormID = newFormID()
	return h.showCreate(c, f, http.StatusUnprocessableEntity)
}

// done finishes an action: for htmx the server's refreshed card with the
// message; without JavaScript a flash and a redirect to the page.
func (h *Snapshots) done(c echo.Context, serverID int64, msg views.Flash, closeDialog, clearForm bool, focus focusRule) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	if !htmx.Enabled(c.Request()) {
		st.AddFlash(msg.Kind, msg.Text)
		back := h.Site.URL("/")
		if c.FormValue("back") == "filtered" {
			back += "?server_id=" + fmt.Sprint(serverID) // where the form was opened
		}
		return c.Redirect(http.StatusSeeOther, back+"#server-"+fmt.Sprint(serverID))
	}
	g, err := h.Site.loadGroup(ctx, h.API, st.Token(), serverID)
	if err != nil {
		// The action happened; only the refresh failed. Reload the page.
		st.AddFlash(msg.Kind, msg.Text)
		return navigate(c, h.Site.URL("/"))
	}
	groups := []views.ServerGroup{g}
	h.Site.annotate(ctx, groups)
	g = groups[0]
	g.Focus = focus(g)
	g.Outcome = &msg
	htmx.Retarget(c.Response(), "#server-"+fmt.Sprint(serverID)+"-live")
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

// focusRestoring focuses the card's note that the server is being restored.
func focusRestoring(g views.ServerGroup) string {
	if g.Restoring() {
		return views.ServerRestoringID(g.ID)
	}
	return focusHeading(g)
}

// Words for a form that did not reach VPS.org because of the double-submit guard.
var (
	alreadySubmitted = views.Flash{Kind: "info", Text: "This form was already submitted, so it was not sent to VPS.org again. The list shows what happened."}
	claimUnavailable = "Snapdash could not check whether this form was already sent (its shared store is not answering), so nothing was sent. Try again in a moment."
)

// sent reports whether a guarded call reached VPS.org: not a repeat, and not
// stopped by the guard's own store.
func sent(err error, dup bool) bool {
	return !dup && !errors.Is(err, ErrClaimUnavailable)
}

// who names the person for logs: the SSO identity, else the token's last characters.
func who(st *session.State) string {
	if id := st.Identity(); id != "" {
		return id
	}
	return st.Token().String()
}
