package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/internal/htmx"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// Fragments serves the parts of the page that refresh themselves.
type Fragments struct {
	Site *Site
}

func (s *Site) renderUpdated(c echo.Context, u views.Updated) error {
	return s.Render(c, http.StatusOK, views.UpdatedFragment(u))
}

// Poll refreshes one server's live part. It costs one snapshot list call
// filtered by server_id, plus one server call while a restore runs or when
// the whole card is asked for. The
// answer carries no trigger once nothing moves, which ends the polling.
func (h *Fragments) Poll(c echo.Context) error {
	ctx := c.Request().Context()
	token := session.From(ctx).Token()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, i18n.N("There is no such server."))
	}
	before := views.ParsePoll(h.Site.BasePath, id, c.QueryParams())
	// A card whose restore was sent needs the server's status, and so does
	// a whole card (a change the team made, a tab shown again): a teammate
	// may have started a restore.
	// While a job works on the server, the card is answered from what it
	// saw (the store; a whole card takes the status the view has);
	// otherwise VPS.org is asked, for the status too when a restore job
	// runs (its restore may have been sent since).
	restoring := before.Restoring || (before.Job != 0 && restores.SentRestore(before.Step))
	needStatus := restoring || before.Full || before.Job != 0
	srv, fromStore := h.Site.Dash.FromView(ctx, token, id, before.Status, restoring)
	if !fromStore {
		var err error
		if srv, err = h.Site.Dash.Refresh(ctx, token, id, needStatus, before.Status); err != nil {
			return h.pollFailed(c, id, before, err)
		}
	}
	g := h.Site.group(c, srv)
	g.FromStore = fromStore
	snaps, name, status := srv.Snapshots, srv.Name, srv.Status

	var flashes []views.Flash
	for _, sid := range before.InProgress {
		i := slices.IndexFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == sid })
		if i < 0 {
			continue
		}
		s := snaps[i]
		switch {
		case s.Failed():
			flashes = append(flashes, views.Flash{Kind: views.FlashError, Text: i18n.T(ctx, "Snapshot %s of %s failed (%s).", s.Name, name, views.StatusLabel(ctx, s.Status))})
		case s.Done():
			flashes = append(flashes, views.Flash{Kind: views.FlashOK, Text: i18n.T(ctx, "Snapshot %s of %s is complete (%s).", s.Name, name, views.HumanSize(ctx, s.SizeMB))})
		}
	}
	jobEnded := before.Job != 0 && (g.Job == nil || g.Job.ID != before.Job)
	if jobEnded {
		if r, err := h.Site.Restores.Get(ctx, id, before.Job); err == nil {
			text, bad := r.EndWords(i18n.From(ctx))
			kind := views.FlashOK
			if bad {
				kind = views.FlashError // stays until dismissed
			}
			flashes = append(flashes, views.Flash{Kind: kind, Text: text})
		}
	} else if before.Restoring && !g.Restoring() {
		flashes = append(flashes, views.Flash{Kind: views.FlashOK, Text: i18n.T(ctx, "Restore of %s finished. The server is %s.", name, views.StatusLabel(ctx, status))})
	}
	now := g.InProgress()
	slices.Sort(now)
	was := slices.Sorted(slices.Values(before.InProgress))
	after := g.Poll()
	unchanged := slices.Equal(was, now) && before.Restoring == g.Restoring() && before.Status == status &&
		before.Job == after.Job && before.Step == after.Step
	if !unchanged || len(flashes) > 0 || before.Full {
		if len(flashes) > 0 {
			g.Outcome = &flashes[len(flashes)-1]
		}
		return h.Site.renderUpdated(c, views.Updated{Group: g, Flashes: flashes})
	}
	// Nothing changed: leave the card alone, so what the person is reading
	// or has focused stays put. Only the poller moves on to a slower pace,
	// and once it is at its slowest not even that.
	next := before.Next()
	if fromStore {
		// Answered from what a job saw, a poll costs VPS.org nothing: the
		// card keeps asking often, so a change shows at once.
		next = before.FromStoreNext()
	}
	if next.URL() == before.URL() {
		return c.NoContent(http.StatusNoContent)
	}
	htmx.Retarget(c.Response(), "#"+views.ServerPollerID(id))
	htmx.Reswap(c.Response(), "outerHTML")
	return h.Site.Render(c, http.StatusOK, views.Poller(next, ""))
}

// pollFailed keeps the page as it was and polls again later: only the poller
// is replaced, with a note and the next, longer interval. A refused token
// still ends the session.
func (h *Fragments) pollFailed(c echo.Context, id int64, before views.PollSpec, err error) error {
	if !errors.Is(err, vpsapi.ErrUnavailable) {
		return err
	}
	ctx := c.Request().Context()
	h.Site.Log.WarnContext(ctx, "poll failed", "server_id", id, "error", err)
	p := before.AfterFailure()
	status, why := http.StatusBadGateway, i18n.T(ctx, "VPS.org is not answering")
	if errors.Is(err, context.DeadlineExceeded) {
		status, why = http.StatusGatewayTimeout, i18n.T(ctx, "VPS.org is too slow to answer")
	}
	msg := i18n.T(ctx, "Could not refresh: %s. Trying again in %d s.", why, int(p.Interval()/time.Second))
	htmx.Retarget(c.Response(), "#"+views.ServerPollerID(id))
	htmx.Reswap(c.Response(), "outerHTML")
	return h.Site.Render(c, status, views.Poller(p, msg))
}

// Changes says which of the person's servers changed after the page's last
// change (?since=), from the store: 204, with the newest change's id in
// Snapdash-Since, when none did (a visible page asks every 2 s); else the
// ids, for the page to refresh those cards.
func (h *Fragments) Changes(c echo.Context) error {
	since, err := strconv.ParseInt(c.QueryParam("since"), 10, 64)
	if err != nil || since < 0 {
		since = 0
	}
	ctx := c.Request().Context()
	last, changed, err := h.Site.Feed.Since(ctx, session.From(ctx).Token(), since)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if len(changed) == 0 {
		c.Response().Header().Set("Snapdash-Since", strconv.FormatInt(last, 10))
		return c.NoContent(http.StatusNoContent)
	}
	return c.JSON(http.StatusOK, struct {
		Since   int64   `json:"since"`
		Servers []int64 `json:"servers"`
	}{last, changed})
}
