package live

import (
	"context"

	"github.com/snapdash/snapdash/vpsapi"
)

// Seeing is VPS.org as the jobs ask it: what a job sees of a server (its
// snapshots, its status) is kept for the pages, so a card watching a
// restore or a bulk delete is answered from the store.
func Seeing(api vpsapi.API, views *Views) vpsapi.API { return seeing{API: api, views: views} }

type seeing struct {
	vpsapi.API
	views *Views
}

func (s seeing) ListSnapshots(ctx context.Context, token vpsapi.Token, serverID int64) ([]vpsapi.Snapshot, error) {
	asked := s.views.Asked()
	snaps, err := s.API.ListSnapshots(ctx, token, serverID)
	if err == nil {
		s.views.SawSnapshots(ctx, serverID, snaps, asked)
	}
	return snaps, err
}

func (s seeing) RestoreSnapshot(ctx context.Context, token vpsapi.Token, snapshotID int64) (vpsapi.Restored, error) {
	asked := s.views.Asked()
	res, err := s.API.RestoreSnapshot(ctx, token, snapshotID)
	if err == nil && res.Server.ID != 0 {
		s.views.SawStatus(ctx, res.Server.ID, res.Server.Status, asked)
	}
	return res, err
}

func (s seeing) GetServer(ctx context.Context, token vpsapi.Token, id int64) (vpsapi.Server, error) {
	asked := s.views.Asked()
	srv, err := s.API.GetServer(ctx, token, id)
	if err == nil {
		s.views.SawStatus(ctx, id, srv.Status, asked)
	}
	return srv, err
}
