package activity_test

import (
	"context"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/redistest"
)

func TestRedisStoreKeepsNewestWithinItsCap(t *testing.T) {
	rdb := redistest.Start(t).Client()
	ctx := context.Background()
	s := activity.NewRedisStore(rdb, "snapdash:activity", 3)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		if err := s.Add(ctx, activity.Record{Time: t0.Add(time.Duration(i) * time.Minute), Actor: "alice", Action: activity.Create, ServerID: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := rdb.LLen(ctx, "snapdash:activity").Val(); n != 3 {
		t.Errorf("the list holds %d records, want its cap of 3", n)
	}
	got, err := s.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ServerID != 4 || got[2].ServerID != 2 || got[0].Actor != "alice" {
		t.Fatalf("recent = %+v, want the newest 3, newest first", got)
	}

	// Another replica reading the same key sees the same record, and an entry
	// it cannot read is skipped rather than hiding the rest.
	rdb.LPush(ctx, "snapdash:activity", "not json")
	other := activity.NewRedisStore(rdb, "snapdash:activity", 3)
	got, err = other.Recent(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ServerID != 4 {
		t.Errorf("with a broken entry first, Recent(2) = %+v, want the one readable record", got)
	}
}
