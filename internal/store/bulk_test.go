package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/bulk"
)

// A bulk delete keeps its items' states; an item moves only from where it is.
func TestBulkDeleteItems(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			b := open(t).Bulk()
			ctx := context.Background()
			at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			id, err := b.Add(ctx, bulk.Delete{Actor: "alice", Owner: "alice-owner", Started: at, Items: []bulk.Item{
				{SnapshotID: 1, ServerID: 7, ServerName: "web", SnapshotName: "a"},
				{SnapshotID: 2, ServerID: 8, ServerName: "db", SnapshotName: "b"},
			}})
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := b.Move(ctx, id, 1, bulk.Pending, bulk.Sending, ""); !ok || err != nil {
				t.Fatalf("move: %v %v", ok, err)
			}
			if ok, _ := b.Move(ctx, id, 1, bulk.Pending, bulk.Sending, ""); ok {
				t.Error("moved twice from pending")
			}
			if _, err := b.Move(ctx, id, 1, bulk.Sending, bulk.Deleted, ""); err != nil {
				t.Fatal(err)
			}
			if err := b.Finish(ctx, id, at.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			d, ok, err := b.Latest(ctx, "alice-owner")
			if err != nil || !ok || !d.Done || len(d.Items) != 2 || d.Items[0].ServerName != "db" || d.Counts()[bulk.Deleted] != 1 || d.Counts()[bulk.Pending] != 1 {
				t.Errorf("latest: %+v %v %v", d, ok, err)
			}
			if _, ok, _ := b.Latest(ctx, "alice"); ok {
				t.Error("a bulk delete is found by its actor's words, not its owner")
			}
		})
	}
}
