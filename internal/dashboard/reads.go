package dashboard

import (
	"context"
	"slices"

	"github.com/snapdash/snapdash/internal/restores"
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

// RunningRestores are the running restores of servers, by server.
func (d *Dashboard) RunningRestores(ctx context.Context, servers []int64) map[int64]restores.Restore {
	out := map[int64]restores.Restore{}
	if d.restores == nil {
		return out
	}
	rs, err := d.restores.Running(ctx, servers)
	if err != nil {
		d.log.WarnContext(ctx, "running restores not read", "error", err)
	}
	for _, r := range rs {
		out[r.ServerID] = r
	}
	return out
}
