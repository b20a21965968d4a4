package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/vpsapi"
)

var _ jobs.Deleter = (*Dashboard)(nil)

// ErrBulkChanged: a snapshot chosen for a bulk delete cannot be deleted now
// (pinned, in progress, used by a restore, or gone): nothing was started.
var ErrBulkChanged = errors.New("the selection changed")

// BulkChoice is a selection for a bulk delete, checked: what will be
// deleted, and what cannot be, with why.
type BulkChoice struct {
	Rows    []FleetRow
	Refused map[int64]string // by snapshot id
}

// LockedWhy says why a snapshot of the table cannot be deleted; "" when it can.
func LockedWhy(r FleetRow) string {
	switch {
	case r.Pinned:
		return "pinned"
	case r.Unchecked:
		return "cannot be checked now"
	case r.InUse:
		return whyInUse
	case !r.Done():
		return "still in progress"
	}
	return ""
}

// PlanBulkDelete checks a selection against the table's data: one list and
// one servers call.
func (d *Dashboard) PlanBulkDelete(ctx context.Context, token vpsapi.Token, ids []int64) (BulkChoice, error) {
	f, err := d.Fleet(ctx, token, FleetQuery{Page: 1, all: true})
	if err != nil {
		return BulkChoice{}, err
	}
	c := BulkChoice{Refused: map[int64]string{}}
	for _, id := range ids {
		i := slices.IndexFunc(f.Rows, func(r FleetRow) bool { return r.ID == id })
		switch {
		case i < 0:
			c.Refused[id] = "no longer there"
		case LockedWhy(f.Rows[i]) != "":
			c.Refused[id] = LockedWhy(f.Rows[i])
		default:
			c.Rows = append(c.Rows, f.Rows[i])
		}
	}
	return c, nil
}

// BulkAction is a person's confirmed bulk delete.
type BulkAction struct {
	Actor   string
	Owner   string   // BulkOwner of the session
	Groups  []string // the person's SSO groups: each delete checks the roles again
	Token   vpsapi.Token
	Session string
	FormID  string
	IDs     []int64
}

// StartBulkDelete checks the selection again and starts the job deleting it;
// a repeat of the same form starts nothing more.
func (d *Dashboard) StartBulkDelete(ctx context.Context, a BulkAction) (int64, error) {
	if d.jobs == nil || d.bulk == nil {
		return 0, ErrNoJobs
	}
	v, err, _ := d.guard.Do(ctx, onceKey("bulk", a.Token, a.FormID), func(ctx context.Context) (any, error) {
		c, err := d.PlanBulkDelete(ctx, a.Token, a.IDs)
		if err != nil {
			return int64(0), err
		}
		if len(c.Refused) > 0 || len(c.Rows) == 0 {
			return int64(0), ErrBulkChanged
		}
		b := bulk.Delete{Actor: a.Actor, Owner: a.Owner, Groups: a.Groups, Started: d.now().UTC()}
		for _, r := range c.Rows {
			b.Items = append(b.Items, bulk.Item{SnapshotID: r.ID, ServerID: r.Server.ID, ServerName: r.ServerName, SnapshotName: r.Name})
		}
		id, err := d.bulk.Add(ctx, b)
		if err != nil {
			return int64(0), err
		}
		if err := d.jobs.BulkDelete(ctx, id, a.Session, a.Token); err != nil {
			_ = d.bulk.Finish(context.WithoutCancel(ctx), id, d.now().UTC())
			return int64(0), err
		}
		d.log.InfoContext(ctx, "bulk delete started", "actor", a.Actor, "bulk_id", id, "snapshots", len(b.Items))
		return id, nil
	})
	id, _ := v.(int64)
	return id, err
}

// BulkDeletes reports whether bulk deletes can run (the job engine).
func (d *Dashboard) BulkDeletes() bool { return d.jobs != nil && d.bulk != nil }

// BulkOwner names whose a bulk delete is: a hash of the session's SSO
// identity and its token, so two tokens whose last characters match (the
// actor's words) never share one, and no token is stored.
func BulkOwner(identity string, token vpsapi.Token) string {
	sum := sha256.Sum256([]byte(identity + "\x00" + string(token)))
	return hex.EncodeToString(sum[:])
}

// LatestBulk is the owner's newest bulk delete, for the table to show, with
// only its items on servers the person's token sees now (visible).
func (d *Dashboard) LatestBulk(ctx context.Context, owner string, visible []vpsapi.Server) (bulk.Delete, bool) {
	if d.bulk == nil {
		return bulk.Delete{}, false
	}
	b, ok, err := d.bulk.Latest(ctx, owner)
	if !ok || err != nil {
		return bulk.Delete{}, false
	}
	b.Items = slices.DeleteFunc(b.Items, func(it bulk.Item) bool {
		return !slices.ContainsFunc(visible, func(s vpsapi.Server) bool { return s.ID == it.ServerID })
	})
	return b, len(b.Items) > 0
}

