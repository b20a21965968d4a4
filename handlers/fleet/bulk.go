package fleet

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/services/bulkdelete"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/views"
)

// bulkStatus puts a bulk delete in the table's words.
func bulkStatus(b bulk.Delete) *views.BulkStatus {
	out := &views.BulkStatus{Done: b.Done}
	n := b.Counts()
	var parts []string
	for _, s := range []struct{ state, words string }{
		{bulk.Deleted, "deleted"}, {bulk.Failed, "failed"}, {bulk.Refused, "refused"}, {bulk.Stopped, "stopped"},
	} {
		if n[s.state] > 0 {
			parts = append(parts, strconv.Itoa(n[s.state])+" "+s.words)
		}
	}
	if left := n[bulk.Pending] + n[bulk.Sending]; left > 0 {
		parts = append(parts, strconv.Itoa(left)+" to go")
	}
	out.Summary = "Bulk delete of " + strconv.Itoa(len(b.Items)) + " snapshots: " + strings.Join(parts, ", ") + "."
	for _, it := range b.Items {
		out.Items = append(out.Items, views.BulkItem{ServerName: it.ServerName, SnapshotName: it.SnapshotName, State: it.State, Detail: it.Detail})
	}
	return out
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
		session.From(ctx).AddFlash(string(views.FlashInfo), "Select the snapshots to delete first.")
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
		cf.Refused = append(cf.Refused, views.BulkItem{SnapshotName: "snapshot " + strconv.FormatInt(id, 10), Detail: why})
	}
	if len(cf.Items) == 0 {
		session.From(ctx).AddFlash(string(views.FlashInfo), "None of the selected snapshots can be deleted: they are pinned, in progress, used by a restore or gone.")
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
		return h.renderBulk(c, http.StatusUnprocessableEntity, "This confirmation had expired. Confirm again.", "", submitguard.NewFormID())
	}
	if typed != strconv.Itoa(len(ids)) {
		return h.renderBulk(c, http.StatusUnprocessableEntity, "Type the number of snapshots to delete, "+strconv.Itoa(len(ids))+", to confirm; nothing was deleted.", typed, formID)
	}
	_, err := h.Site.Bulk.Start(ctx, bulkdelete.Action{Actor: handlers.Actor(st), Owner: bulkdelete.Owner(st.Identity(), st.Token()), Token: st.Token(), Session: st.ID(), Groups: st.Groups(), FormID: formID, IDs: ids})
	switch {
	case errors.Is(err, bulkdelete.ErrBulkChanged):
		return h.renderBulk(c, http.StatusConflict, "Some of these snapshots changed since you chose them (pinned, in use or gone), so nothing was deleted. Check the list again.", "", submitguard.NewFormID())
	case errors.Is(err, submitguard.ErrAlreadySubmitted):
	case err != nil:
		return err
	}
	st.AddFlash(string(views.FlashOK), "Deleting "+strconv.Itoa(len(ids))+" snapshots, one at a time; each one's outcome shows below and in Activity.")
	return c.Redirect(http.StatusSeeOther, h.Site.URL("/fleet"))
}
