package memory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/ratelimittest"
)

func TestContract(t *testing.T) {
	t.Run("FakeClock", func(t *testing.T) {
		ratelimittest.Run(t, ratelimittest.Backend{
			New: func(t *testing.T) (ratelimit.Limiter, ratelimittest.Clock) {
				c := ratelimittest.NewFakeClock()
				return New(Options{Now: c.Now}), c
			},
			Period: time.Minute,
		})
	})
	t.Run("RealClock", func(t *testing.T) {
		ratelimittest.Run(t, ratelimittest.Backend{
			New: func(t *testing.T) (ratelimit.Limiter, ratelimittest.Clock) {
				return New(Options{}), ratelimittest.RealClock()
			},
			Period: 500 * time.Millisecond,
			Slack:  125 * time.Millisecond,
		})
	})
}

// size returns the number of windows held.
func (l *Limiter) size() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.windows)
		s.mu.Unlock()
	}
	return n
}

func mustAllow(t *testing.T, l *Limiter, key string, limits ...ratelimit.Limit) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key, limits)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBounded checks that a flood of keys never holds more than MaxKeys
// windows, and that the key in use is not the one evicted.
func TestBounded(t *testing.T) {
	c := ratelimittest.NewFakeClock()
	l := New(Options{MaxKeys: 1000, Now: c.Now})
	lim := ratelimit.Limit{Count: 2, Period: time.Hour}
	mustAllow(t, l, "victim", lim)
	mustAllow(t, l, "victim", lim)
	for i := range 20_000 {
		mustAllow(t, l, fmt.Sprint("flood-", i), lim)
		if i%100 == 0 {
			// The victim's key is in use (attempts are refused), so kept.
			if d := mustAllow(t, l, "victim", lim); d.Allowed {
				t.Fatalf("after %d other keys, the victim's window was evicted", i)
			}
		}
	}
	if n := l.size(); n > 1024 {
		t.Fatalf("%d windows held, MaxKeys 1000 (1024 once rounded)", n)
	}
}

// TestExpiredDropped checks the lazy cleanup: windows whose hits have all
// left are removed as later attempts come.
func TestExpiredDropped(t *testing.T) {
	c := ratelimittest.NewFakeClock()
	l := New(Options{Now: c.Now})
	for i := range 5000 {
		mustAllow(t, l, fmt.Sprint("k", i), ratelimit.Limit{Count: 3, Period: time.Minute},
			ratelimit.Limit{Count: 10, Period: time.Hour})
	}
	if n := l.size(); n != 10_000 {
		t.Fatalf("%d windows, want 10000", n)
	}
	c.Sleep(time.Hour)
	for i := range 5000 {
		mustAllow(t, l, fmt.Sprint("k", i), ratelimit.Limit{Count: 1, Period: time.Second})
	}
	if n := l.size(); n != 5000 {
		t.Fatalf("%d windows after the old ones expired, want the 5000 new ones", n)
	}
}

// TestWindowMemory checks that a window keeps at most Count hits.
func TestWindowMemory(t *testing.T) {
	c := ratelimittest.NewFakeClock()
	l := New(Options{Now: c.Now})
	lim := ratelimit.Limit{Count: 10, Period: time.Second}
	for range 10_000 {
		mustAllow(t, l, "k", lim)
		c.Sleep(100 * time.Millisecond)
	}
	s := &l.shards[0]
	for i := range l.shards {
		if len(l.shards[i].windows) > 0 {
			s = &l.shards[i]
		}
	}
	for _, w := range s.windows {
		if cap(w.hits) > lim.Count {
			t.Fatalf("window holds %d slots, Count is %d", cap(w.hits), lim.Count)
		}
	}
}

// TestClockStepsBack checks that a clock going back neither breaks the
// window nor gives a RetryAfter above the Period.
func TestClockStepsBack(t *testing.T) {
	c := ratelimittest.NewFakeClock()
	l := New(Options{Now: c.Now})
	lim := ratelimit.Limit{Count: 2, Period: time.Minute}
	mustAllow(t, l, "k", lim)
	c.Sleep(-time.Hour)
	mustAllow(t, l, "k", lim)
	d := mustAllow(t, l, "k", lim)
	if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > time.Minute {
		t.Fatalf("decision = %+v, want refused within a minute", d)
	}
	c.Sleep(time.Hour + time.Minute)
	if d := mustAllow(t, l, "k", lim); !d.Allowed {
		t.Fatalf("decision = %+v once the clock is past both hits, want allowed", d)
	}
}
