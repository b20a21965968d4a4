package session

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisBackend keeps sessions in Redis, shared by every replica. What it
// stores is already encrypted with the session keys.
type RedisBackend struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisBackend stores sessions under prefix (such as "snapdash:session:").
func NewRedisBackend(rdb redis.UniversalClient, prefix string) *RedisBackend {
	return &RedisBackend{rdb: rdb, prefix: prefix}
}

// Load reads a session; Redis drops expired ones itself.
func (b *RedisBackend) Load(ctx context.Context, id string) ([]byte, error) {
	data, err := b.rdb.Get(ctx, b.prefix+id).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	return data, err
}

// Create writes a new session with its time to live.
func (b *RedisBackend) Create(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	return b.rdb.Set(ctx, b.prefix+id, data, ttl).Err()
}

// Update rewrites a session only while it exists (SET XX), so a session
// deleted by another replica is never written back.
func (b *RedisBackend) Update(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	err := b.rdb.SetArgs(ctx, b.prefix+id, data, redis.SetArgs{Mode: "XX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return ErrNotFound
	}
	return err
}

// Delete removes a session.
func (b *RedisBackend) Delete(ctx context.Context, id string) error {
	return b.rdb.Del(ctx, b.prefix+id).Err()
}

// Count returns how many sessions exist, by scanning their keys.
func (b *RedisBackend) Count() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := 0
	iter := b.rdb.Scan(ctx, 0, b.prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		n++
	}
	return n, iter.Err()
}

// Ping checks that Redis answers.
func (b *RedisBackend) Ping(ctx context.Context) error {
	return b.rdb.Ping(ctx).Err()
}
