package ratelimittest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
)

// Fire makes n attempts at once, from n goroutines released together:
// attempt i goes to limiters[i%len(limiters)] under keys[i%len(keys)]. It
// returns how many passed under each key, failing the test on any error.
func Fire(t testing.TB, limiters []ratelimit.Limiter, keys []string, n int, limits ...ratelimit.Limit) map[string]int {
	t.Helper()
	var (
		start   = make(chan struct{})
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed = make(map[string]int)
		errs    []error
	)
	for i := range n {
		l, key := limiters[i%len(limiters)], keys[i%len(keys)]
		wg.Go(func() {
			<-start
			d, err := l.Allow(context.Background(), key, limits)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("attempt %d: %w", i, err))
			} else if d.Allowed {
				allowed[key]++
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	return allowed
}

// testConcurrent checks atomicity: 50 simultaneous attempts against a limit
// of 10 pass exactly 10 times.
func testConcurrent(t *testing.T, b Backend) {
	l, _ := b.New(t)
	got := Fire(t, []ratelimit.Limiter{l}, []string{"k"}, 50, ratelimit.Limit{Count: 10, Period: time.Minute})
	if got["k"] != 10 {
		t.Fatalf("50 simultaneous attempts, limit 10: %d passed", got["k"])
	}
}

// testConcurrentKeys checks atomicity over several keys and limits at once.
func testConcurrentKeys(t *testing.T, b Backend) {
	l, _ := b.New(t)
	keys := []string{"a", "b", "c", "d"}
	got := Fire(t, []ratelimit.Limiter{l}, keys, 100,
		ratelimit.Limit{Count: 7, Period: time.Minute}, ratelimit.Limit{Count: 9, Period: time.Hour})
	for _, k := range keys {
		if got[k] != 7 {
			t.Errorf("key %q: 25 simultaneous attempts, limit 7: %d passed", k, got[k])
		}
	}
}
