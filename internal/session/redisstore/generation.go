package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/invenio-go/accounts/internal/session"
)

// UserGeneration returns the user's generation, 0 when never bumped or
// expired, or Redis' error.
func (s *Store) UserGeneration(ctx context.Context, userID int64) (int64, error) {
	g, err := s.client.Get(ctx, s.generationKey(userID)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redisstore: user generation: %w", err)
	}
	return g, nil
}

// HoldUserGeneration returns the user's generation and, when it is set,
// extends its TTL to at least ttl, in one atomic script. It returns
// session.ErrBadTTL for a ttl that is not positive, or Redis' error.
func (s *Store) HoldUserGeneration(ctx context.Context, userID int64, ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, session.ErrBadTTL
	}
	g, err := s.hold.Run(ctx, s.client, []string{s.generationKey(userID)}, ms(ttl).Milliseconds()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redisstore: hold user generation: %w", err)
	}
	return g, nil
}

// BumpUserGeneration increments the user's generation and extends its TTL
// to at least ttl, in one atomic script, and returns the new value. It
// returns session.ErrBadTTL for a ttl that is not positive, or Redis' error.
func (s *Store) BumpUserGeneration(ctx context.Context, userID int64, ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, session.ErrBadTTL
	}
	g, err := s.bump.Run(ctx, s.client, []string{s.generationKey(userID)}, ms(ttl).Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("redisstore: bump user generation: %w", err)
	}
	return g, nil
}
