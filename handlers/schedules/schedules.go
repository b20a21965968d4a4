// Package schedules serves the Schedules page: a schedule per server,
// changed by people allowed to, its runs shown as they go.
package schedules

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// Schedules shows and changes the schedules of the person's servers.
type Handler struct {
	Site *handlers.Site
}

// page loads the schedules page's data; form is the add (or change) form
// as it should show.
func (h *Handler) page(c echo.Context, form views.ScheduleForm) (views.SchedulesPage, error) {
	d, _, err := h.pageOf(c, form)
	return d, err
}

// pageOf is page with what the dashboard loaded.
func (h *Handler) pageOf(c echo.Context, form views.ScheduleForm) (views.SchedulesPage, schedule.Overview, error) {
	ctx := c.Request().Context()
	st := session.From(ctx)
	o, err := h.Site.Schedules.Overview(ctx, st.Token())
	unavailable := errors.Is(err, schedule.ErrNoSchedules)
	if err != nil && !unavailable {
		return views.SchedulesPage{}, o, err
	}
	d := views.SchedulesPage{
		Page:       h.Site.Page(c, "Schedules"),
		Automation: h.Site.Schedules.Automation(),
	}
	if unavailable {
		h.Site.Log.ErrorContext(ctx, "schedules not read", "error", err)
		d.Unavailable = i18n.T(ctx, "The schedules cannot be read right now: Snapdash's database is not answering. Try again in a moment.")
	}
	if ok, why := h.Site.Dash.Roles().AllowsIn(i18n.From(c.Request().Context()), st.Groups(), dashboard.ScheduleAction); !ok {
		d.NoChange = why
	}
	has := map[int64]bool{}
	for _, s := range o.Schedules {
		has[s.ServerID] = true
		row := views.ScheduleRow{ID: s.ID, ServerName: s.ServerName, When: schedule.SummaryIn(i18n.From(ctx), s),
			Paused: s.Paused, PausedWhy: s.PausedWhy, Alert: s.Alert, NextRun: s.NextRun}
		if s.PausedWhy != "" {
			d.Refused = s.PausedWhy
		}
		if s.Alert != "" {
			d.Refused = i18n.T(ctx, "%s's schedule: %s", s.ServerName, s.Alert)
		}
		for _, r := range o.Runs[s.ID] {
			if r.State == schedules.Running {
				row.Running, row.RunID = r.StepWords(i18n.From(ctx)), r.ID
				d.Polling = true
			}
			by := i18n.T(ctx, "automation")
			if r.Manual {
				by = i18n.T(ctx, "%s (run now)", r.Actor)
			}
			row.Runs = append(row.Runs, views.RunRow{Started: r.Started, State: r.State, Snapshot: r.SnapshotName, Detail: r.Detail, By: by})
		}
		d.Rows = append(d.Rows, row)
	}
	if form.ID == 0 {
		// In the order every other page lists them (by name).
		for _, s := range handlers.ServerOptions(o.Servers) {
			if !has[s.ID] {
				form.Servers = append(form.Servers, s)
			}
		}
	}
	d.Form = form
	return d, o, nil
}

// newForm is the add form's defaults: every day at 03:00, keep 3.
func newForm() views.ScheduleForm {
	return views.ScheduleForm{Every: schedules.Daily, Time: "03:00", Hours: 6, Keep: 3, SkipRestoring: true}
}

// formOf is a schedule in the change form.
func formOf(s schedules.Schedule) views.ScheduleForm {
	return views.ScheduleForm{ID: s.ID, ServerID: s.ServerID, ServerName: s.ServerName, Every: s.Every, Time: s.Clock(),
		Hours: max(s.Hours, 1), Weekday: int(s.Weekday), Keep: s.Keep, SkipRestoring: s.SkipRestoring}
}

// List shows the schedules page; ?edit=ID opens a schedule's change form.
func (h *Handler) List(c echo.Context) error {
	ctx := c.Request().Context()
	form := newForm()
	if id, err := strconv.ParseInt(c.QueryParam("edit"), 10, 64); err == nil && id > 0 {
		s, err := h.Site.Schedules.Get(ctx, session.From(ctx).Token(), id)
		if err == nil {
			form = formOf(s)
		} else if !errors.Is(err, schedules.ErrNotFound) && !errors.Is(err, schedule.ErrNoSchedules) {
			return err
		}
	}
	since := h.Site.Feed.Last(ctx)
	d, err := h.page(c, form)
	if err != nil {
		return err
	}
	d.Watch, d.Since = running(d), since
	return h.Site.Render(c, http.StatusOK, views.SchedulesList(d))
}

// running is the id of a run under way on the page, 0 when none.
func running(d views.SchedulesPage) int64 {
	for _, row := range d.Rows {
		if row.RunID != 0 {
			return row.RunID
		}
	}
	return 0
}

// Poll answers the list's refresh while a run is under way (?watch=RUN):
// the list alone, announcing the watched run's end once it ended.
func (h *Handler) Poll(c echo.Context) error {
	d, o, err := h.pageOf(c, views.ScheduleForm{})
	if err != nil {
		return err
	}
	if watch, err := strconv.ParseInt(c.QueryParam("watch"), 10, 64); err == nil && watch > 0 {
		for _, runs := range o.Runs {
			for _, r := range runs {
				if r.ID == watch && r.State != schedules.Running {
					d.Ended = &views.Flash{Kind: runFlashKind(r.State), Text: r.EndWords(i18n.From(c.Request().Context()))}
				}
			}
		}
	}
	d.Watch = running(d)
	return h.Site.Render(c, http.StatusOK, views.ScheduleListPart(d))
}

func runFlashKind(state string) views.FlashKind {
	switch state {
	case schedules.Completed:
		return views.FlashOK
	case schedules.Failed:
		return views.FlashError
	}
	return views.FlashInfo
}
