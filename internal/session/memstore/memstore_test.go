package memstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/session/sessiontest"
)

func newStore(t *testing.T, opts Options) *Store {
	t.Helper()
	s := New(opts)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store {
		return newStore(t, Options{JanitorInterval: 100 * time.Millisecond})
	})
}

// fakeClock is a settable clock for the eviction and janitor tests.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func TestEvictsSoonestExpiring(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{MaxEntries: 3})
	ttls := map[string]time.Duration{"a": 3 * time.Hour, "b": time.Hour, "c": 2 * time.Hour}
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Put(ctx, k, []byte(k), ttls[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(ctx, "d", []byte("d"), 4*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "b"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("b (soonest to expire) was not evicted: %v", err)
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, err := s.Get(ctx, k); err != nil {
			t.Errorf("Get(%s) = %v", k, err)
		}
	}
	// Overwriting an existing key evicts nothing.
	if err := s.Put(ctx, "a", []byte("a2"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d, want 3", s.Len())
	}
}

func TestGenerationsAreNeverEvicted(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, Options{MaxEntries: 2})
	if _, err := s.BumpUserGeneration(ctx, 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := s.Put(ctx, fmt.Sprint(i), []byte("x"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if g, _ := s.UserGeneration(ctx, 1); g != 1 {
		t.Errorf("UserGeneration = %d after evictions, want 1", g)
	}
}

func TestJanitorRemovesExpired(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Unix(1e9, 0)}
	s := newStore(t, Options{Now: clock.Now, JanitorInterval: time.Hour})
	for i := range janitorBatch*2 + 10 {
		if err := s.Put(ctx, fmt.Sprint(i), []byte("x"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	s.Put(ctx, "long", []byte("x"), time.Hour)
	s.BumpUserGeneration(ctx, 1, time.Minute)
	s.BumpUserGeneration(ctx, 2, time.Hour)
	clock.now = clock.now.Add(2 * time.Minute)
	if _, err := s.Get(ctx, "0"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("an expired record is still readable: %v", err)
	}
	s.removeExpired()
	if s.Len() != 1 {
		t.Errorf("Len = %d after the janitor, want 1", s.Len())
	}
	s.mu.RLock()
	gens := len(s.gens)
	s.mu.RUnlock()
	if gens != 1 {
		t.Errorf("%d generations left, want 1", gens)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	s := New(Options{JanitorInterval: time.Millisecond})
	time.Sleep(5 * time.Millisecond)
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(context.Background(), "k", []byte("v"), time.Hour); err != nil {
		t.Errorf("Put after Close = %v", err)
	}
}
