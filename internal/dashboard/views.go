package dashboard

import (
	"cmp"
	"context"
	"slices"

	"github.com/snapdash/snapdash/internal/live"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/vpsapi"
)

// FromView is a card as the jobs following work on its server see it, for
// a poll: only for a server the person's token was seen to see, only when
// fresh, and with its status when the card needs one (else the status the
// page showed, known). ok is false otherwise: the poll asks VPS.org.
func (d *Dashboard) FromView(ctx context.Context, token vpsapi.Token, id int64, known string, needStatus bool) (Server, bool) {
	ids, sees := d.seen.Of(token, d.now())
	if !sees || !slices.Contains(ids, id) {
		return Server{}, false
	}
	seen, snaps, ok := d.views.Fresh(ctx, id, live.Fresh)
	if !ok || (needStatus && seen == "") {
		return Server{}, false
	}
	name := ""
	if len(snaps) > 0 {
		name = snaps[0].Server.Name
	}
	if name == "" {
		return Server{}, false
	}
	list := []Server{server(id, name, cmp.Or(seen, known), snaps)}
	d.annotate(ctx, list)
	if j := list[0].Job; j != nil && restores.SentRestore(j.Step) && seen == "" {
		// Its restore was sent since the page last asked: the status the
		// page knew is no longer true, and the view does not say the new one.
		return Server{}, false
	}
	return list[0], true
}

// Seeing is VPS.org as the jobs ask it: what they see of a server is kept
// for the pages (live.Seeing).
func (d *Dashboard) Seeing() vpsapi.API { return live.Seeing(d.api, d.views) }
