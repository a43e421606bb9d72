// Package redislimit is a ratelimit.Limiter on Redis (standalone, Sentinel
// or Cluster; see Open for the URLs), so that limits count across every
// node.
//
// Each check is one Lua script, atomic on the server: it drops the hits
// that left the window, counts, and records the hit only if every limit
// allows it. Each (key, limit) pair is a sorted set of hits scored by
// Redis' own clock, named "<prefix>{<key>}:<count>/<period>" (braces and
// "%" in the key percent-encoded), with a TTL of the period refreshed by
// each accepted hit, so idle keys vanish by themselves. The braces are a
// Cluster hash tag: all the limits of one key live in one slot, as one
// script needs. A set holds at most Count members. Each attempt's member
// is unique (a random node id and a counter), so a script that go-redis
// retries after a lost reply records its hit once.
//
// On a Redis error Allow returns the error and the caller chooses to fail
// open or closed, unless Options.FallbackToMemory is set (see there for
// the trade-off).
//
// It imports the standard library, go-redis, internal/ratelimit,
// internal/ratelimit/memory, and internal/session/redisstore (for
// NewClient only).
package redislimit

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
	"github.com/invenio-go/accounts/internal/session/redisstore"
)

var _ ratelimit.Limiter = (*Limiter)(nil)

// DefaultPrefix is the default key prefix.
const DefaultPrefix = "accounts:ratelimit:"

// Options configure a Limiter. Zero values take the defaults.
type Options struct {
	// Prefix starts every key (default "accounts:ratelimit:"). It may not
	// hold "{" or "}", which would break the Cluster hash tag.
	Prefix string
	// Timeout bounds each check when above 0; otherwise the client's
	// timeouts apply (NewClient's: about 1 s once connected).
	Timeout time.Duration
	// FallbackToMemory makes Allow answer from a limiter in this process
	// while Redis fails, instead of returning the error, as httprate-redis
	// does. The service stays usable and still limited, but during the
	// outage each node counts on its own (N nodes let N times the limit
	// through), and the hits counted on either side are not carried over
	// when Redis comes back, so a client may get up to twice its quota
	// around the switch. Without it, failing closed locks everyone out of
	// the limited endpoints while Redis is down, and failing open lifts
	// the limits.
	FallbackToMemory bool
	// Memory configures the fallback limiter.
	Memory memory.Options
	// ProbeInterval is how often, while falling back, one attempt tries
	// Redis again (default 1 s); the others go straight to memory.
	ProbeInterval time.Duration
	// OnFallback, if set, is called with the Redis error when Allow starts
	// falling back, and OnRecover when Redis answers again: once per
	// outage, for logging. They must not block.
	OnFallback func(err error)
	OnRecover  func()
}

// Limiter is the Redis limiter. It is safe for concurrent use.
type Limiter struct {
	client   redis.UniversalClient
	owned    bool // Close closes the client
	prefix   string
	timeout  time.Duration
	script   *redis.Script
	node     string // makes members unique across nodes
	seq      atomic.Uint64
	fallback *fallback // nil without FallbackToMemory
}

// New returns a Limiter on a client the caller owns (and closes). It returns
// an error only for a Prefix holding a brace; it does not contact Redis.
func New(client redis.UniversalClient, opts Options) (*Limiter, error) {
	prefix := cmp.Or(opts.Prefix, DefaultPrefix)
	if strings.ContainsAny(prefix, "{}") {
		return nil, errors.New("redislimit: the key prefix may not contain { or }")
	}
	l := &Limiter{
		client:  client,
		prefix:  prefix,
		timeout: opts.Timeout,
		script:  redis.NewScript(allowSrc),
		node:    rand.Text()[:13] + ":",
	}
	if opts.FallbackToMemory {
		l.fallback = newFallback(opts)
	}
	return l, nil
}

// Open returns a Limiter on a new client for rawURL, which Close closes.
// rawURL is a redis://, rediss://, unix://, redis+sentinel:// or
// redis+cluster:// URL as redisstore.NewClient reads it (with its short
// default timeouts). It returns NewClient's error or New's; it does not
// contact Redis.
func Open(rawURL string, opts Options) (*Limiter, error) {
	c, err := redisstore.NewClient(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redislimit: %w", err)
	}
	l, err := New(c, opts)
	if err != nil {
		c.Close()
		return nil, err
	}
	l.owned = true
	return l, nil
}

