// Package bulkdelete deletes the snapshots a person ticked in the All
// snapshots table: the selection checked again against what must not be
// deleted, then one job (BulkDeleteArgs, BulkDeleteWorker) deleting one
// snapshot a run, each recorded before and after its call, each at most
// once.
package bulkdelete

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/bulk"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/services/fleet"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/vpsapi"
)

// Service plans and starts bulk deletes, and deletes their snapshots one
// at a time.
type Service struct {
	fleet *fleet.Service // what may be deleted, as the table shows it
	dash  *dashboard.Dashboard
	api   vpsapi.API
	store *store.Store // a bulk delete and its job are written in one of its transactions
	bulk  bulk.Store
	jobs  *jobs.Runner
	roles dashboard.Roles
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Service and adds its worker to the job engine.
func New(dash *dashboard.Dashboard, table *fleet.Service, st *store.Store, engine *jobs.Runner) *Service {
	s := &Service{dash: dash, fleet: table, api: dash.Seeing(), store: st, bulk: st.Bulk(), jobs: engine, roles: dash.Roles(), log: dash.Log(), now: dash.Now}
	jobs.AddWorker(engine, &BulkDeleteWorker{Service: s})
	return s
}

// BulkDeleteArgs name a bulk delete and the sealed token's key.
type BulkDeleteArgs struct {
	BulkID   int64  `json:"bulk_id"`
	TokenKey string `json:"token_key"`
}

// Kind names the job in River.
func (BulkDeleteArgs) Kind() string { return "bulk_delete" }

// jobLife bounds a bulk delete's job.
const jobLife = time.Hour

// BulkDeleteWorker deletes one snapshot of a bulk delete a run.
type BulkDeleteWorker struct {
	river.WorkerDefaults[BulkDeleteArgs]
	Service *Service
}

// Work deletes the next snapshot with the person's token.
func (w *BulkDeleteWorker) Work(ctx context.Context, job *river.Job[BulkDeleteArgs]) error {
	a := job.Args
	return w.Service.jobs.Step(ctx, a.TokenKey,
		func(string) { w.Service.stop(ctx, a.BulkID) },
		func(token vpsapi.Token) (jobs.Next, error) { return w.Service.Advance(ctx, a.BulkID, token) })
}

// Stop ends a bulk delete whose person signed out while its job waited.
func (w *BulkDeleteWorker) Stop(ctx context.Context, a BulkDeleteArgs, _ string) {
	w.Service.stop(ctx, a.BulkID)
}

// ErrBulkChanged: a snapshot chosen for a bulk delete cannot be deleted now
// (pinned, in progress, used by a restore, or gone): nothing was started.
var ErrBulkChanged = errors.New("the selection changed")

// Choice is a selection for a bulk delete, checked: what will be
// deleted, and what cannot be, with why.
type Choice struct {
	Rows    []fleet.Row
	Refused map[int64]string // by snapshot id
}

// Plan checks a selection against the table's data: one list and
// one servers call.
func (s *Service) Plan(ctx context.Context, token vpsapi.Token, ids []int64) (Choice, error) {
	f, err := s.fleet.Table(ctx, token, fleet.Query{Page: 1, All: true})
	if err != nil {
		return Choice{}, err
	}
	c := Choice{Refused: map[int64]string{}}
	for _, id := range ids {
		i := slices.IndexFunc(f.Rows, func(r fleet.Row) bool { return r.ID == id })
		switch {
		case i < 0:
			c.Refused[id] = i18n.N("no longer there")
		case fleet.LockedWhy(f.Rows[i]) != "":
			c.Refused[id] = fleet.LockedWhy(f.Rows[i])
		default:
			c.Rows = append(c.Rows, f.Rows[i])
		}
	}
	return c, nil
}

// Action is a person's confirmed bulk delete.
type Action struct {
	Actor   string
	Owner   string   // Owner of the session
	Groups  []string // the person's SSO groups: each delete checks the roles again
	Token   vpsapi.Token
	Session string
	FormID  string
	IDs     []int64
}

// Start checks the selection again and starts the job deleting it;
// a repeat of the same form starts nothing more.
func (s *Service) Start(ctx context.Context, a Action) (int64, error) {
	v, err, _ := s.dash.Guard().Do(ctx, submitguard.FormKey("bulk", a.Token, a.FormID), func(ctx context.Context) (any, error) {
		c, err := s.Plan(ctx, a.Token, a.IDs)
		if err != nil {
			return int64(0), err
		}
		if len(c.Refused) > 0 || len(c.Rows) == 0 {
			return int64(0), ErrBulkChanged
		}
		b := bulk.Delete{Actor: a.Actor, Owner: a.Owner, Groups: a.Groups, Started: s.now().UTC()}
		for _, r := range c.Rows {
			b.Items = append(b.Items, bulk.Item{SnapshotID: r.ID, ServerID: r.Server.ID, ServerName: r.ServerName, SnapshotName: r.Name})
		}
		// The bulk delete and its job: both, or neither.
		var id int64
		err = s.store.InTx(ctx, func(tx *store.Store) error {
			var err error
			if id, err = tx.Bulk().Add(ctx, b); err != nil {
				return err
			}
			p := jobs.Person{Session: a.Session, Token: a.Token, BulkID: id, Life: jobLife + 15*time.Minute}
			return s.jobs.InsertWithTokenTx(ctx, tx, p, func(key string) (river.JobArgs, *river.InsertOpts) {
				return BulkDeleteArgs{BulkID: id, TokenKey: key}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
			})
		})
		if err != nil {
			return int64(0), err
		}
		if err := s.jobs.StopIfSessionEnded(ctx, a.Session); err != nil {
			s.log.WarnContext(ctx, "a bulk delete whose session ended was not stopped; it stops at its next step", "bulk_id", id, "error", err)
		}
		s.log.InfoContext(ctx, "bulk delete started", "actor", a.Actor, "bulk_id", id, "snapshots", len(b.Items))
		return id, nil
	})
	id, _ := v.(int64)
	return id, err
}

// Owner names whose a bulk delete is: a hash of the session's SSO
// identity and its token, so two tokens whose last characters match (the
// actor's words) never share one, and no token is stored.
func Owner(identity string, token vpsapi.Token) string {
	sum := sha256.Sum256([]byte(identity + "\x00" + string(token)))
	return hex.EncodeToString(sum[:])
}

// Latest is the owner's newest bulk delete, for the table to show, with
// only its items on servers the person's token sees now (visible).
func (s *Service) Latest(ctx context.Context, owner string, visible []vpsapi.Server) (bulk.Delete, bool) {
	b, ok, err := s.bulk.Latest(ctx, owner)
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
func (s *Service) Advance(ctx context.Context, id int64, token vpsapi.Token) (jobs.Next, error) {
	b, err := s.bulk.Get(ctx, id)
	if err != nil {
		return jobs.Next{}, err
	}
	i := slices.IndexFunc(b.Items, func(it bulk.Item) bool { return it.State == bulk.Sending })
	if i < 0 {
		i = slices.IndexFunc(b.Items, func(it bulk.Item) bool { return it.State == bulk.Pending })
	}
	if b.Done || i < 0 {
		s.endBulk(ctx, b)
		return jobs.Next{Done: true}, nil
	}
	if err := s.deleteItem(ctx, b, b.Items[i], token); err != nil {
		if errors.Is(err, vpsapi.ErrUnauthorized) {
			s.stop(ctx, id)
			return jobs.Next{Done: true}, nil
		}
		return jobs.Next{Wait: vpsapi.Pace(2)}, err
	}
	return jobs.Next{Wait: time.Millisecond}, nil
}

// deleteItem deletes one snapshot of a bulk delete.
func (s *Service) deleteItem(ctx context.Context, b bulk.Delete, it bulk.Item, token vpsapi.Token) error {
	rec := activity.Record{Actor: b.Actor, Action: dashboard.Delete, ServerID: it.ServerID, ServerName: it.ServerName,
		SnapshotID: it.SnapshotID, SnapshotName: it.SnapshotName}
	if it.State == bulk.Sending {
		// Found here, the delete may have gone through before a replica died.
		snaps, err := s.api.ListSnapshots(ctx, token, it.ServerID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == it.SnapshotID }) {
			return s.itemDone(ctx, b, it, bulk.Deleted, "", rec)
		}
	}
	// Asked before every DELETE, a resumed one too: time has passed since.
	prot, err := s.dash.Protection(ctx, token, map[int64]string{it.ServerID: ""})
	if err != nil { // ErrUnprotected: fails closed
		return s.itemDone(ctx, b, it, bulk.Refused, i18n.N("not deleted: Snapdash could not read its pins and running restores"), rec)
	}
	if why := prot.Why(it.SnapshotID); why != "" {
		return s.itemDone(ctx, b, it, bulk.Refused, i18n.Nf("%s meanwhile", why), rec)
	}
	if it.State == bulk.Pending {
		if ok, err := s.bulk.Move(ctx, b.ID, it.SnapshotID, bulk.Pending, bulk.Sending, ""); err != nil || !ok {
			return err // moved elsewhere: the next round reads it again
		}
		it.State = bulk.Sending
	}
	// Roles may have changed since it started: asked again before the call.
	if ok, why := s.roles.Allows(b.Groups, dashboard.Delete); !ok {
		return s.itemDone(ctx, b, it, bulk.Refused, i18n.Nf("refused by Snapdash: %s", why), rec)
	}
	err = s.api.DeleteSnapshot(ctx, token, it.SnapshotID)
	var ve *vpsapi.Error
	switch {
	case err == nil:
		return s.itemDone(ctx, b, it, bulk.Deleted, "", rec)
	case errors.Is(err, vpsapi.ErrNotFound): // gone, as asked, but not by this delete
		return s.itemDone(ctx, b, it, bulk.Deleted, i18n.N("already gone from VPS.org"), rec)
	case errors.As(err, &ve) && errors.Is(err, vpsapi.ErrRejected):
		return s.itemDone(ctx, b, it, bulk.Failed, i18n.Nf("VPS.org refused: %s", ve.Summary()), rec)
	}
	return err // no answer: it stays "sending", and the next round lists first
}

// itemDone records one item's outcome, on the item and in the activity record.
func (s *Service) itemDone(ctx context.Context, b bulk.Delete, it bulk.Item, state, detail string, rec activity.Record) error {
	ok, err := s.bulk.Move(ctx, b.ID, it.SnapshotID, it.State, state, detail)
	if err != nil || !ok {
		return err
	}
	rec.Time = s.now().UTC()
	rec.Outcome, rec.Detail = activity.Started, i18n.N("in a bulk delete")
	if state != bulk.Deleted {
		rec.Outcome = activity.Refused
	}
	if detail != "" {
		rec.Detail = i18n.Nf("in a bulk delete: %s", detail)
	}
	s.dash.RecordDecision(ctx, rec)
	return nil
}

// endBulk marks a bulk delete done and tells the team how it went.
func (s *Service) endBulk(ctx context.Context, b bulk.Delete) {
	if b.Done {
		return
	}
	now := s.now().UTC()
	if err := s.bulk.Finish(context.WithoutCancel(ctx), b.ID, now); err != nil {
		s.log.ErrorContext(ctx, "bulk delete's end not stored", "bulk_id", b.ID, "error", err)
		return
	}
	n := b.Counts()
	s.log.InfoContext(ctx, "bulk delete ended", "bulk_id", b.ID, "deleted", n[bulk.Deleted], "failed", n[bulk.Failed]+n[bulk.Refused])
	{
		s.jobs.Notify(ctx, jobs.Notice{Action: "bulk delete", Server: i18n.Nf("%d snapshots", len(b.Items)), Person: b.Actor,
			Outcome: i18n.Nf("%d deleted, %d not", n[bulk.Deleted], len(b.Items)-n[bulk.Deleted]), Duration: now.Sub(b.Started)})
	}
}

// stop ends a bulk delete whose job lost its token: what was not
// deleted stays.
func (s *Service) stop(ctx context.Context, id int64) {
	ctx = context.WithoutCancel(ctx)
	b, err := s.bulk.Get(ctx, id)
	if err != nil || b.Done {
		return
	}
	for _, it := range b.Items {
		switch it.State {
		case bulk.Pending:
			_, _ = s.bulk.Move(ctx, id, it.SnapshotID, it.State, bulk.Stopped, i18n.N("its person signed out; not deleted"))
		case bulk.Sending:
			// Its delete may have reached VPS.org: say so, not "not deleted".
			_, _ = s.bulk.Move(ctx, id, it.SnapshotID, it.State, bulk.Stopped, i18n.N("its person signed out while its delete was on its way: it may be deleted; the table shows"))
		}
	}
	_ = s.bulk.Finish(ctx, id, s.now().UTC())
}
