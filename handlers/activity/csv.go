package activity

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
)

// CSV exports the filtered record (the same filters as the page, every
// page of it) as a spreadsheet-safe CSV file.
func (h *Handler) CSV(c echo.Context) error {
	f, _ := readActivityFilter(c)
	ctx := c.Request().Context()
	res, err := h.Site.Activity.Of(ctx, session.From(ctx).Token(), f, 0)
	if err != nil {
		return activityUnavailable(err)
	}
	h2 := c.Response().Header()
	h2.Set("Content-Type", "text/csv; charset=utf-8")
	h2.Set("Content-Disposition", `attachment; filename="snapdash-activity-`+h.Site.Now().UTC().Format("20060102-1504")+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{i18n.T(ctx, "time (UTC)"), i18n.T(ctx, "person"), i18n.T(ctx, "action"), i18n.T(ctx, "server id"), i18n.T(ctx, "server"),
		i18n.T(ctx, "snapshot id"), i18n.T(ctx, "snapshot"), i18n.T(ctx, "outcome"), i18n.T(ctx, "detail"), i18n.T(ctx, "final outcome"), i18n.T(ctx, "final detail"), i18n.T(ctx, "duration (s)")})
	for _, r := range res.Records {
		_ = w.Write(spreadsheetSafe(
			r.Time.UTC().Format(time.DateTime), actorName(ctx, r.Actor), actionWord(ctx, r.Action), id(r.ServerID), r.ServerName,
			id(r.SnapshotID), r.SnapshotName, shownWord(ctx, r.Shown()), i18n.Word(ctx, r.Detail),
			views.FinalWords(ctx, r.Final), i18n.Word(ctx, r.FinalDetail), seconds(r),
		))
	}
	w.Flush()
	return w.Error()
}

// id is an id as a cell: empty when there is none, never a meaningless 0.
func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// seconds is how long a followed action took, "" before it ended.
func seconds(r activity.Record) string {
	if r.Final == "" {
		return ""
	}
	return strconv.FormatInt(int64(r.Duration().Round(time.Second)/time.Second), 10)
}

// spreadsheetSafe keeps cells from being read as formulas: a cell starting
// with = + - @ (or a tab or carriage return) gets a leading apostrophe.
func spreadsheetSafe(cells ...string) []string {
	for i, v := range cells {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			cells[i] = "'" + v
		}
	}
	return cells
}

// actionWord is a record's action as the CSV's action column says it.
func actionWord(ctx context.Context, action string) string {
	switch action {
	case activity.Create:
		return i18n.T(ctx, "create")
	case activity.Restore:
		return i18n.T(ctx, "restore")
	case activity.Delete:
		return i18n.T(ctx, "delete")
	case activity.Pin:
		return i18n.T(ctx, "pin")
	case activity.Unpin:
		return i18n.T(ctx, "unpin")
	case activity.Note:
		return i18n.T(ctx, "note")
	case activity.Schedule:
		return i18n.T(ctx, "schedule")
	case activity.Scheduled:
		return i18n.T(ctx, "scheduled snapshot")
	case activity.LetFinish:
		return i18n.T(ctx, "let finish")
	}
	return action
}

// shownWord is how an action went before its end, in words.
func shownWord(ctx context.Context, shown string) string {
	switch shown {
	case "done":
		return i18n.T(ctx, "done")
	case "started":
		return i18n.T(ctx, "started")
	case "refused":
		return i18n.T(ctx, "refused")
	case "no answer":
		return i18n.T(ctx, "no answer")
	}
	return shown
}