// Close closes the client if Open made it.
func (l *Limiter) Close() error {
	if !l.owned {
		return nil
	}
	return l.client.Close()
}

// Allow checks one attempt under key against every limit and records it if
// all allow it (see ratelimit.Limiter). It returns ratelimit.ErrInvalid
// (wrapped) for an empty key or a limit that is not positive, the context's
// error, or Redis' error (wrapped) unless it falls back to memory.
func (l *Limiter) Allow(ctx context.Context, key string, limits []ratelimit.Limit) (ratelimit.Decision, error) {
	return l.decide(ctx, key, limits, true)
}

// Peek answers as Allow would, recording nothing (see ratelimit.Limiter):
// the same script, told not to record. It falls back to memory as Allow
// does.
func (l *Limiter) Peek(ctx context.Context, key string, limits []ratelimit.Limit) (ratelimit.Decision, error) {
	return l.decide(ctx, key, limits, false)
}

// decide is Allow, recording the attempt only with record.
func (l *Limiter) decide(ctx context.Context, key string, limits []ratelimit.Limit, record bool) (ratelimit.Decision, error) {
	if err := ratelimit.Validate(key, limits); err != nil {
		return ratelimit.Decision{}, err
	}
	if len(limits) == 0 {
		return ratelimit.Unlimited(), nil
	}
	if err := ctx.Err(); err != nil {
		return ratelimit.Decision{}, err
	}
	if l.fallback != nil && l.fallback.skip() {
		return l.fallback.decide(ctx, key, limits, record)
	}
	d, err := l.allowRedis(ctx, key, limits, record)
	if l.fallback == nil {
		return d, err
	}
	if err == nil {
		l.fallback.recovered()
		return d, nil
	}
	if ctx.Err() != nil {
		return d, err // the caller gave up; Redis is not to blame
	}
	l.fallback.failed(err)
	return l.fallback.decide(ctx, key, limits, record)
}

// allowRedis runs the script for one attempt, recording it only with
// record.
func (l *Limiter) allowRedis(ctx context.Context, key string, limits []ratelimit.Limit, record bool) (ratelimit.Decision, error) {
	if l.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.timeout)
		defer cancel()
	}
	keys := make([]string, len(limits))
	args := make([]any, 1, 1+2*len(limits))
	args[0] = ""
	if record {
		args[0] = l.node + strconv.FormatUint(l.seq.Add(1), 36)
	}
	for i, lim := range limits {
		keys[i] = l.key(key, lim)
		args = append(args, lim.Count, micros(lim.Period))
	}
	res, err := l.script.Run(ctx, l.client, keys, args...).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("redislimit: %w", err)
	}
	if len(res) != 5 || res[3] < 1 || res[3] > int64(len(limits)) {
		return ratelimit.Decision{}, fmt.Errorf("redislimit: unexpected reply %v", res)
	}
	// The script counts whole microseconds, rounding periods up: bring the
	// waits back within the binding limit's Period.
	lim := limits[res[3]-1]
	return ratelimit.Decision{
		Allowed:    res[0] == 1,
		RetryAfter: min(time.Duration(res[1])*time.Microsecond, lim.Period),
		Remaining:  int(res[2]),
		Limit:      lim,
		ResetAfter: min(time.Duration(res[4])*time.Microsecond, lim.Period),
	}, nil
}

// key returns the sorted set of key under lim; see the package comment.
func (l *Limiter) key(key string, lim ratelimit.Limit) string {
	return l.prefix + "{" + tagEscaper.Replace(key) + "}:" + strconv.Itoa(lim.Count) + "/" + lim.Period.String()
}

// tagEscaper percent-encodes the braces of a key, and "%" to keep the
// encoding one-to-one, so that the key is always the whole hash tag (a key
// such as "}" would otherwise make an empty tag, hashed as the whole name,
// and spread one attempt's sets over several slots). It is read-only.
var tagEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")

// micros rounds a positive duration up to whole microseconds.
func micros(d time.Duration) int64 {
	return int64((d + time.Microsecond - 1) / time.Microsecond)
}
