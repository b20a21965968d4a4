package activity

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/session"
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
	_ = w.Write([]string{"time (UTC)", "person", "action", "server id", "server", "snapshot id", "snapshot", "outcome", "detail", "final outcome", "final detail", "duration (s)"})
	for _, r := range res.Records {
		_ = w.Write(spreadsheetSafe(
			r.Time.UTC().Format(time.DateTime), r.Actor, r.Action, id(r.ServerID), r.ServerName,
			id(r.SnapshotID), r.SnapshotName, r.Shown(), r.Detail,
			r.Final, r.FinalDetail, seconds(r),
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
