package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/marks"
)

// Pins and notes are kept by snapshot, read by server, and forgotten once
// their snapshot is gone.
func TestMarks(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			m := open(t).Marks()
			ctx := context.Background()
			at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			for _, p := range []marks.Pin{{SnapshotID: 801, ServerID: 1, Actor: "alice", Reason: "golden image", At: at}, {SnapshotID: 802, ServerID: 1, Actor: "bob", Reason: "x", At: at}, {SnapshotID: 900, ServerID: 2, Actor: "carol", Reason: "y", At: at}} {
				if err := m.Pin(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.SetNote(ctx, marks.Note{SnapshotID: 801, ServerID: 1, Actor: "bob", Text: "<script>alert(1)</script>", At: at}); err != nil {
				t.Fatal(err)
			}
			pins, notes, err := m.Of(ctx, []int64{1})
			if err != nil || len(pins) != 2 || pins[801].Reason != "golden image" || !pins[801].At.Equal(at) || notes[801].Text != "<script>alert(1)</script>" || len(notes) != 1 {
				t.Fatalf("of server 1: %v %v %v", pins, notes, err)
			}
			if p, ok, err := m.Unpin(ctx, 802); !ok || err != nil || p.Actor != "bob" {
				t.Errorf("unpin: %+v %v %v", p, ok, err)
			}
			if _, ok, _ := m.Unpin(ctx, 802); ok {
				t.Error("unpinned twice")
			}
			if err := m.Forget(ctx, 1, []int64{803}); err != nil {
				t.Fatal(err)
			}
			pins, notes, _ = m.Of(ctx, []int64{1, 2})
			if len(pins) != 1 || pins[900].Actor != "carol" || len(notes) != 0 {
				t.Errorf("after forgetting server 1's gone snapshots: %v %v", pins, notes)
			}
		})
	}
}
