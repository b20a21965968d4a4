package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
)

// A SQLite transaction that reads before it writes still writes when
// another connection wants to write meanwhile: the other waits its turn
// (here, until its deadline), instead of the transaction failing at its
// write with "database is locked".
func TestTransactionThatReadsFirstStillWrites(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	ctx := context.Background()
	rec := activity.Record{Time: time.Now(), Actor: "alice", Action: activity.Create, ServerID: 7, ServerName: "web", Outcome: activity.Started}
	err := st.InTx(ctx, func(tx *store.Store) error {
		if _, err := tx.Activity().Recent(ctx, 1); err != nil {
			return err
		}
		other, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, _ = st.Activity().Add(other, rec) // another request's write, on another connection
		_, err := tx.Activity().Add(ctx, rec)
		return err
	})
	if err != nil {
		t.Fatalf("the transaction's write: %v", err)
	}
}
