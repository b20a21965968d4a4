package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// List is the home page: every snapshot of every server, or of the server
// named by ?server_id=.
func (h *Snapshots) List(c echo.Context) error {
	ctx := c.Request().Context()
	token := session.From(ctx).Token()
	filter, ok := parseServerID(c.QueryParam("server_id"))
	note := ""
	if !ok {
		note = "The server filter in the address is not a server id, so all servers are shown."
	}
	acc, err := load(ctx, h.API, token, filter)
	if err != nil {
		return err
	}
	if filter != 0 && !hasServer(acc.servers, filter) {
		note = "There is no server with id " + strconv.FormatInt(filter, 10) + " on this account, so all servers are shown."
		filter = 0
		// The servers are all there already; only the snapshots were filtered.
		if acc.snapshots, err = h.API.ListSnapshots(ctx, token, 0); err != nil {
			return err
		}
		if !acc.liveServers {
			acc.servers = serversSeenIn(acc.snapshots)
		}
	}
	groups := h.Site.groups(acc, filter)
	h.Site.annotate(ctx, groups)
	for i := range groups {
		groups[i].Filtered = filter != 0
	}
	d := views.Snapshots{
		Page:       h.Site.Page(c, "Snapshots"),
		Groups:     groups,
		Servers:    options(acc.servers),
		FilterID:   filter,
		FilterNote: note,
	}
	return h.Site.Render(c, http.StatusOK, views.SnapshotsPage(d))
}
