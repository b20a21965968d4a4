package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/redistest"
	"github.com/snapdash/snapdash/internal/session"
)

func TestRedisBackend(t *testing.T) {
	rdb := redistest.Start(t).Client()
	ctx := context.Background()
	b := session.NewRedisBackend(rdb, "snapdash:session:")

	if _, err := b.Load(ctx, "nobody"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("absent session: %v, want ErrNotFound", err)
	}
	if err := b.Create(ctx, "one", []byte("sealed-1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := b.Create(ctx, "short", []byte("sealed-2"), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	rdb.Set(ctx, "unrelated:key", "x", 0)
	if n, err := b.Count(); err != nil || n != 2 {
		t.Errorf("count = %d, %v; want the 2 sessions and not the unrelated key", n, err)
	}
	if data, err := b.Load(ctx, "one"); err != nil || string(data) != "sealed-1" {
		t.Errorf("load: %q, %v", data, err)
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := b.Load(ctx, "short"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("expired session: %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Load(ctx, "one"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("deleted session: %v, want ErrNotFound", err)
	}
}
