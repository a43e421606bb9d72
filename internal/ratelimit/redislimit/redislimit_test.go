package redislimit

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/ratelimittest"
	"github.com/invenio-go/accounts/internal/testenv"
)

// testPrefix returns a key prefix of the test's own.
func testPrefix() string { return "accounts-test:ratelimit:" + rand.Text() + ":" }

// openAt returns a Limiter on rawURL under prefix, whose keys are deleted
// when the test ends.
func openAt(t testing.TB, rawURL, prefix string, opts Options) *Limiter {
	t.Helper()
	opts.Prefix = prefix
	l, err := Open(rawURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		deletePrefix(t, l)
		l.Close()
	})
	return l
}

// newTestLimiter returns a Limiter on ACCOUNTS_TEST_REDIS_URL under a
// prefix of its own.
func newTestLimiter(t testing.TB) *Limiter {
	t.Helper()
	return openAt(t, testenv.RedisURL(t), testPrefix(), Options{})
}

// deletePrefix deletes every key under the limiter's prefix.
func deletePrefix(t testing.TB, l *Limiter) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := l.client.Scan(ctx, 0, l.prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := l.client.Del(ctx, iter.Val()).Err(); err != nil {
			t.Errorf("clean up: %v", err)
			return
		}
	}
	if err := iter.Err(); err != nil {
		t.Logf("clean up: %v", err)
	}
}

// scanKeys returns the keys under the limiter's prefix.
func scanKeys(t *testing.T, l *Limiter) []string {
	t.Helper()
	keys, err := l.client.Keys(context.Background(), l.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestContract(t *testing.T) {
	ratelimittest.Run(t, ratelimittest.Backend{
		New: func(t *testing.T) (ratelimit.Limiter, ratelimittest.Clock) {
			return newTestLimiter(t), ratelimittest.RealClock()
		},
		Period: time.Second,
		Slack:  250 * time.Millisecond,
	})
}

// TestThreeNodes checks atomicity across nodes: 50 simultaneous attempts
// through 3 clients against a limit of 10 pass exactly 10 times.
func TestThreeNodes(t *testing.T) {
	url, prefix := testenv.RedisURL(t), testPrefix()
	var nodes []ratelimit.Limiter
	for range 3 {
		nodes = append(nodes, openAt(t, url, prefix, Options{}))
	}
	keys := []string{"a", "b"}
	for round := range 3 {
		got := ratelimittest.Fire(t, nodes, keys, 50, ratelimit.Limit{Count: 10, Period: time.Minute})
		for _, k := range keys {
			if want := min(10, 25*(round+1)) - min(10, 25*round); got[k] != want {
				t.Fatalf("round %d, key %q: %d of 25 attempts passed on 3 nodes, want %d", round, k, got[k], want)
			}
		}
	}
}

// TestKeysExpire checks that every key has a TTL of at most its period,
// that refused attempts store nothing, and that keys do not show emails.
func TestKeysExpire(t *testing.T) {
	l := newTestLimiter(t)
	ctx := context.Background()
	limits := []ratelimit.Limit{{Count: 3, Period: time.Minute}, {Count: 5, Period: time.Hour}}
	key := ratelimit.AccountKey("accounts.login", "Ann@Example.org")
	for range 50 {
		if _, err := l.Allow(ctx, key, limits); err != nil {
			t.Fatal(err)
		}
	}
	keys := scanKeys(t, l)
	if len(keys) != 2 {
		t.Fatalf("keys = %q, want one per limit", keys)
	}
	for _, k := range keys {
		if strings.Contains(strings.ToLower(k), "ann") {
			t.Errorf("key %q shows the email", k)
		}
		ttl, err := l.client.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 || ttl > time.Hour {
			t.Errorf("PTTL(%q) = %s, %v; want within the period", k, ttl, err)
		}
		if n, err := l.client.ZCard(ctx, k).Result(); err != nil || n != 3 {
			t.Errorf("ZCARD(%q) = %d, %v; want the 3 accepted hits", k, n, err)
		}
	}
}

// hashTag returns the part of a key Redis Cluster hashes.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// TestOneSlot checks that the keys of one attempt share a hash slot, as a
// script on Redis Cluster needs, whatever braces the key holds.
func TestOneSlot(t *testing.T) {
	l, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	limits := []ratelimit.Limit{{Count: 10, Period: time.Minute}, {Count: 100, Period: time.Hour}, {Count: 1, Period: time.Second}}
	for _, key := range []string{"k", "{", "}", "}{", "{x}", "x{}y", "a}b{c}", "ключ", ratelimit.ClientKey("security.login", "::1")} {
		tag := hashTag(l.key(key, limits[0]))
		for _, lim := range limits[1:] {
			if got := hashTag(l.key(key, lim)); got != tag {
				t.Errorf("key %q: hash tags %q and %q differ", key, tag, got)
			}
		}
	}
	if _, err := New(nil, Options{Prefix: "a{b}:"}); err == nil {
		t.Error("New accepted a prefix with braces")
	}
}
