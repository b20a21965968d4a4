package schedules

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// Run starts a run of a schedule now.
func (h *Handler) Run(c echo.Context) error {
	return h.act(c, func(ch schedule.Change) (string, error) {
		run, err := h.Site.Schedules.RunNow(c.Request().Context(), ch)
		if err != nil {
			return "", err
		}
		if run.State == schedules.Skipped {
			return i18n.T(c.Request().Context(), "The run of %s was skipped: %s.", run.ServerName, run.Detail), nil
		}
		return i18n.T(c.Request().Context(), "The schedule of %s is running now; its outcome shows here when it ends.", run.ServerName), nil
	})
}

// Pause stops a schedule's runs until it is resumed.
func (h *Handler) Pause(c echo.Context) error {
	return h.act(c, func(ch schedule.Change) (string, error) {
		s, err := h.Site.Schedules.Pause(c.Request().Context(), ch, true)
		return i18n.T(c.Request().Context(), "The schedule of %s is paused.", s.ServerName), err
	})
}

// Resume runs a paused schedule again, from its next time.
func (h *Handler) Resume(c echo.Context) error {
	return h.act(c, func(ch schedule.Change) (string, error) {
		s, err := h.Site.Schedules.Pause(c.Request().Context(), ch, false)
		return i18n.T(c.Request().Context(), "The schedule of %s runs again; next run %s.", s.ServerName, views.UTC(s.NextRun)), err
	})
}

// Delete removes a schedule once confirmed; the snapshots it made stay.
// Unconfirmed, it asks first, saying so.
func (h *Handler) Delete(c echo.Context) error {
	if c.FormValue("confirm") != "1" {
		ctx := c.Request().Context()
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return echo.NewHTTPError(http.StatusNotFound, i18n.N("There is no such schedule."))
		}
		if err := h.allowed(c, id); err != nil {
			return err
		}
		s, err := h.Site.Schedules.Get(ctx, session.From(ctx).Token(), id)
		if errors.Is(err, schedules.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, i18n.N("There is no such schedule."))
		}
		if err != nil {
			return err
		}
		return h.Site.Render(c, http.StatusOK, views.ScheduleDeletePage(views.ScheduleDelete{
			Page: h.Site.Page(c, "Delete the schedule of %s", s.ServerName), ID: s.ID, ServerName: s.ServerName}))
	}
	return h.act(c, func(ch schedule.Change) (string, error) {
		ctx := c.Request().Context()
		err := h.Site.Schedules.Delete(ctx, ch)
		return i18n.T(ctx, "The schedule is deleted. The snapshots it made stay, and no schedule will delete them."), err
	})
}

// act runs one change of the addressed schedule and goes back to the page
// with what happened.
func (h *Handler) act(c echo.Context, change func(schedule.Change) (string, error)) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, i18n.N("There is no such schedule."))
	}
	if err := h.allowed(c, id); err != nil {
		return err
	}
	words, err := change(schedule.Change{Actor: handlers.Actor(st), Groups: st.Groups(), Token: st.Token(), Schedule: schedules.Schedule{ID: id}})
	kind := views.FlashOK
	switch {
	case err == nil:
	case errors.Is(err, schedules.ErrNotFound):
		kind, words = views.FlashInfo, i18n.T(ctx, "That schedule is no longer there.")
	case errors.Is(err, schedules.ErrRunning):
		kind, words = views.FlashInfo, i18n.T(ctx, "A run of that schedule is under way already; nothing more was started.")
	case errors.Is(err, schedules.ErrNoToken):
		kind, words = views.FlashError, i18n.T(ctx, "No automation token is configured, so schedules cannot run.")
	case errors.Is(err, schedule.ErrNoSchedules):
		return echo.NewHTTPError(http.StatusServiceUnavailable, i18n.N("Snapdash's database is not answering, so nothing was changed. Try again in a moment.")).SetInternal(err)
	default:
		return err
	}
	st.AddFlash(string(kind), words)
	return c.Redirect(http.StatusSeeOther, h.Site.URL("/schedules")+"#"+views.ScheduleRowID(id))
}
