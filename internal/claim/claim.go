// Package claim lets one replica claim a submitted form, so a double submit
// that lands on two replicas still reaches VPS.org once.
package claim

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis claims keys with SET NX in Redis.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedis claims keys under prefix.
func NewRedis(rdb redis.UniversalClient, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix}
}

// Claim reports whether this caller is the first to claim key within ttl.
func (r *Redis) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return r.rdb.SetNX(ctx, r.prefix+key, time.Now().UTC().Format(time.RFC3339), ttl).Result()
}
