package activity

import (
	"context"
	"encoding/json"

	"github.com/redis/go-redis/v9"
)

// RedisStore keeps records in a Redis list, newest first, trimmed to its cap,
// so every replica writes to and reads the same record.
type RedisStore struct {
	rdb redis.UniversalClient
	key string
	cap int
}

// NewRedisStore uses the list at key.
func NewRedisStore(rdb redis.UniversalClient, key string, capacity int) *RedisStore {
	if capacity <= 0 {
		capacity = DefaultCap
	}
	return &RedisStore{rdb: rdb, key: key, cap: capacity}
}

// Add pushes r and trims the list in one transaction.
func (s *RedisStore) Add(ctx context.Context, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, s.key, b)
		p.LTrim(ctx, s.key, 0, int64(s.cap-1))
		return nil
	})
	return err
}

// Recent returns up to n records, newest first.
func (s *RedisStore) Recent(ctx context.Context, n int) ([]Record, error) {
	vals, err := s.rdb.LRange(ctx, s.key, 0, int64(n-1)).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(vals))
	for _, v := range vals {
		var r Record
		if json.Unmarshal([]byte(v), &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}