// AdvanceBulk deletes the next snapshot of a bulk delete, recorded before
// and after its call: an item found "sending" on resume is looked for first,
// so nothing is deleted twice. A refusal or failure on one does not stop the
// others. One snapshot a run: a replica that dies loses at most the one in
// flight, and another takes the job up at once.
func (d *Dashboard) AdvanceBulk(ctx context.Context, id int64, token vpsapi.Token) (jobs.Next, error) {
	b, err := d.bulk.Get(ctx, id)
	if err != nil {
		return jobs.Next{}, err
	}
	i := slices.IndexFunc(b.Items, func(it bulk.Item) bool { return it.State == bulk.Sending })
	if i < 0 {
		i = slices.IndexFunc(b.Items, func(it bulk.Item) bool { return it.State == bulk.Pending })
	}
	if b.Done || i < 0 {
		d.endBulk(ctx, b)
		return jobs.Next{Done: true}, nil
	}
	if err := d.deleteItem(ctx, b, b.Items[i], token); err != nil {
		if errors.Is(err, vpsapi.ErrUnauthorized) {
			d.StopBulk(ctx, id)
			return jobs.Next{Done: true}, nil
		}
		return jobs.Next{Wait: vpsapi.Pace(2)}, err
	}
	return jobs.Next{Wait: time.Millisecond}, nil
}

// deleteItem deletes one snapshot of a bulk delete.
func (d *Dashboard) deleteItem(ctx context.Context, b bulk.Delete, it bulk.Item, token vpsapi.Token) error {
	rec := activity.Record{Actor: b.Actor, Action: Delete, ServerID: it.ServerID, ServerName: it.ServerName,
		SnapshotID: it.SnapshotID, SnapshotName: it.SnapshotName}
	if it.State == bulk.Sending {
		// Found here, the delete may have gone through before a replica died.
		snaps, err := d.api.ListSnapshots(ctx, token, it.ServerID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == it.SnapshotID }) {
			return d.itemDone(ctx, b, it, bulk.Deleted, "", rec)
		}
	} else {
		prot, err := d.Protection(ctx, token, map[int64]string{it.ServerID: ""})
		if errors.Is(err, ErrUnprotected) {
			return d.itemDone(ctx, b, it, bulk.Refused, "not deleted: Snapdash could not read its pins and running restores", rec)
		}
		if why := prot.Why(it.SnapshotID); why != "" {
			return d.itemDone(ctx, b, it, bulk.Refused, why+" meanwhile", rec)
		}
		if ok, err := d.bulk.Move(ctx, b.ID, it.SnapshotID, bulk.Pending, bulk.Sending, ""); err != nil || !ok {
			return err // moved elsewhere: the next round reads it again
		}
		it.State = bulk.Sending
	}
	// Roles may have changed since it started: asked again before the call.
	if ok, why := d.roles.Allows(b.Groups, Delete); !ok {
		return d.itemDone(ctx, b, it, bulk.Refused, "refused by Snapdash: "+why, rec)
	}
	err := d.api.DeleteSnapshot(ctx, token, it.SnapshotID)
	var ve *vpsapi.Error
	switch {
	case err == nil || errors.Is(err, vpsapi.ErrNotFound):
		return d.itemDone(ctx, b, it, bulk.Deleted, "", rec)
	case errors.As(err, &ve) && errors.Is(err, vpsapi.ErrRejected):
		return d.itemDone(ctx, b, it, bulk.Failed, "VPS.org refused: "+ve.Summary(), rec)
	}
	return err // no answer: it stays "sending", and the next round lists first
}

// itemDone records one item's outcome, on the item and in the activity record.
func (d *Dashboard) itemDone(ctx context.Context, b bulk.Delete, it bulk.Item, state, detail string, rec activity.Record) error {
	ok, err := d.bulk.Move(ctx, b.ID, it.SnapshotID, it.State, state, detail)
	if err != nil || !ok {
		return err
	}
	rec.Time = d.now().UTC()
	rec.Outcome, rec.Detail = activity.Started, "in a bulk delete"
	if state != bulk.Deleted {
		rec.Outcome, rec.Detail = activity.Refused, fmt.Sprintf("in a bulk delete: %s", detail)
	}
	d.recordRule(ctx, rec)
	d.forgetAttributions()
	return nil
}

// endBulk marks a bulk delete done and tells the team how it went.
func (d *Dashboard) endBulk(ctx context.Context, b bulk.Delete) {
	if b.Done {
		return
	}
	now := d.now().UTC()
	if err := d.bulk.Finish(context.WithoutCancel(ctx), b.ID, now); err != nil {
		d.log.ErrorContext(ctx, "bulk delete's end not stored", "bulk_id", b.ID, "error", err)
		return
	}
	n := b.Counts()
	d.log.InfoContext(ctx, "bulk delete ended", "bulk_id", b.ID, "deleted", n[bulk.Deleted], "failed", n[bulk.Failed]+n[bulk.Refused])
	if d.jobs != nil {
		d.jobs.Notify(ctx, jobs.Notice{Action: "bulk delete", Server: fmt.Sprintf("%d snapshots", len(b.Items)), Person: b.Actor,
			Outcome: fmt.Sprintf("%d deleted, %d not", n[bulk.Deleted], len(b.Items)-n[bulk.Deleted]), Duration: now.Sub(b.Started)})
	}
}

// StopBulk ends a bulk delete whose job lost its token: what was not
// deleted stays.
func (d *Dashboard) StopBulk(ctx context.Context, id int64) {
	if d.bulk == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	b, err := d.bulk.Get(ctx, id)
	if err != nil || b.Done {
		return
	}
	for _, it := range b.Items {
		switch it.State {
		case bulk.Pending:
			_, _ = d.bulk.Move(ctx, id, it.SnapshotID, it.State, bulk.Stopped, "its person signed out; not deleted")
		case bulk.Sending:
			// Its delete may have reached VPS.org: say so, not "not deleted".
			_, _ = d.bulk.Move(ctx, id, it.SnapshotID, it.State, bulk.Stopped, "its person signed out while its delete was on its way: it may be deleted; the table shows")
		}
	}
	_ = d.bulk.Finish(ctx, id, d.now().UTC())
}
