package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// Activity shows the team's record of who did what.
type Activity struct {
	Site *Site
}

// List shows the newest actions on the servers this person's token can see,
// optionally of one server (?server_id=).
func (h *Activity) List(c echo.Context) error {
	ctx := c.Request().Context()
	token := session.From(ctx).Token()
	servers, err := h.Site.Dash.Servers(ctx, token)
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
	var recs []views.ActivityRow
	if store := h.Site.Dash.Activity(); store != nil {
		all, err := store.Recent(ctx, activity.DefaultCap)
		if err != nil {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "The activity record cannot be read right now. Try again in a moment.").SetInternal(err)
		}
		for _, r := range all {
			if visible[r.ServerID] && (filter == 0 || r.ServerID == filter) {
				recs = append(recs, activityRow(r))
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

// activityRow puts a record in the activity page's words.
func activityRow(r activity.Record) views.ActivityRow {
	row := views.ActivityRow{
		Time: r.Time, Actor: r.Actor, What: r.Action, SnapshotName: r.SnapshotName,
		ServerID: r.ServerID, ServerName: r.ServerName, Outcome: views.OutcomeUnknown, Detail: r.Detail,
	}
	switch r.Action {
	case activity.Create:
		row.What = "created snapshot"
	case activity.Restore:
		row.What = "restored from"
	case activity.Delete:
		row.What = "deleted snapshot"
	}
	switch {
	case r.Outcome == activity.Started && r.Action == activity.Delete:
		row.Outcome = views.OutcomeDone
	case r.Outcome == activity.Started:
		row.Outcome = views.OutcomeStarted
	case r.Outcome == activity.Refused:
		row.Outcome = views.OutcomeRefused
	}
	return row
}
