package dashboard

import (
	"context"
	"slices"

	"github.com/snapdash/snapdash/vpsapi"
)

// VisibleServer is a server the person's token sees; ErrNotFound otherwise.
func (d *Dashboard) VisibleServer(ctx context.Context, token vpsapi.Token, id int64) (vpsapi.Server, error) {
	servers, err := d.Servers(ctx, token)
	if err != nil {
		return vpsapi.Server{}, err
	}
	i := slices.IndexFunc(servers, func(s vpsapi.Server) bool { return s.ID == id })
	if i < 0 {
		return vpsapi.Server{}, &vpsapi.Error{Kind: vpsapi.ErrNotFound, Op: "find server"}
	}
	return servers[i], nil
}

// Restoring reports whether server id restores, given its status as VPS.org
// told it ("" without a Servers API): VPS.org says so, a restore job of
// Snapdash's runs, or, when the status cannot tell, a restore VPS.org
// accepted is still open (it may run for vpsapi.RestoreTakes). VPS.org
// takes no snapshot of a restoring server.
func (d *Dashboard) Restoring(ctx context.Context, id int64, status string) (bool, error) {
	if status == vpsapi.ServerRestoring {
		return true, nil
	}
	if d.restores != nil {
		running, err := d.restores.Running(ctx, []int64{id})
		if err != nil || len(running) > 0 {
			return err == nil, err
		}
	}
	if status != "" || d.activity == nil {
		return false, nil
	}
	open, err := d.openRestores(ctx, []int64{id})
	r, ok := open[id]
	return ok && r.mayRun(d.now()), err
}
