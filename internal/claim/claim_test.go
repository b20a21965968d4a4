package claim_test

import (
	"context"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/claim"
	"github.com/snapdash/snapdash/internal/redistest"
)

// Two replicas claiming one submitted form: only the first may call VPS.org,
// and the claim lapses after its TTL.
func TestClaimIsFirstComeAndLapses(t *testing.T) {
	rdb := redistest.Start(t).Client()
	ctx := context.Background()
	a, b := claim.NewRedis(rdb, "snapdash:once:"), claim.NewRedis(rdb, "snapdash:once:")

	if ok, err := a.Claim(ctx, "form-1", 300*time.Millisecond); err != nil || !ok {
		t.Fatalf("first claim: %v, %v", ok, err)
	}
	if ok, err := b.Claim(ctx, "form-1", 300*time.Millisecond); err != nil || ok {
		t.Fatalf("second claim of the same form from another replica: %v, %v; want refused", ok, err)
	}
	if ok, _ := b.Claim(ctx, "form-2", 300*time.Millisecond); !ok {
		t.Error("a different form was refused")
	}
	if ok, _ := claim.NewRedis(rdb, "other:").Claim(ctx, "form-1", time.Second); !ok {
		t.Error("a claim under another prefix was refused")
	}
	time.Sleep(500 * time.Millisecond)
	if ok, _ := b.Claim(ctx, "form-1", time.Second); !ok {
		t.Error("the claim did not lapse after its TTL")
	}
}
