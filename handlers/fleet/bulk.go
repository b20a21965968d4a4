package fleet

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/services/bulkdelete"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/views"
)

// bulkStatus puts a bulk delete in the table's words.
func bulkStatus(ctx context.Context, b bulk.Delete) *views.BulkStatus {
	out := &views.BulkStatus{Done: b.Done}
	n := b.Counts()
	var parts []string
	for _, s := range []struct{ state, words string }{
		{bulk.Deleted, i18n.N("%d deleted")}, {bulk.Failed, i18n.N("%d failed")}, {bulk.Refused, i18n.N("%d refused")}, {bulk.Stopped, i18n.N("%d stopped")},
	} {
		if n[s.state] > 0 {
			parts = append(parts, i18n.T(ctx, s.words, n[s.state]))
		}
	}
	if left := n[bulk.Pending] + n[bulk.Sending]; left > 0 {
		parts = append(parts, i18n.T(ctx, "%d to go", left))
	}
	out.Summary = i18n.T(ctx, "Bulk delete of %d snapshots: %s.", len(b.Items), strings.Join(parts, ", "))
	for _, it := range b.Items {
		out.Items = append(out.Items, views.BulkItem{ServerName: it.ServerName, SnapshotName: it.SnapshotName, State: bulkWord(ctx, it.State), Detail: it.Detail})
	}
	return out
}

// bulkWord is a bulk delete item's state in the reader's words.
func bulkWord(ctx context.Context, state string) string {
	switch state {
	case bulk.Pending:
		return i18n.T(ctx, "pending")
	case bulk.Sending:
		return i18n.T(ctx, "sending")
	case bulk.Deleted:
		return i18n.T(ctx, "deleted")
	case bulk.Failed:
		return i18n.T(ctx, "failed")
	case bulk.Refused:
		return i18n.T(ctx, "refused")
	case bulk.Stopped:
		return i18n.T(ctx, "stopped")
	}
	return state
}

// selected reads the snapshot ids a bulk form carries (the table's boxes,
// or the confirmation's one list): at most 500.
func selected(c echo.Context) []int64 {
	values := c.QueryParams()["snapshot"]
	if c.Request().Method == http.MethodPost {
		values = strings.Split(c.FormValue("snapshots"), ",")
	}
	var ids []int64
	for _, v := range values {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && len(ids) < 500 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// ConfirmBulkDelete names every snapshot a bulk delete would delete, by
// server, and what it leaves out and why.
func (h *Handler) ConfirmBulkDelete(c echo.Context) error {
	if err := h.Site.Allowed(c, dashboard.Delete, 0, 0, ""); err != nil {
		return err
	}
	return h.renderBulk(c, http.StatusOK, "", "", submitguard.NewFormID())
}

func (h *Handler) renderBulk(c echo.Context, status int, problem, typed, formID string) error {
	ctx := c.Request().Context()
	ids := selected(c)
	if len(ids) == 0 {
		session.From(ctx).AddFlash(string(views.FlashInfo), i18n.T(ctx, "Select the snapshots to delete first."))
		return c.Redirect(http.StatusSeeOther, h.Site.URL("/fleet"))
	}
	choice, err := h.Site.Bulk.Plan(ctx, session.From(ctx).Token(), ids)
	if err != nil {
		return err
	}
	cf := views.BulkConfirm{Page: h.Site.Page(c, "Delete snapshots"), FormID: formID, Error: problem, Typed: typed}
	for _, r := range choice.Rows {
		cf.Items = append(cf.Items, views.BulkItem{ServerName: r.ServerName, SnapshotName: r.Name})
		cf.IDs = append(cf.IDs, r.ID)
	}
	for id, why := range choice.Refused {
		cf.Refused = append(cf.Refused, views.BulkItem{SnapshotName: i18n.T(ctx, "snapshot %d", id), Detail: why})
	}
	if len(cf.Items) == 0 {
		session.From(ctx).AddFlash(string(views.FlashInfo), i18n.T(ctx, "None of the selected snapshots can be deleted: they are pinned, in progress, used by a restore or gone."))
		return c.Redirect(http.StatusSeeOther, h.Site.URL("/fleet"))
	}
	return h.Site.Render(c, status, views.BulkConfirmPage(cf))
}

// BulkDelete starts the job deleting the confirmed snapshots.
func (h *Handler) BulkDelete(c echo.Context) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	if err := h.Site.Allowed(c, dashboard.Delete, 0, 0, ""); err != nil {
		return err
	}
	ids := selected(c)
	typed := strings.TrimSpace(c.FormValue("confirm_count"))
	formID := c.FormValue("form_id")
	if !submitguard.ValidFormID(formID) {
		return h.renderBulk(c, http.StatusUnprocessableEntity, i18n.T(ctx, "This confirmation had expired. Confirm again."), "", submitguard.NewFormID())
	}
	if typed != strconv.Itoa(len(ids)) {
		return h.renderBulk(c, http.StatusUnprocessableEntity, i18n.T(ctx, "Type the number of snapshots to delete, %s, to confirm; nothing was deleted.", strconv.Itoa(len(ids))), typed, formID)
	}
	_, err := h.Site.Bulk.Start(ctx, bulkdelete.Action{Actor: handlers.Actor(st), Owner: bulkdelete.Owner(st.Identity(), st.Token()), Token: st.Token(), Session: st.ID(), Groups: st.Groups(), FormID: formID, IDs: ids})
	switch {
	case errors.Is(err, bulkdelete.ErrBulkChanged):
		return h.renderBulk(c, http.StatusConflict, i18n.T(ctx, "Some of these snapshots changed since you chose them (pinned, in use or gone), so nothing was deleted. Check the list again."), "", submitguard.NewFormID())
	case errors.Is(err, submitguard.ErrAlreadySubmitted):
	case err != nil:
		return err
	}
	st.AddFlash(string(views.FlashOK), i18n.T(ctx, "Deleting %s snapshots, one at a time; each one's outcome shows below and in Activity.", strconv.Itoa(len(ids))))
	return c.Redirect(http.StatusSeeOther, h.Site.URL("/fleet"))
}
