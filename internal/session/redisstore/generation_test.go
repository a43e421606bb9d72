package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/testenv"
)

// peer returns another node's Store on a's Redis and prefix, with its own
// generation cache.
func peer(t *testing.T, a *Store, ttl time.Duration) (*Store, *testenv.Clock) {
	t.Helper()
	b, err := Open(testenv.RedisURL(t), Options{Prefix: a.prefix, GenerationTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	clk := testenv.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	b.now = clk.Now
	return b, clk
}

// TestGenerationCache: a node answers a user's generation from memory for
// GenerationTTL, but sees its own bumps at once; another node's bump shows
// once the TTL has passed; a negative TTL always asks Redis.
func TestGenerationCache(t *testing.T) {
	ctx := context.Background()
	a := newTestStore(t)
	const uid = 7
	gen := func(s *Store) int64 {
		t.Helper()
		g, err := s.UserGeneration(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	bump := func(s *Store) {
		t.Helper()
		if _, err := s.BumpUserGeneration(ctx, uid, time.Hour); err != nil {
			t.Fatal(err)
		}
	}

	b, clk := peer(t, a, DefaultGenerationTTL)
	off, _ := peer(t, a, -1)
	if g := gen(b); g != 0 {
		t.Fatalf("first read = %d, want 0", g)
	}
	bump(a)
	if g := gen(a); g != 1 {
		t.Errorf("a node's own bump: read %d at once, want 1", g)
	}
	if g := gen(off); g != 1 {
		t.Errorf("cache off: read %d after another node's bump, want 1", g)
	}
	if g := gen(b); g != 0 {
		t.Errorf("within the TTL: read %d, want the cached 0 (is the cache used?)", g)
	}
	clk.Advance(DefaultGenerationTTL - time.Millisecond)
	if g := gen(b); g != 0 {
		t.Errorf("just within the TTL: read %d, want the cached 0", g)
	}
	clk.Advance(time.Millisecond)
	if g := gen(b); g != 1 {
		t.Errorf("once the TTL has passed: read %d, want 1", g)
	}
	bump(b)
	if g := gen(b); g != 2 {
		t.Errorf("a node's own bump after a cached read: read %d at once, want 2", g)
	}
	bump(a)
	if g := gen(off); g != 3 {
		t.Errorf("cache off: read %d, want 3", g)
	}
}
