package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/views"
)

// ConfirmDelete names the snapshot before it is deleted.
func (h *Snapshots) ConfirmDelete(c echo.Context) error {
	if err := h.allowed(c, dashboard.Delete); err != nil {
		return err
	}
	cf, err := h.confirmFor(c)
	if err != nil {
		return err
	}
	return h.renderDelete(c, http.StatusOK, cf)
}

func (h *Snapshots) renderDelete(c echo.Context, status int, cf views.Confirm) error {
	cf.Page = h.Site.Page(c, "Delete %s", cf.SnapshotName)
	return h.Site.renderForm(c, status, cf.Page, cf.AsPage, views.DeleteBody(cf), true)
}

// Delete deletes a snapshot (POST from the form, DELETE from htmx).
func (h *Snapshots) Delete(c echo.Context) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	if err := h.allowed(c, dashboard.Delete); err != nil {
		return err
	}
	cf, err := h.confirmFor(c)
	if err != nil {
		return h.gone(c, err, i18n.T(ctx, "That snapshot was already deleted."))
	}
	formID := c.FormValue("form_id")
	if !submitguard.ValidFormID(formID) {
		cf.Error = i18n.T(ctx, "This confirmation had expired. Confirm again to delete the snapshot.")
		return h.renderDelete(c, http.StatusUnprocessableEntity, cf)
	}
	a := dashboard.Action{
		Kind: dashboard.Delete, Actor: Actor(st), Token: st.Token(), FormID: formID,
		Session: st.ID(), Groups: st.Groups(),
		ServerID: cf.ServerID, ServerName: cf.ServerName, SnapshotID: cf.SnapshotID, SnapshotName: cf.SnapshotName,
	}
	_, err = h.Site.Dash.Act(ctx, a)
	ex := dashboard.Explain(ctx, a, err)
	switch ex.Why {
	case dashboard.Accepted:
		msg := i18n.T(ctx, "Snapshot %s of %s deleted.", cf.SnapshotName, cf.ServerName)
		return h.done(c, cf.ServerID, views.Flash{Kind: views.FlashOK, Text: msg}, true, false, focusAfterDelete(cf.SnapshotCreated))
	case dashboard.Repeat:
		return h.done(c, cf.ServerID, views.Flash{Kind: views.FlashInfo, Text: ex.Text}, true, false, focusAfterDelete(cf.SnapshotCreated))
	case dashboard.TokenRefused:
		return err
	case dashboard.Gone:
		return h.gone(c, err, ex.Text)
	}
	cf.Error = ex.Text
	return h.renderDelete(c, Status(ex.Reason), cf)
}
