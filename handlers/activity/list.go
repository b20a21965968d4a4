// Package activity serves the Activity page and its CSV: what the team
// did on the servers a person's token sees.
package activity

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/services/activitylog"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// Activity shows the team's record of who did what.
type Handler struct {
	Site *handlers.Site
}

// List shows the actions on the servers this person's token can see, newest
// first, a page at a time, filtered by server, person and action from the
// address (?server_id=&actor=&action=&page=).
func (h *Handler) List(c echo.Context) error {
	f, note := readActivityFilter(c)
	pageNo, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || pageNo < 1 {
		pageNo = 1
	}
	ctx := c.Request().Context()
	since := h.Site.Feed.Last(ctx)
	res, err := h.Site.Activity.Of(ctx, session.From(ctx).Token(), f, pageNo)
	if err != nil {
		return activityUnavailable(err)
	}
	if res.NotYours {
		note = i18n.Word(c.Request().Context(), notYourServer)
		f.ServerID = 0
	}
	d := views.ActivityPage{
		Page:    h.Site.Page(c, "Activity"),
		Now:     h.Site.Now(),
		Servers: handlers.ServerOptions(res.Servers),
		Actors:  actorOptions(ctx, res.Actors),
		Filter:  views.ActivityFilter{ServerID: f.ServerID, Actor: f.Actor, Action: f.Action},
		PageNo:  pageNo,
		More:    res.More,
		Total:   res.Total,
		Note:    note,
		Since:   since,
	}
	for _, r := range res.Records {
		row := activityRow(ctx, r)
		row.Steps = res.Steps[r.ID]
		d.Records = append(d.Records, row)
	}
	return h.Site.Render(c, http.StatusOK, views.ActivityList(d))
}

var notYourServer = i18n.N("The server in the address is not one of yours, so activity on all your servers is shown.")

// readActivityFilter reads the filter from the address; what is not a
// filter is dropped, with a note.
func readActivityFilter(c echo.Context) (activitylog.Filter, string) {
	var f activitylog.Filter
	note := ""
	id, ok := handlers.ParseServerID(c.QueryParam("server_id"))
	if !ok {
		note = i18n.Word(c.Request().Context(), notYourServer)
	}
	f.ServerID = id
	if a := c.QueryParam("actor"); len(a) <= 256 {
		f.Actor = a
	}
	switch a := c.QueryParam("action"); a {
	case dashboard.Create, dashboard.Restore, dashboard.Delete, activity.Pin, activity.Unpin, activity.Note, activity.Schedule, activity.Scheduled:
		f.Action = a
	}
	return f, note
}

func activityUnavailable(err error) error {
	if errors.Is(err, activitylog.ErrUnreadable) {
		return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.N("The activity record cannot be read right now. Try again in a moment.")).SetInternal(err)
	}
	return err
}

// actorName is who a record names, as the reader says it: a person's name
// as it is, a schedule's doings as automation's, in the reader's language.
func actorName(ctx context.Context, actor string) string {
	if actor == activity.Automation {
		return i18n.T(ctx, "automation")
	}
	return actor
}

// actorOptions are the person filter's choices: what the address carries,
// and what the reader reads.
func actorOptions(ctx context.Context, actors []string) []views.ActorOption {
	out := make([]views.ActorOption, len(actors))
	for i, a := range actors {
		out[i] = views.ActorOption{Value: a, Name: actorName(ctx, a)}
	}
	return out
}

// activityRow puts a record in the activity page's words.
func activityRow(ctx context.Context, r activity.Record) views.ActivityRow {
	row := views.ActivityRow{
		Time: r.Time, Actor: actorName(ctx, r.Actor), What: r.Action, SnapshotName: r.SnapshotName,
		ServerID: r.ServerID, ServerName: r.ServerName, Outcome: views.OutcomeUnknown, Detail: r.Detail,
	}
	row.What = actionWords(ctx, r)
	// The page's words are the CSV's: one reading of how an action went.
	switch r.Shown() {
	case "done":
		row.Outcome = views.OutcomeDone
	case "started":
		row.Outcome = views.OutcomeStarted
	case "refused":
		row.Outcome = views.OutcomeRefused
	}
	if r.Final != "" {
		row.Final, row.FinalDetail, row.Took = r.Final, r.FinalDetail, r.Duration()
		row.FinalOK = r.Final == activity.Completed
		row.FinalFailed = r.Final == activity.Failed || r.Final == activity.TokenRefused || r.Final == activity.Lost || r.Final == activity.NotCreated || r.Final == activity.NotKnown
	}
	return row
}

// actionWords says what a record's action was, naming the server and the
// snapshot: "restored web-server-01 from pre-migration-snapshot".
func actionWords(ctx context.Context, r activity.Record) string {
	switch r.Action {
	case activity.Create:
		return i18n.T(ctx, "created snapshot %s of %s", r.SnapshotName, r.ServerName)
	case activity.Restore:
		return i18n.T(ctx, "restored %s from %s", r.ServerName, r.SnapshotName)
	case activity.Delete:
		if r.Outcome == activity.Started && r.Detail != "" { // how it was deleted: in a bulk delete, by a schedule
			return i18n.T(ctx, "deleted snapshot %s of %s (%s)", r.SnapshotName, r.ServerName, i18n.Word(ctx, r.Detail))
		}
		return i18n.T(ctx, "deleted snapshot %s of %s", r.SnapshotName, r.ServerName)
	case activity.Pin:
		return i18n.T(ctx, "pinned snapshot %s of %s: %s", r.SnapshotName, r.ServerName, r.Detail)
	case activity.Unpin:
		return i18n.T(ctx, "unpinned snapshot %s of %s", r.SnapshotName, r.ServerName)
	case activity.Note:
		if r.Detail == "" || r.Detail == "note removed" { // older records said so in English
			return i18n.T(ctx, "removed the note on snapshot %s of %s", r.SnapshotName, r.ServerName)
		}
		return i18n.T(ctx, "noted on snapshot %s of %s: %s", r.SnapshotName, r.ServerName, r.Detail)
	case activity.Schedule:
		return i18n.T(ctx, "schedule of %s %s", r.ServerName, i18n.Word(ctx, r.Detail))
	case activity.Scheduled:
		return i18n.T(ctx, "scheduled snapshot of %s (%s)", r.ServerName, i18n.Word(ctx, r.Detail))
	case activity.LetFinish:
		return i18n.T(ctx, "signed out and let the %s finish; the token is kept sealed until it ends, then erased", i18n.Word(ctx, r.Detail))
	}
	return r.Action
}
