// Package memory is a ratelimit.Limiter kept in this process: exact and
// atomic on one node, but each node of a cluster counts on its own (use
// redislimit to share limits). It also serves as redislimit's fallback
// while Redis is down.
//
// The windows are spread over 32 shards, each behind its own mutex; a check
// and its record happen under one lock, so parallel attempts never pass a
// limit. A window keeps at most the last Count hits of one (key, limit)
// pair. Memory is bounded by Options.MaxKeys windows: expired windows are
// dropped lazily as attempts come in (there is no goroutine to stop), and
// when a shard is full the least recently used window is evicted. An
// evicted window forgets its hits, so a flood of new keys can reset the
// limits of idle keys; keys in use stay, because every attempt, refused or
// not, marks its windows used.
//
// It imports the standard library and internal/ratelimit.
package memory

import (
	"context"
	"hash/maphash"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
)

var _ ratelimit.Limiter = (*Limiter)(nil)

// DefaultMaxKeys is the default of Options.MaxKeys.
const DefaultMaxKeys = 100_000

// numShards is the number of locks; 32 keeps contention low on the cores
// a node has without making small MaxKeys values coarse.
const numShards = 32

// minPerShard keeps a shard from evicting windows of the attempt being
// recorded (a list of up to this many limits is safe).
const minPerShard = 8

// Options configure a Limiter. Zero values take the defaults.
type Options struct {
	// MaxKeys bounds the windows, i.e. (key, limit) pairs, kept (default
	// 100,000; rounded up to a multiple of 32, at least 256). A window
	// holds at most Count timestamps of 8 bytes, so the worst case is about
	// MaxKeys × (Count × 8 + 150) bytes.
	MaxKeys int
	// Now is the clock (default time.Now). Tests inject a fake one.
	Now func() time.Time
}

// Limiter is the in-memory limiter. It is safe for concurrent use.
type Limiter struct {
	shards [numShards]shard
	seed   maphash.Seed
	now    func() time.Time
	start  time.Time
}

// New returns an empty Limiter.
func New(opts Options) *Limiter {
	l := &Limiter{seed: maphash.MakeSeed(), now: opts.Now}
	if l.now == nil {
		l.now = time.Now
	}
	l.start = l.now()
	maxKeys := opts.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	perShard := max(minPerShard, (maxKeys+numShards-1)/numShards)
	for i := range l.shards {
		l.shards[i].init(perShard)
	}
	return l
}

// Allow checks one attempt under key against every limit and records it if
// all allow it (see ratelimit.Limiter). It returns ratelimit.ErrInvalid
// (wrapped) for an empty key or a limit that is not positive, or the
// context's error if ctx is already done; nothing else.
func (l *Limiter) Allow(ctx context.Context, key string, limits []ratelimit.Limit) (ratelimit.Decision, error) {
	return l.decide(ctx, key, limits, true)
}

// Peek answers as Allow would, recording nothing (see ratelimit.Limiter).
func (l *Limiter) Peek(ctx context.Context, key string, limits []ratelimit.Limit) (ratelimit.Decision, error) {
	return l.decide(ctx, key, limits, false)
}

// decide is Allow, recording the attempt only with record.
func (l *Limiter) decide(ctx context.Context, key string, limits []ratelimit.Limit, record bool) (ratelimit.Decision, error) {
	if err := ctx.Err(); err != nil {
		return ratelimit.Decision{}, err
	}
	if err := ratelimit.Validate(key, limits); err != nil {
		return ratelimit.Decision{}, err
	}
	if len(limits) == 0 {
		return ratelimit.Unlimited(), nil
	}
	s := &l.shards[maphash.String(l.seed, key)%numShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	d := ratelimit.Unlimited()
	// Read the clock under the lock, so that a window's hits arrive in order.
	s.allow(&d, key, limits, int64(l.now().Sub(l.start)), record)
	return d, nil
}

// Close does nothing; it lets a Limiter stand where a closable one is
// expected.
func (l *Limiter) Close() error { return nil }
