package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// ConfirmDelete names the snapshot before it is deleted.
func (h *Snapshots) ConfirmDelete(c echo.Context) error {
	cf, err := h.confirmFor(c)
	if err != nil {
		return err
	}
	return h.renderDelete(c, http.StatusOK, cf)
}

func (h *Snapshots) renderDelete(c echo.Context, status int, cf views.Confirm) error {
	cf.Page = h.Site.Page(c, "Delete "+cf.SnapshotName)
	return h.Site.renderForm(c, status, cf.Page, cf.AsPage, views.DeleteBody(cf), true)
}

// Delete deletes a snapshot (POST from the form, DELETE from htmx).
func (h *Snapshots) Delete(c echo.Context) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	cf, err := h.confirmFor(c)
	if err != nil {
		return h.gone(c, err, "That snapshot was already deleted.")
	}
	if cf.InUse {
		return h.renderDelete(c, http.StatusConflict, cf) // the dialog says why
	}
	formID := c.FormValue("form_id")
	if !validFormID(formID) {
		cf.Error = "This confirmation had expired. Confirm again to delete the snapshot."
		return h.renderDelete(c, http.StatusUnprocessableEntity, cf)
	}
	_, err, dup := h.Once.Do(ctx, onceKey("delete", st.Token(), formID), func(ctx context.Context) (any, error) {
		return nil, h.API.DeleteSnapshot(ctx, st.Token(), cf.SnapshotID)
	})
	if sent(err, dup) {
		out, detail := outcome(err)
		h.Site.record(ctx, activity.Record{
			Actor: who(st), Action: activity.Delete, ServerID: cf.ServerID, ServerName: cf.ServerName,
			SnapshotID: cf.SnapshotID, SnapshotName: cf.SnapshotName, Outcome: out, Detail: detail,
		})
	}
	var ve *vpsapi.Error
	switch {
	case err == nil:
	case errors.Is(err, ErrAlreadySubmitted):
		return h.done(c, cf.ServerID, alreadySubmitted, true, false, focusAfterDelete(cf.SnapshotCreated))
	case errors.Is(err, ErrClaimUnavailable):
		cf.Error = claimUnavailable
		return h.renderDelete(c, http.StatusServiceUnavailable, cf)
	case errors.Is(err, vpsapi.ErrUnauthorized):
		return err
	case errors.Is(err, vpsapi.ErrNotFound):
		return h.gone(c, err, "That snapshot was already deleted.")
	case errors.As(err, &ve) && errors.Is(err, vpsapi.ErrRejected):
		cf.Error = "VPS.org refused to delete it: " + ve.Summary()
		return h.renderDelete(c, http.StatusUnprocessableEntity, cf)
	default:
		h.Site.Log.WarnContext(ctx, "delete failed", "snapshot_id", cf.SnapshotID, "error", err)
		cf.Error = "VPS.org did not answer, so it is not known whether the snapshot was deleted. Check the list before trying again."
		return h.renderDelete(c, http.StatusBadGateway, cf)
	}
	return h.done(c, cf.ServerID, views.Flash{Kind: "ok", Text: fmt.Sprintf("Snapshot %s of %s deleted.", cf.SnapshotName, cf.ServerName)}, true, false, focusAfterDelete(cf.SnapshotCreated))
}
