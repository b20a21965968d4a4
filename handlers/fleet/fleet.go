// Package fleet serves the All snapshots table: every snapshot of every
// server, sortable, with totals, and the bulk delete of what is ticked.
package fleet

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/snapdash/snapdash/internal/i18n"
	fleetsvc "github.com/snapdash/snapdash/internal/services/fleet"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/services/bulkdelete"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// Handler serves the All snapshots table and its bulk delete.
type Handler struct {
	Site *handlers.Site
}

// Fleet is every snapshot of every server in one sortable table, with totals.
func (h *Handler) Fleet(c echo.Context) error {
	ctx := c.Request().Context()
	q, note := readFleetQuery(c)
	since := h.Site.Feed.Last(ctx)
	res, err := h.Site.Fleet.Table(ctx, session.From(ctx).Token(), fleetsvc.Query{
		Sort: q.Sort, Desc: q.Desc, ServerID: q.ServerID, Status: q.Status,
		OlderThan: time.Duration(q.OlderThan) * 24 * time.Hour, Name: q.Name, Page: q.Page,
	})
	if err != nil {
		return err
	}
	maxAge := h.Site.SnapshotMaxAge
	st := session.From(ctx)
	d := views.FleetPage{Since: since,
		Page: h.Site.Page(c, "All snapshots"), Now: h.Site.Now(), Servers: handlers.ServerOptions(res.Servers), Query: q,
		Total: res.Total, SizeGB: res.SizeGB, MaxAge: int(maxAge / (24 * time.Hour)), More: res.More, Note: note,
	}
	switch sel := c.QueryParam("select"); sel {
	case "failed", "old":
		d.Select = sel
	}
	if ok, why := h.Site.Dash.Roles().AllowsIn(i18n.From(c.Request().Context()), st.Groups(), dashboard.Delete); !ok {
		d.NoDelete = why
	}
	if ok, why := h.Site.Dash.Roles().AllowsIn(i18n.From(c.Request().Context()), st.Groups(), dashboard.Restore); !ok {
		d.NoRestore = why
	}
	if b, ok := h.Site.Bulk.Latest(ctx, bulkdelete.Owner(st.Identity(), st.Token()), res.Servers); ok {
		d.Bulk = bulkStatus(ctx, b)
	}
	if p := h.Site.PricePerGBMonth; p > 0 {
		cur := ""
		if c := h.Site.PriceCurrency; c != "" {
			cur = " " + c
		}
		d.Cost = i18n.T(ctx, "%s%s a month at %s%s per GB-month", strconv.FormatFloat(res.SizeGB*p, 'f', 2, 64), cur, strconv.FormatFloat(p, 'f', -1, 64), cur)
	}
	for _, r := range res.Rows {
		row := views.FleetRow{ID: r.ID, ServerID: r.Server.ID, ServerName: r.ServerName, Name: r.Name, Status: r.Status,
			SizeMB: r.SizeMB, Created: r.CreatedAt, Old: r.Age > maxAge}
		row.Locked = fleetsvc.LockedWhy(r)
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
	id, ok := handlers.ParseServerID(c.QueryParam("server_id"))
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
	if v := strings.TrimSpace(c.QueryParam("q")); v != "" {
		if utf8.ValidString(v) && utf8.RuneCountInString(v) <= 100 && !strings.ContainsFunc(v, unicode.IsControl) {
			q.Name = v
		} else {
			dropped = append(dropped, "name")
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
		return q, i18n.T(c.Request().Context(), "Part of the address was not understood (%s), so it was left out.", strings.Join(dropped, ", "))
	}
	return q, ""
}
