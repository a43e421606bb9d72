package sessiontest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
)

func revoker(t *testing.T, s session.Store) session.UserRevoker {
	t.Helper()
	r, ok := s.(session.UserRevoker)
	if !ok {
		t.Skip("the store does not implement session.UserRevoker")
	}
	return r
}

// wantGeneration checks the user's generation.
func wantGeneration(t *testing.T, r session.UserRevoker, uid, want int64) {
	t.Helper()
	got, err := r.UserGeneration(context.Background(), uid)
	if err != nil || got != want {
		t.Fatalf("UserGeneration(%d) = %d, %v; want %d", uid, got, err, want)
	}
}

func testGeneration(t *testing.T, s session.Store) {
	r := revoker(t, s)
	ctx := context.Background()
	wantGeneration(t, r, 7, 0)
	if g, err := r.HoldUserGeneration(ctx, 7, time.Hour); err != nil || g != 0 {
		t.Fatalf("HoldUserGeneration of an unset generation = %d, %v", g, err)
	}
	wantGeneration(t, r, 7, 0)
	for want := int64(1); want <= 3; want++ {
		if g, err := r.BumpUserGeneration(ctx, 7, time.Hour); err != nil || g != want {
			t.Fatalf("BumpUserGeneration = %d, %v; want %d", g, err, want)
		}
	}
	if g, err := r.HoldUserGeneration(ctx, 7, time.Hour); err != nil || g != 3 {
		t.Fatalf("HoldUserGeneration = %d, %v; want 3", g, err)
	}
	wantGeneration(t, r, 7, 3)
	wantGeneration(t, r, 8, 0)
	// Generations live apart from session records.
	mustPut(t, s, "7", []byte("x"), time.Hour)
	wantGeneration(t, r, 7, 3)
	for _, ttl := range []time.Duration{0, -1} {
		if _, err := r.BumpUserGeneration(ctx, 7, ttl); !errors.Is(err, session.ErrBadTTL) {
			t.Errorf("BumpUserGeneration with ttl %v = %v, want ErrBadTTL", ttl, err)
		}
		if _, err := r.HoldUserGeneration(ctx, 7, ttl); !errors.Is(err, session.ErrBadTTL) {
			t.Errorf("HoldUserGeneration with ttl %v = %v, want ErrBadTTL", ttl, err)
		}
	}
	wantGeneration(t, r, 7, 3)
}

func testGenerationExpiry(t *testing.T, s session.Store) {
	r := revoker(t, s)
	ctx := context.Background()
	// 1 expires; 2 is held longer; 3 is bumped again with a longer TTL;
	// 4 is bumped with a long TTL then a short one, which must not shorten it.
	for uid, ttl := range map[int64]time.Duration{1: shortTTL, 2: shortTTL, 3: shortTTL, 4: time.Hour} {
		if _, err := r.BumpUserGeneration(ctx, uid, ttl); err != nil {
			t.Fatal(err)
		}
	}
	steps := []error{}
	_, err := r.HoldUserGeneration(ctx, 2, time.Hour)
	steps = append(steps, err)
	_, err = r.BumpUserGeneration(ctx, 3, time.Hour)
	steps = append(steps, err)
	_, err = r.BumpUserGeneration(ctx, 4, shortTTL)
	steps = append(steps, err)
	_, err = r.HoldUserGeneration(ctx, 4, shortTTL)
	steps = append(steps, err)
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
	time.Sleep(shortTTL + 200*time.Millisecond)
	wantGeneration(t, r, 1, 0)
	wantGeneration(t, r, 2, 1)
	wantGeneration(t, r, 3, 2)
	wantGeneration(t, r, 4, 2)
	// After expiry a bump starts again from 0.
	if g, err := r.BumpUserGeneration(ctx, 1, time.Hour); err != nil || g != 1 {
		t.Errorf("BumpUserGeneration after expiry = %d, %v; want 1", g, err)
	}
}

func testGenerationConcurrent(t *testing.T, s session.Store) {
	r := revoker(t, s)
	const n = 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[int64]bool{}
	)
	for range n {
		wg.Go(func() {
			g, err := r.BumpUserGeneration(context.Background(), 42, time.Hour)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := r.UserGeneration(context.Background(), 42); err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[g] {
				t.Errorf("generation %d returned twice: bumps are not atomic", g)
			}
			seen[g] = true
		})
	}
	wg.Wait()
	wantGeneration(t, r, 42, n)
}
