package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/web/htmx"
	"github.com/snapdash/snapdash/web/session"
)

// Fragments serves the parts of the page that refresh themselves.
type Fragments struct {
	Site *Site
	API  API
}

func (s *Site) renderUpdated(c echo.Context, u views.Updated) error {
	return s.Render(c, http.StatusOK, views.UpdatedFragment(u))
}

// pollState is what the page knew at its last refresh, carried in the poll URL.
type pollState struct {
	inProgress []int64
	restoring  bool
	status     string
	unchanged  int
	retry      bool // the poller shows a failed poll's note
	full       bool // refresh the whole card (a tab shown again after a while)
}

const maxTracked = 20

func parsePoll(c echo.Context) pollState {
	var p pollState
	for _, s := range strings.Split(c.QueryParam("ip"), ",") {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 && len(p.inProgress) < maxTracked {
			p.inProgress = append(p.inProgress, id)
		}
	}
	p.restoring = c.QueryParam("r") == "1"
	p.retry = c.QueryParam("retry") == "1"
	p.full = c.QueryParam("full") == "1"
	switch st := c.QueryParam("st"); st {
	case vpsapi.ServerRunning, vpsapi.ServerStopped, vpsapi.ServerRestoring:
		p.status = st
	}
	if n, err := strconv.Atoi(c.QueryParam("n")); err == nil && n >= 0 && n < 1000 {
		p.unchanged = n
	}
	return p
}

// Poll refreshes one server's live part. It costs one snapshot list call
// filtered by server_id, plus one server call while a restore runs. The
// answer carries no trigger once nothing moves, which ends the polling.
func (h *Fragments) Poll(c echo.Context) error {
	ctx := c.Request().Context()
	token := session.From(ctx).Token()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "There is no such server.")
	}
	before := parsePoll(c)
	snaps, err := h.API.ListSnapshots(ctx, token, id)
	if err != nil {
		return h.pollFailed(c, id, before, err)
	}
	name, status := "", before.status
	if len(snaps) > 0 {
		name = snaps[0].Server.Name
	}
	if before.restoring || name == "" {
		srv, err := h.API.GetServer(ctx, token, id)
		switch {
		case err == nil:
			name, status = srv.Name, srv.Status
		case errors.Is(err, vpsapi.ErrNotFound) && name != "":
			status = "" // no Servers API: restore progress cannot be followed
		default:
			return h.pollFailed(c, id, before, err)
		}
	}
	groups := []views.ServerGroup{h.Site.group(id, name, status, snaps)}
	h.Site.annotate(ctx, groups)
	g := groups[0]

	var flashes []views.Flash
	for _, sid := range before.inProgress {
		i := slices.IndexFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == sid })
		if i < 0 {
			continue
		}
		s := snaps[i]
		switch {
		case s.Failed():
			flashes = append(flashes, views.Flash{Kind: "error", Text: fmt.Sprintf("Snapshot %s of %s failed (%s).", s.Name, name, views.StatusLabel(s.Status))})
		case s.Done():
			flashes = append(flashes, views.Flash{Kind: "ok", Text: fmt.Sprintf("Snapshot %s of %s is complete (%s).", s.Name, name, views.HumanSize(s.SizeMB))})
		}
	}
	if before.restoring && !g.Restoring() {
		flashes = append(flashes, views.Flash{Kind: "ok", Text: fmt.Sprintf("Restore of %s finished. The server is %s.", name, views.StatusLabel(status))})
	}
	now := g.InProgress()
	slices.Sort(now)
	slices.Sort(before.inProgress)
	unchanged := slices.Equal(before.inProgress, now) && before.restoring == g.Restoring() && before.status == status
	if !unchanged || len(flashes) > 0 || before.full {
		if len(flashes) > 0 {
			g.Outcome = &flashes[len(flashes)-1]
		}
		return h.Site.renderUpdated(c, views.Updated{Group: g, Flashes: flashes})
	}
	// Nothing changed: leave the card alone, so what the person is reading
	// or has focused stays put. Only the poller moves on to a slower pace,
	// and once it is at its slowest not even that.
	next := g.Poll()
	next.After = before.unchanged + 1 // and Retry false: a note of a failed poll goes
	if !before.retry && next.URL() == before.spec(h.Site.BasePath, id).URL() {
		return c.NoContent(http.StatusNoContent)
	}
	htmx.Retarget(c, "#"+views.ServerPollerID(id))
	htmx.Reswap(c, "outerHTML")
	return h.Site.Render(c, http.StatusOK, views.Poller(next, ""))
}

// spec is the poller that asked, as the page holds it.
func (p pollState) spec(base string, id int64) views.PollSpec {
	return views.PollSpec{Base: base, ServerID: id, InProgress: p.inProgress, Restoring: p.restoring, Status: p.status, After: p.unchanged, Retry: p.retry}
}

// pollFailed keeps the page as it was and polls again later: only the poller
// is replaced, with a note and the next, longer interval. A refused token
// still ends the session.
func (h *Fragments) pollFailed(c echo.Context, id int64, before pollState, err error) error {
	if !errors.Is(err, vpsapi.ErrUnavailable) {
		return err
	}
	h.Site.Log.WarnContext(c.Request().Context(), "poll failed", "server_id", id, "error", err)
	p := before.spec(h.Site.BasePath, id)
	p.After = max(before.unchanged+1, 2)
	p.Retry = true
	status, why := http.StatusBadGateway, "VPS.org is not answering"
	if errors.Is(err, context.DeadlineExceeded) {
		status, why = http.StatusGatewayTimeout, "VPS.org is too slow to answer"
	}
	msg := fmt.Sprintf("Could not refresh: %s. Trying again in %d s.", why, int(p.Interval()/time.Second))
	htmx.Retarget(c, "#"+views.ServerPollerID(id))
	htmx.Reswap(c, "outerHTML")
	return h.Site.Render(c, status, views.Poller(p, msg))
}
