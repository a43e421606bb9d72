package redisstore

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/session/sessiontest"
	"github.com/invenio-go/accounts/internal/testenv"
)

// newTestStore returns a Store on ACCOUNTS_TEST_REDIS_URL under a random key
// prefix of its own, whose keys are deleted when the test ends.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	return openAt(t, testenv.RedisURL(t))
}

func openAt(t *testing.T, rawURL string) *Store {
	t.Helper()
	prefix := "accounts-test:" + rand.Text() + ":"
	s, err := Open(rawURL, Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		deletePrefix(t, s)
		s.Close()
	})
	return s
}

// deletePrefix deletes every key under the store's prefix.
func deletePrefix(t *testing.T, s *Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := s.client.Scan(ctx, 0, s.prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := s.client.Del(ctx, iter.Val()).Err(); err != nil {
			t.Errorf("clean up: %v", err)
			return
		}
	}
	if err := iter.Err(); err != nil {
		t.Logf("clean up: %v", err)
	}
}

func TestContract(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store { return newTestStore(t) })
}

// TestEveryKeyHasTTL checks that no key is ever stored without a TTL.
func TestEveryKeyHasTTL(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, "a_1", []byte("x"), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "b_1", []byte("x"), 1500*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BumpUserGeneration(ctx, 5, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HoldUserGeneration(ctx, 6, time.Hour); err != nil { // absent: creates nothing
		t.Fatal(err)
	}
	keys, err := s.client.Keys(ctx, s.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		ttl, err := s.client.PTTL(ctx, k).Result()
		if err == nil && ttl == -2 && k == s.prefix+"sid:b_1" {
			continue // expired between KEYS and PTTL (its TTL is 1.5 ms): PTTL says -2, no key
		}
		if err != nil || ttl <= 0 {
			t.Errorf("key %q has TTL %v, %v", k, ttl, err)
		}
	}
	if want := []string{s.prefix + "sid:a_1", s.prefix + "gen:5"}; !sameSet(keys, want) && !sameSet(keys, append(want, s.prefix+"sid:b_1")) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if !seen[x] {
			return false
		}
	}
	return true
}

func TestPing(t *testing.T) {
	s := newTestStore(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestMS(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		1:                       time.Millisecond,
		time.Millisecond:        time.Millisecond,
		1500 * time.Microsecond: 2 * time.Millisecond,
		time.Hour:               time.Hour,
	} {
		if got := ms(in); got != want {
			t.Errorf("ms(%v) = %v, want %v", in, got, want)
		}
	}
}
