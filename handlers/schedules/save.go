package schedules

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/handlers"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// readScheduleForm reads the form into the form as typed and the schedule
// it asks for; what cannot be read is listed in the form's errors.
func readScheduleForm(c echo.Context, id int64) (views.ScheduleForm, schedules.Schedule) {
	ctx := c.Request().Context()
	f := views.ScheduleForm{ID: id, Every: c.FormValue("every"), Time: strings.TrimSpace(c.FormValue("time")),
		SkipRestoring: c.FormValue("skip_restoring") != ""}
	s := schedules.Schedule{ID: id, Every: f.Every, SkipRestoring: f.SkipRestoring}
	number := func(name, what string, lo, hi int) int {
		n, err := strconv.Atoi(c.FormValue(name))
		if err != nil || n < lo || n > hi {
			f.Errors = append(f.Errors, i18n.Word(ctx, what))
			return lo
		}
		return n
	}
	f.Keep = number("keep", i18n.N("keep between 1 and 4 snapshots, so one slot stays free for people"), schedules.KeepMin, schedules.KeepMax)
	f.Hours = number("hours", i18n.N("every N hours takes 1, 2, 3, 4, 6, 8 or 12"), 1, 12)
	f.Weekday = number("weekday", i18n.N("choose a day of the week"), 0, 6)
	s.Keep, s.Hours, s.Weekday = f.Keep, f.Hours, time.Weekday(f.Weekday)
	if m, ok := schedules.ParseClock(f.Time); ok {
		s.Minute = m
	} else {
		f.Errors = append(f.Errors, i18n.T(ctx, "give the time as HH:MM, such as 03:00 (UTC)"))
	}
	if id == 0 {
		s.ServerID, _ = handlers.ParseServerID(c.FormValue("server_id"))
		f.ServerID = s.ServerID
	}
	return f, s
}

// Create adds a schedule to a server.
func (h *Handler) Create(c echo.Context) error { return h.save(c, 0) }

// Update changes a schedule.
func (h *Handler) Update(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, i18n.N("There is no such schedule."))
	}
	return h.save(c, id)
}

func (h *Handler) save(c echo.Context, id int64) error {
	ctx := c.Request().Context()
	st := session.From(ctx)
	if err := h.allowed(c, id); err != nil {
		return err
	}
	f, s := readScheduleForm(c, id)
	status := http.StatusUnprocessableEntity
	if len(f.Errors) == 0 {
		saved, err := h.Site.Schedules.Save(ctx, schedule.Change{Actor: handlers.Actor(st), Groups: st.Groups(), Token: st.Token(), Schedule: s,
			ConfirmRoom: c.FormValue("confirm_room") == "1"})
		var invalid *schedules.InvalidError
		var room *schedule.RoomError
		switch {
		case errors.As(err, &room):
			f.RoomWarning = room.Words(i18n.From(ctx))
		case err == nil:
			st.AddFlash(string(views.FlashOK), i18n.T(ctx, "%s is scheduled %s. Next run %s.", saved.ServerName, schedule.SummaryIn(i18n.From(ctx), saved), views.UTC(saved.NextRun)))
			return c.Redirect(http.StatusSeeOther, h.Site.URL("/schedules")+"#"+views.ScheduleRowID(saved.ID))
		case errors.As(err, &invalid):
			for _, p := range invalid.Problems {
				f.Errors = append(f.Errors, i18n.Word(ctx, p))
			}
		case errors.Is(err, schedules.ErrExists):
			f.Errors = []string{i18n.T(ctx, "that server has a schedule already: change it in its row")}
		case errors.Is(err, vpsapi.ErrNotFound), errors.Is(err, schedules.ErrNotFound):
			f.Errors = []string{i18n.T(ctx, "your API token cannot see that server")}
		case errors.Is(err, schedule.ErrNoSchedules):
			h.Site.Log.ErrorContext(ctx, "schedule not saved", "error", err)
			status = http.StatusServiceUnavailable
			f.Errors = []string{i18n.T(ctx, "Snapdash's database is not answering, so nothing was saved; what you entered is still here: try again in a moment")}
		case errors.Is(err, schedules.ErrNoToken):
			return echo.NewHTTPError(http.StatusConflict, i18n.N("No automation token is configured, so nothing can be scheduled. Nothing was saved."))
		default:
			return err
		}
	}
	if id != 0 {
		if old, err := h.Site.Schedules.Get(ctx, st.Token(), id); err == nil {
			f.ServerName, f.ServerID = old.ServerName, old.ServerID
		}
	}
	d, err := h.page(c, f)
	if err != nil {
		return err
	}
	if id == 0 {
		// page listed the servers without a schedule; keep the one chosen.
		d.Form.ServerID = f.ServerID
	}
	return h.Site.Render(c, status, views.SchedulesList(d))
}

// allowed checks the schedule groups; a refusal is recorded, against the
// server the schedule is (or would be) for, and answered 403.
func (h *Handler) allowed(c echo.Context, id int64) error {
	if ok, _ := h.Site.Dash.Roles().AllowsIn(i18n.From(c.Request().Context()), session.From(c.Request().Context()).Groups(), dashboard.ScheduleAction); ok {
		return nil
	}
	server, _ := handlers.ParseServerID(c.FormValue("server_id"))
	if id != 0 {
		server = h.Site.Schedules.ServerOf(c.Request().Context(), id)
	}
	return h.Site.Allowed(c, dashboard.ScheduleAction, server, 0, "")
}
