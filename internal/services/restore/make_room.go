package restore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/snapdash/snapdash/internal/i18n"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/vpsapi"
)

// Room for a new snapshot at the limit: VPS.org refuses a sixth snapshot,
// so one must be deleted before the new one can exist. A person allowed to
// delete chooses which (never a pinned one, one in progress, or one a
// restore uses), confirms that it is gone even if the new one fails, and a
// job deletes it, then creates the new one (never resent on a lost
// answer), then follows it: the steps of a restore with a safety snapshot,
// without the restore (restores.KindCreate), on one activity record.

// RoomChoices lists what may be deleted to make room for a new snapshot on a
// full server, oldest first: one list call, and the rule of what must not
// be deleted. Empty when the server has room or nothing may go.
func (s *Service) RoomChoices(ctx context.Context, token vpsapi.Token, serverID int64) ([]vpsapi.Snapshot, error) {
	snaps, err := s.api.ListSnapshots(ctx, token, serverID)
	if err != nil || len(snaps) < dashboard.Limit {
		return nil, err
	}
	return s.roomIn(ctx, token, serverID, snaps)
}

// roomIn is what of snaps may be deleted to make room, oldest first.
func (s *Service) roomIn(ctx context.Context, token vpsapi.Token, serverID int64, snaps []vpsapi.Snapshot) ([]vpsapi.Snapshot, error) {
	prot, err := s.dash.Protection(ctx, token, map[int64]string{serverID: ""})
	if err != nil {
		return nil, err
	}
	var out []vpsapi.Snapshot
	for _, s := range snaps {
		if s.Done() && prot.Why(s.ID) == "" {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b vpsapi.Snapshot) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// startMakeRoom checks the choice still holds, records the new snapshot and
// starts the job that deletes the chosen one, then creates it. Nothing
// reaches VPS.org here. A server that has room again meanwhile gets a
// plain create: nothing is deleted that need not be.
func (s *Service) startMakeRoom(ctx context.Context, a dashboard.Action) (dashboard.Result, error) {
	if ok, why := s.roles.Allows(a.Groups, dashboard.Delete); !ok {
		return dashboard.Result{}, dashboard.BeforeSending(fmt.Errorf("%w: %s", dashboard.ErrBadDeleteChoice, why))
	}
	snaps, err := s.api.ListSnapshots(ctx, a.Token, a.ServerID)
	if err != nil {
		return dashboard.Result{}, dashboard.BeforeSending(err)
	}
	if len(snaps) < dashboard.Limit {
		a.DeleteFirst = 0
		return s.dash.Send(ctx, a)
	}
	if err := s.notRestoring(ctx, a.Token, a.ServerID); err != nil {
		return dashboard.Result{}, dashboard.BeforeSending(err)
	}
	if !a.AllowDuplicateName && slices.ContainsFunc(snaps, func(s vpsapi.Snapshot) bool { return s.Name == a.SnapshotName }) {
		return dashboard.Result{}, dashboard.BeforeSending(dashboard.ErrNameTaken)
	}
	free, err := s.roomIn(ctx, a.Token, a.ServerID, snaps)
	if err != nil {
		return dashboard.Result{}, dashboard.BeforeSending(err)
	}
	j := slices.IndexFunc(free, func(s vpsapi.Snapshot) bool { return s.ID == a.DeleteFirst })
	if j < 0 {
		return dashboard.Result{}, dashboard.BeforeSending(dashboard.ErrBadDeleteChoice)
	}
	r := restores.Restore{
		Kind: restores.KindCreate, Actor: a.Actor, Groups: a.Groups, ServerID: a.ServerID, ServerName: cmp.Or(a.ServerName, free[j].Server.Name),
		SafetyName: a.SnapshotName, Description: a.Description, DeleteID: a.DeleteFirst, DeleteName: free[j].Name,
		Step: restores.StepDeleteSending, Started: s.now().UTC(),
	}
	return s.startRestoreJob(ctx, a, r, activity.Record{Time: r.Started, Actor: a.Actor, Action: dashboard.Create, ServerID: a.ServerID, ServerName: r.ServerName,
		SnapshotName: a.SnapshotName, Outcome: activity.Started, Detail: i18n.Nf("deleting %s first to make room", r.DeleteName)})
}
