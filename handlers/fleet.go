package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// Fleet is every snapshot of every server in one sortable table, with totals.
func (h *Snapshots) Fleet(c echo.Context) error {
	ctx := c.Request().Context()
	q, note := readFleetQuery(c)
	res, err := h.Site.Dash.Fleet(ctx, session.From(ctx).Token(), dashboard.FleetQuery{
		Sort: q.Sort, Desc: q.Desc, ServerID: q.ServerID, Status: q.Status,
		OlderThan: time.Duration(q.OlderThan) * 24 * time.Hour, Page: q.Page,
	})
	if err != nil {
		return err
	}
	maxAge := h.Site.SnapshotMaxAge
	st := session.From(ctx)
	d := views.FleetPage{
		Page: h.Site.Page(c, "All snapshots"), Now: h.Site.Now(), Servers: options(res.Servers), Query: q,
		Total: res.Total, SizeGB: res.SizeGB, MaxAge: int(maxAge / (24 * time.Hour)), More: res.More, Note: note,
		CanBulk: h.Site.Dash.BulkDeletes(),
	}
	switch sel := c.QueryParam("select"); sel {
	case "failed", "old":
		d.Select = sel
	}
	if ok, why := h.Site.Dash.Roles().Allows(st.Groups(), dashboard.Delete); !ok {
		d.NoDelete = why
	}
	if b, ok := h.Site.Dash.LatestBulk(ctx, actor(st)); ok {
		d.Bulk = bulkStatus(b)
	}
	if p := h.Site.PricePerGBMonth; p > 0 {
		d.Cost = strconv.FormatFloat(res.SizeGB*p, 'f', 2, 64) + " a month at " + strconv.FormatFloat(p, 'f', -1, 64) + " per GB-month"
	}
	for _, r := range res.Rows {
		row := views.FleetRow{ID: r.ID, ServerID: r.Server.ID, ServerName: r.ServerName, Name: r.Name, Status: r.Status,
			SizeMB: r.SizeMB, Created: r.CreatedAt, Old: r.Age > maxAge}
		row.Locked = dashboard.LockedWhy(r)
		d.Rows = append(d.Rows, row)
	}
	return h.Site.Render(c, http.StatusOK, views.FleetList(d))
}

// readFleetQuery reads the table's view from the address; what is not
// understood is dropped, with a note.
func readFleetQuery(c echo.Context) (views.FleetQuery, string) {
	q := views.FleetQuery{Page: 1}
	var dropped []string
	switch s := c.QueryParam("sort"); s {
	case "", "name", "server", "status", "size", "age":
		q.Sort = s
	default:
		dropped = append(dropped, "sort")
	}
	q.Desc = c.QueryParam("dir") == "desc"
	id, ok := parseServerID(c.QueryParam("server_id"))
	if !ok {
		dropped = append(dropped, "server")
	}
	q.ServerID = id
	switch s := c.QueryParam("status"); s {
	case "", vpsapi.StatusCompleted, vpsapi.StatusInProgress, vpsapi.StatusFailed:
		q.Status = s
	default:
		dropped = append(dropped, "status")
	}
	if v := c.QueryParam("older_than"); v != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
		if err != nil || n < 1 || n > 100000 {
			dropped = append(dropped, "age")
		} else {
			q.OlderThan = n
		}
	}
	if v := c.QueryParam("page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 100000 {
			q.Page = n
		} else {
			dropped = append(dropped, "page")
		}
	}
	if len(dropped) > 0 {
		return q, "Part of the address was not understood (" + strings.Join(dropped, ", ") + "), so it was left out."
	}
	return q, ""
}

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
func (h *Snapshots) ConfirmBulkDelete(c echo.Context) error {
	if err := h.Site.allowed(c, dashboard.Delete, 0, 0, ""); err != nil {
		return err
	}
	return h.renderBulk(c, http.StatusOK, "", "", dashboard.NewFormID())
}

func (h *Snapshots) renderBulk(c echo.Context, status int, problem, typed, formID string) error {
	ctx := c.Request().Context()
	ids := selected(c)
	if len(ids) == 0 {
		session.From(ctx).AddFlash(string(views.FlashInfo), "Select the snapshots to delete first.")
		return c.Redirect(http.StatusSeeOther, h.Site.URL("/fleet"))
	}
	choice, err := h.Site.Dash.PlanBulkDelete(ctx, session.From(ctx).Token(), ids)
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
func (h *Snapshots) BulkDelete(c echo.Context) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	if err := h.Site.allowed(c, dashboard.Delete, 0, 0, ""); err != nil {
		return err
	}
	ids := selected(c)
	typed := strings.TrimSpace(c.FormValue("confirm_count"))
	formID := c.FormValue("form_id")
	if !dashboard.ValidFormID(formID) {
		return h.renderBulk(c, http.StatusUnprocessableEntity, "This confirmation had expired. Confirm again.", "", dashboard.NewFormID())
	}
	if typed != strconv.Itoa(len(ids)) {
		return h.renderBulk(c, http.StatusUnprocessableEntity, "Type the number of snapshots to delete, "+strconv.Itoa(len(ids))+", to confirm; nothing was deleted.", typed, formID)
	}
	_, err := h.Site.Dash.StartBulkDelete(ctx, dashboard.BulkAction{Actor: actor(st), Token: st.Token(), Session: st.ID(), FormID: formID, IDs: ids})
	switch {
	case errors.Is(err, dashboard.ErrBulkChanged):
		return h.renderBulk(c, http.StatusConflict, "Some of these snapshots changed since you chose them (pinned, in use or gone), so nothing was deleted. Check the list again.", "", dashboard.NewFormID())
	case errors.Is(err, dashboard.ErrAlreadySubmitted):
	case err != nil:
		return err
	}
	st.AddFlash(string(views.FlashOK), "Deleting "+strconv.Itoa(len(ids))+" snapshots, one at a time; each one's outcome shows below and in Activity.")
	return c.Redirect(http.StatusSeeOther, h.Site.URL("/fleet"))
}
