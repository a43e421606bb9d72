// Package redisstore is a session.Store on Redis (standalone, Sentinel or
// Cluster; see NewClient for the URLs), shared by every node. Each record is
// one string key with a TTL (SET ... PX), so Redis removes expired sessions
// itself; a user's generation (session.UserRevoker) is one counter key with
// a TTL. Keys are "<prefix>sid:<derived id>" and "<prefix>gen:<user id>".
//
// Configure Redis with maxmemory-policy noeviction (writes then fail and
// logins fail closed) or volatile-ttl; an allkeys-* policy would log users
// out at random. Redis is not the source of truth for revocations (a crash
// can lose the last deletes): the database is, and the caller re-checks it.
//
// It imports the standard library, go-redis, internal/session and
// internal/ttlcache.
package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/ttlcache"
)

var (
	_ session.Store       = (*Store)(nil)
	_ session.UserRevoker = (*Store)(nil)
	_ session.Replacer    = (*Store)(nil)

	_ session.CachingRevoker = (*Store)(nil)
)

// DefaultPrefix is the default key prefix.
const DefaultPrefix = "accounts:session:"

// holdSrc returns a generation and extends its TTL to at least ARGV[1] ms.
const holdSrc = `
local v = redis.call('GET', KEYS[1])
if v and redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return v`

// bumpSrc increments a generation and extends its TTL to at least ARGV[1] ms.
const bumpSrc = `
local v = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return v`

// DefaultGenerationTTL is how long a Store answers a user's generation
// from memory (Options.GenerationTTL). A revocation of all of a user's
// sessions made through this Store holds at once; one made through another
// node's holds here within it, inside the 100 ms the spec allows.
const DefaultGenerationTTL = 50 * time.Millisecond

// Options configure a Store.
type Options struct {
	// Prefix starts every key (default "accounts:session:").
	Prefix string
	// GenerationTTL bounds how long UserGeneration answers from memory
	// (0: DefaultGenerationTTL; negative: it always asks Redis). It saves
	// authenticated requests a second round trip to Redis.
	GenerationTTL time.Duration
}

// Store is the Redis store. It is safe for concurrent use.
type Store struct {
	client redis.UniversalClient
	prefix string
	owned  bool // Close closes the client
	hold   *redis.Script
	bump   *redis.Script
	gens   *ttlcache.Cache[int64, int64] // user id → generation
	now    func() time.Time              // the generation cache's clock
}

// New returns a Store on a client the caller owns (and closes).
func New(client redis.UniversalClient, opts Options) *Store {
	s := &Store{
		client: client,
		prefix: cmp.Or(opts.Prefix, DefaultPrefix),
		hold:   redis.NewScript(holdSrc),
		bump:   redis.NewScript(bumpSrc),
		now:    time.Now,
	}
	ttl := opts.GenerationTTL
	if ttl == 0 {
		ttl = DefaultGenerationTTL
	}
	s.gens = ttlcache.New[int64, int64](ttl, maxCachedGenerations)
	return s
}

// Open returns a Store on a new client for rawURL (see NewClient), which
// Close closes. It returns NewClient's error; it does not contact Redis (a
// Redis that is down now may be up later: see Ping).
func Open(rawURL string, opts Options) (*Store, error) {
	c, err := NewClient(rawURL)
	if err != nil {
		return nil, err
	}
	s := New(c, opts)
	s.owned = true
	return s, nil
}

// Close closes the client if Open made it.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	return s.client.Close()
}

// Ping checks that Redis answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	return nil
}

func (s *Store) sessionKey(id string) string { return s.prefix + "sid:" + id }

func (s *Store) generationKey(uid int64) string {
	return s.prefix + "gen:" + strconv.FormatInt(uid, 10)
}

// Get returns the record under id, session.ErrNotFound, or Redis' error.
func (s *Store) Get(ctx context.Context, id string) ([]byte, error) {
	data, err := s.client.Get(ctx, s.sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: get: %w", err)
	}
	return data, nil
}

// Put stores data under id for ttl (rounded up to a millisecond). It returns
// session.ErrBadTTL for a ttl that is not positive, or Redis' error.
func (s *Store) Put(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return session.ErrBadTTL
	}
	if err := s.client.Set(ctx, s.sessionKey(id), data, ms(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: put: %w", err)
	}
	return nil
}

// Replace stores data under id for ttl only if a record is there (SET XX)
// and reports whether it did. It returns session.ErrBadTTL for a ttl that
// is not positive, or Redis' error.
func (s *Store) Replace(ctx context.Context, id string, data []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, session.ErrBadTTL
	}
	err := s.client.SetArgs(ctx, s.sessionKey(id), data, redis.SetArgs{Mode: "XX", TTL: ms(ttl)}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("redisstore: replace: %w", err)
	}
	return true, nil
}

// Delete removes the record under id, if any. It returns Redis' error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := s.client.Del(ctx, s.sessionKey(id)).Err(); err != nil {
		return fmt.Errorf("redisstore: delete: %w", err)
	}
	return nil
}

// ms rounds a positive duration up to whole milliseconds, so that go-redis
// sends PX (or EX) without truncating it to 0.
func ms(d time.Duration) time.Duration {
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}
