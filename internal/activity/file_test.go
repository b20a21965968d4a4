package activity_test

import (
	"context"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
)

func TestFileStoreKeepsNewestAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := activity.NewFileStore(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		if err := s.Add(ctx, activity.Record{Time: t0.Add(time.Duration(i) * time.Minute), Actor: "alice", Action: activity.Create, ServerID: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.Recent(ctx, 10)
	if len(got) != 3 || got[0].ServerID != 4 || got[2].ServerID != 2 {
		t.Fatalf("recent = %+v, want the newest 3, newest first", got)
	}
	again, err := activity.NewFileStore(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	got2, _ := again.Recent(ctx, 2)
	if len(got2) != 2 || got2[0].ServerID != 4 || got2[0].Actor != "alice" {
		t.Errorf("after a restart: %+v", got2)
	}
}
