package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// allowed checks the roles before anything is asked of VPS.org, from the
// address's ids alone.
func (h *Snapshots) allowed(c echo.Context, action string) error {
	snapID, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	serverID, _ := ParseServerID(c.QueryParam("server_id"))
	return h.Site.Allowed(c, action, serverID, snapID, "")
}

// confirmFor loads what a restore or delete confirmation names.
func (h *Snapshots) confirmFor(c echo.Context) (views.Confirm, error) {
	snapID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || snapID <= 0 {
		return views.Confirm{}, echo.NewHTTPError(http.StatusNotFound, i18n.N("There is no such snapshot."))
	}
	serverID, _ := ParseServerID(c.QueryParam("server_id"))
	ctx := h.Site.askOnce(c, serverID)
	token := session.From(ctx).Token()
	dash := h.Site.Dash
	snap, err := dash.FindSnapshot(ctx, token, serverID, snapID)
	if err != nil {
		return views.Confirm{}, err
	}
	cf := views.Confirm{
		ServerID: snap.Server.ID, ServerName: snap.Server.Name,
		SnapshotID: snap.ID, SnapshotName: snap.Name, SnapshotCreated: snap.CreatedAt, SnapshotStatus: snap.Status,
		FormID: submitguard.NewFormID(), AsPage: !htmx.Enabled(c.Request()),
		Filtered: backTo(c) == "filtered", FromFleet: backTo(c) == "fleet",
	}
	if cf.ServerStatus, err = dash.ServerStatus(ctx, token, cf.ServerID); err != nil {
		return views.Confirm{}, err
	}
	prot, err := dash.Protection(ctx, token, map[int64]string{cf.ServerID: cf.ServerStatus})
	if err != nil {
		return views.Confirm{}, err
	}
	cf.InUse = prot.InUse(cf.SnapshotID)
	if p, ok := prot.Pinned(cf.SnapshotID); ok {
		cf.Pinned = p.Actor + " (" + p.Reason + ")"
	}
	return cf, nil
}

// ConfirmRestore asks the person to type the server's name before a
// restore, and offers a safety snapshot first.
func (h *Snapshots) ConfirmRestore(c echo.Context) error {
	if err := h.allowed(c, dashboard.Restore); err != nil {
		return err
	}
	cf, err := h.confirmFor(c)
	if err != nil {
		return err
	}
	if err := h.offerSafety(c, &cf); err != nil {
		return err
	}
	cf.Safety.Take = cf.Safety.FreeSlot
	return h.renderRestore(c, http.StatusOK, cf)
}

// offerSafety fills in the safety snapshot the dialog offers.
func (h *Snapshots) offerSafety(c echo.Context, cf *views.Confirm) error {
	ctx := c.Request().Context()
	plan, err := h.Site.Restores.Plan(ctx, session.From(ctx).Token(), cf.ServerID, cf.SnapshotID)
	if err != nil {
		return err
	}
	if plan.Running != nil {
		cf.Safety.Running = i18n.T(ctx, "A restore of %s is already running: %s Wait for it to finish, or cancel it on the server's card, before starting another.",
			cf.ServerName, plan.Running.StepWords(i18n.From(ctx)))
		return nil
	}
	cf.Safety.Offered, cf.Safety.Name, cf.Safety.FreeSlot = true, plan.SafetyName, plan.FreeSlot
	// Making room is a delete: offered only to those who may delete.
	if ok, why := h.Site.Dash.Roles().AllowsIn(i18n.From(c.Request().Context()), session.From(ctx).Groups(), dashboard.Delete); !ok {
		cf.Safety.NoDelete = why
		return nil
	}
	for _, s := range plan.Deletable {
		cf.Safety.Deletable = append(cf.Safety.Deletable, views.SnapshotChoice{ID: s.ID, Name: s.Name, Created: s.CreatedAt})
	}
	return nil
}

// safetyAsked reads the safety snapshot chosen in the dialog: whether to
// take one, and what to delete first to make room. ok is false when the
// dialog offered a choice at the limit and none was made.
func safetyAsked(c echo.Context, cf *views.Confirm) (safety bool, deleteFirst int64, ok bool) {
	if c.FormValue("safety_offered") != "1" || !cf.Safety.Offered {
		return false, 0, true
	}
	if cf.Safety.FreeSlot {
		cf.Safety.Take = c.FormValue("safety") == "1"
		return cf.Safety.Take, 0, true
	}
	pick := c.FormValue("free_slot")
	if pick == "none" {
		cf.Safety.Pick = pick
		return false, 0, true
	}
	id, err := strconv.ParseInt(pick, 10, 64)
	for _, d := range cf.Safety.Deletable {
		if err == nil && d.ID == id {
			cf.Safety.Pick = pick
			return true, id, true
		}
	}
	return false, 0, false
}

func (h *Snapshots) renderRestore(c echo.Context, status int, cf views.Confirm) error {
	cf.Page = h.Site.Page(c, "Restore %s", cf.ServerName)
	return h.Site.renderForm(c, status, cf.Page, cf.AsPage, views.RestoreBody(cf), true)
}

