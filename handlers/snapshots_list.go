package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// List is the home page: every snapshot of every server, or of the server
// named by ?server_id=.
func (h *Snapshots) List(c echo.Context) error {
	ctx := c.Request().Context()
	token := session.From(ctx).Token()
	filter, ok := ParseServerID(c.QueryParam("server_id"))
	note := ""
	if !ok {
		note = i18n.T(ctx, "The server filter in the address is not a server id, so all servers are shown.")
	}
	dash := h.Site.Dash
	acc, err := dash.Account(ctx, token, filter)
	if err != nil {
		return err
	}
	since := acc.Change // read before VPS.org was: what changes meanwhile reaches the page
	if filter != 0 && !acc.Has(filter) {
		note = i18n.T(ctx, "There is no server with id %d on this account, so all servers are shown.", filter)
		filter = 0
		// The servers are all there already; only the snapshots were filtered.
		if acc, err = dash.Unfiltered(ctx, token, acc); err != nil {
			return err
		}
	}
	var groups []views.ServerGroup
	for _, srv := range dash.Group(ctx, acc, filter) {
		g := h.Site.group(c, srv)
		g.Filtered = filter != 0
		groups = append(groups, g)
	}
	d := views.Snapshots{
		Page:       h.Site.Page(c, "Snapshots"),
		Groups:     groups,
		Servers:    ServerOptions(acc.Servers),
		FilterID:   filter,
		FilterNote: note,
		Since:      since,
	}
	return h.Site.Render(c, http.StatusOK, views.SnapshotsPage(d))
}
