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
// expired, or Redis' error. It answers from memory what it read less than
// Options.GenerationTTL ago, unless this Store bumped it since.
func (s *Store) UserGeneration(ctx context.Context, userID int64) (int64, error) {
	now := s.now()
	g, epoch, ok := s.gens.Get(userID, now)
	if ok {
		return g, nil
	}
	return s.readGeneration(ctx, userID, now, epoch)
}

// FreshUserGeneration reads the user's generation from Redis, whatever the
// cache holds, and keeps it (session.CachingRevoker).
func (s *Store) FreshUserGeneration(ctx context.Context, userID int64) (int64, error) {
	now := s.now()
	_, epoch, _ := s.gens.Get(userID, now)
	return s.readGeneration(ctx, userID, now, epoch)
}

func (s *Store) readGeneration(ctx context.Context, userID int64, now time.Time, epoch uint64) (int64, error) {
	g, err := s.client.Get(ctx, s.generationKey(userID)).Int64()
	if errors.Is(err, redis.Nil) {
		g, err = 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redisstore: user generation: %w", err)
	}
	s.gens.Put(userID, g, now, epoch)
	return g, nil
}

// maxCachedGenerations bounds the generation cache (when full it is
// emptied).
const maxCachedGenerations = 100_000

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
	// Forget before and after: a read racing the bump must not be kept,
	// and a bump that failed may still have happened.
	s.gens.Forget(userID)
	defer s.gens.Forget(userID)
	g, err := s.bump.Run(ctx, s.client, []string{s.generationKey(userID)}, ms(ttl).Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("redisstore: bump user generation: %w", err)
	}
	return g, nil
}