// renderRestoreRefused shows VPS.org's refusal in the dialog and, for htmx,
// refreshes the card behind it: a refusal such as "a restore is already
// running" means the card is out of date.
func (h *Snapshots) renderRestoreRefused(c echo.Context, cf views.Confirm) error {
	ctx := c.Request().Context()
	if cf.AsPage {
		return h.renderRestore(c, http.StatusUnprocessableEntity, cf)
	}
	srv, err := h.Site.Dash.Server(ctx, session.From(ctx).Token(), cf.ServerID)
	if err != nil {
		return h.renderRestore(c, http.StatusUnprocessableEntity, cf)
	}
	g := h.Site.group(c, srv)
	g.SwapOOB = true
	cf.Page = h.Site.Page(c, "Restore %s", cf.ServerName)
	return h.Site.Render(c, http.StatusUnprocessableEntity, templ.Join(views.Dialog(views.RestoreBody(cf)), views.ServerLive(g)))
}

// Restore restores a server from a snapshot once the typed name matches.
func (h *Snapshots) Restore(c echo.Context) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	if err := h.allowed(c, dashboard.Restore); err != nil {
		return err
	}
	// Deleting a snapshot to make room is a delete, whatever form asked it.
	if pick, err := strconv.ParseInt(c.FormValue("free_slot"), 10, 64); err == nil {
		serverID, _ := ParseServerID(c.QueryParam("server_id"))
		if err := h.Site.Allowed(c, dashboard.Delete, serverID, pick, ""); err != nil {
			return err
		}
	}
	cf, err := h.confirmFor(c)
	if err != nil {
		return h.gone(c, err, i18n.T(ctx, "The snapshot is no longer there, so nothing was restored."))
	}
	if err := h.offerSafety(c, &cf); err != nil {
		return err
	}
	safety, deleteFirst, chosen := safetyAsked(c, &cf)
	cf.Typed = c.FormValue("confirm_name")
	formID := c.FormValue("form_id")
	if !chosen {
		cf.Error = i18n.T(ctx, "%s has no room for a safety snapshot: choose a snapshot to delete first, or restore without a safety snapshot. Nothing was changed.", cf.ServerName)
		cf.ChoiceError = true
		return h.renderRestore(c, http.StatusUnprocessableEntity, cf)
	}
	if strings.TrimSpace(cf.Typed) == "" {
		cf.Error = i18n.T(ctx, "Type the server's name, %s, to confirm the restore; nothing was changed.", cf.ServerName)
		return h.renderRestore(c, http.StatusUnprocessableEntity, cf)
	}
	if strings.TrimSpace(cf.Typed) != cf.ServerName {
		cf.Error = i18n.T(ctx, "The name you typed does not match. Type %s exactly to restore it; nothing was changed.", cf.ServerName)
		return h.renderRestore(c, http.StatusUnprocessableEntity, cf)
	}
	if !submitguard.ValidFormID(formID) {
		cf.Error = i18n.T(ctx, "This confirmation had expired. Type the server name again and confirm.")
		cf.Typed = ""
		return h.renderRestore(c, http.StatusUnprocessableEntity, cf)
	}
	a := dashboard.Action{
		Kind: dashboard.Restore, Actor: Actor(st), Token: st.Token(), FormID: formID,
		Session: st.ID(), Groups: st.Groups(),
		ServerID: cf.ServerID, ServerName: cf.ServerName, SnapshotID: cf.SnapshotID, SnapshotName: cf.SnapshotName,
		Safety: safety, DeleteFirst: deleteFirst,
	}
	res, err := h.Site.Restores.Restore(ctx, a)
	ex := dashboard.Explain(ctx, a, err)
	switch ex.Why {
	case dashboard.Accepted:
		msg := i18n.T(ctx, "Restore of %s from %s started. %s", cf.ServerName, cf.SnapshotName, res.Restored.Message)
		if r := res.SafeRestore; r.ID != 0 {
			msg = i18n.T(ctx, "Restore of %s from %s started: the safety snapshot %s is taken first, and the restore is sent only once it is complete.", cf.ServerName, cf.SnapshotName, r.SafetyName)
			if r.DeleteName != "" {
				msg = i18n.T(ctx, "Restore of %s from %s started: %s is deleted to make room, then the safety snapshot %s is taken, and the restore is sent only once it is complete.", cf.ServerName, cf.SnapshotName, r.DeleteName, r.SafetyName)
			}
		}
		return h.done(c, cf.ServerID, views.Flash{Kind: views.FlashOK, Text: msg}, true, false, focusRestoring)
	case dashboard.Repeat:
		return h.done(c, cf.ServerID, views.Flash{Kind: views.FlashInfo, Text: ex.Text}, true, false, focusRestoring)
	case dashboard.TokenRefused:
		return err
	case dashboard.Gone:
		return h.gone(c, err, ex.Text)
	case dashboard.RefusedUpstream:
		cf.Error = ex.Text
		return h.renderRestoreRefused(c, cf)
	}
	cf.Error = ex.Text
	return h.renderRestore(c, Status(ex.Reason), cf)
}

// gone answers an action on a snapshot that no longer exists: not an error
// for the person, the list just needs refreshing.
func (h *Snapshots) gone(c echo.Context, err error, msg string) error {
	if !errors.Is(err, vpsapi.ErrNotFound) {
		return err
	}
	st := session.From(c.Request().Context())
	st.AddFlash(string(views.FlashInfo), msg)
	return Navigate(c, h.Site.URL("/"))
}
