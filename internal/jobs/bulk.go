package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
)

// BulkDelete is the job deleting the snapshots of a bulk delete, one at a
// time, each at most once.
type BulkDelete struct {
	BulkID   int64  `json:"bulk_id"`
	TokenKey string `json:"token_key"`
}

// Kind names the job in River.
func (BulkDelete) Kind() string { return "bulk_delete" }

// Deleter moves a bulk delete on by one snapshot (see
// dashboard.AdvanceBulk), and stops one whose person signed out.
type Deleter interface {
	AdvanceBulk(ctx context.Context, id int64, token vpsapi.Token) (Next, error)
	StopBulk(ctx context.Context, id int64)
}

// bulkLife bounds a bulk delete job.
const bulkLife = time.Hour

// BulkDelete starts the job of a bulk delete with the token of the
// session's person, kept encrypted for its life.
func (r *Runner) BulkDelete(ctx context.Context, bulkID int64, sessionID string, token vpsapi.Token) error {
	return r.insertWithToken(ctx, sessionID, 0, bulkID, token, tokenLife(bulkLife), func(key string) (river.JobArgs, *river.InsertOpts) {
		return BulkDelete{BulkID: bulkID, TokenKey: key}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
	})
}

type bulkWorker struct {
	river.WorkerDefaults[BulkDelete]
	r *Runner
}

func (w *bulkWorker) Work(ctx context.Context, job *river.Job[BulkDelete]) error {
	r, a := w.r, job.Args
	sealed, err := r.tokens.Get(ctx, a.TokenKey)
	if errors.Is(err, store.ErrNoJobToken) {
		r.work.StopBulk(ctx, a.BulkID)
		return nil
	}
	if err != nil {
		return river.JobSnooze(vpsapi.Pace(2))
	}
	token, err := r.vault.open(a.TokenKey, sealed)
	if err != nil {
		r.work.StopBulk(ctx, a.BulkID)
		_ = r.tokens.Delete(context.WithoutCancel(ctx), a.TokenKey)
		return nil
	}
	next, err := r.work.AdvanceBulk(ctx, a.BulkID, vpsapi.Token(token))
	if err != nil {
		r.log.DebugContext(ctx, "a bulk delete could not move on", "bulk_id", a.BulkID, "error", err)
		return river.JobSnooze(max(next.Wait, vpsapi.Pace(2)))
	}
	if !next.Done {
		return river.JobSnooze(max(next.Wait, 10*time.Millisecond))
	}
	if err := r.tokens.Delete(context.WithoutCancel(ctx), a.TokenKey); err != nil {
		r.log.ErrorContext(ctx, "a finished job's token was not erased; it expires on its own", "bulk_id", a.BulkID, "error", err)
	}
	return nil
}
