package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/web/activity"
	"github.com/snapdash/snapdash/web/session"
)

// Activity shows the team's record of who did what.
type Activity struct {
	Site *Site
	API  API
}

// List shows the newest actions on the servers this person's token can see,
// optionally of one server (?server_id=).
func (h *Activity) List(c echo.Context) error {
	ctx := c.Request().Context()
	token := session.From(ctx).Token()
	servers, err := h.API.ListServers(ctx, token)
	if errors.Is(err, vpsapi.ErrNotFound) {
		var snaps []vpsapi.Snapshot
		if snaps, err = h.API.ListSnapshots(ctx, token, 0); err == nil {
			servers = serversSeenIn(snaps)
		}
	}
	if err != nil {
		return err
	}
	visible := map[int64]bool{}
	for _, s := range servers {
		visible[s.ID] = true
	}
	filter, ok := parseServerID(c.QueryParam("server_id"))
	note := ""
	if !ok || filter != 0 && !visible[filter] {
		note = "The server in the address is not one of yours, so activity on all your servers is shown."
		filter = 0
	}
	var recs []activity.Record
	if h.Site.Activity != nil {
		all, err := h.Site.Activity.Recent(ctx, activity.DefaultCap)
		if err != nil {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "The activity record cannot be read right now. Try again in a moment.").SetInternal(err)
		}
		for _, r := range all {
			if visible[r.ServerID] && (filter == 0 || r.ServerID == filter) {
				recs = append(recs, r)
			}
		}
	}
	d := views.ActivityPage{
		Page:     h.Site.Page(c, "Activity"),
		Now:      h.Site.Now(),
		Records:  recs,
		Servers:  options(servers),
		FilterID: filter,
		Note:     note,
	}
	return h.Site.Render(c, http.StatusOK, views.ActivityList(d))
}
