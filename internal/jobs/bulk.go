package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

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
	a := job.Args
	return w.r.step(ctx, a.TokenKey,
		func(string) { w.r.work.StopBulk(ctx, a.BulkID) },
		func(token vpsapi.Token) (Next, error) { return w.r.work.AdvanceBulk(ctx, a.BulkID, token) })
}
