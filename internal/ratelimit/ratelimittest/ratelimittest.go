// Package ratelimittest is the contract every ratelimit.Limiter passes: Run
// it from each implementation's tests. It also provides the clocks the
// timing tests run on.
//
// It imports the standard library and internal/ratelimit; only tests
// import it.
package ratelimittest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
)

// Backend is one implementation under test.
type Backend struct {
	// New returns an empty limiter of its own (for Redis, its own key
	// prefix), cleaned up with t.Cleanup, and the clock it runs on.
	New func(t *testing.T) (ratelimit.Limiter, Clock)
	// Period is the window of the timing tests: anything with a fake
	// clock, a few hundred milliseconds in real time (the timing tests run
	// in parallel and last about 3 Periods).
	Period time.Duration
	// Slack is the margin the timing tests keep from window edges in real
	// time, e.g. Period/4; 0 with a fake clock, where the edges themselves
	// are tested.
	Slack time.Duration
}

// tolerance is how far a measured time may stray from its bounds: the
// backend's clock (Redis' TIME) is not the test's.
func (b Backend) tolerance() time.Duration { return min(b.Slack, 10*time.Millisecond) }

// Run runs the contract against b.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		f    func(t *testing.T, b Backend)
	}{
		{"Counting", testCounting},
		{"Peek", testPeek},
		{"Unlimited", testUnlimited},
		{"Invalid", testInvalid},
		{"Canceled", testCanceled},
		{"KeysIndependent", testKeysIndependent},
		{"OddKeys", testOddKeys},
		{"DuplicateLimits", testDuplicateLimits},
		{"WindowSlides", testWindowSlides},
		{"RetryAfter", testRetryAfter},
		{"SeveralLimits", testSeveralLimits},
		{"Binding", testBinding},
		{"Reset", testReset},
		{"NoLockout", testNoLockout},
		{"Concurrent", testConcurrent},
		{"ConcurrentKeys", testConcurrentKeys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, b)
		})
	}
}

// allow calls Allow, failing the test on an error.
func allow(t *testing.T, l ratelimit.Limiter, key string, limits ...ratelimit.Limit) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key, limits)
	if err != nil {
		t.Fatalf("Allow(%q, %v) = %v", key, limits, err)
	}
	return d
}

// wantAllowed checks an accepted attempt and what remains after it, and
// that its binding limit has room for that and resets within its Period.
func wantAllowed(t *testing.T, d ratelimit.Decision, remaining int) {
	t.Helper()
	if !d.Allowed || d.Remaining != remaining || d.RetryAfter != 0 {
		t.Fatalf("decision = %+v, want allowed with %d remaining", d, remaining)
	}
	if d.Limit.Count <= remaining || d.ResetAfter <= 0 || d.ResetAfter > d.Limit.Period {
		t.Fatalf("decision = %+v, want a Limit above %d and 0 < ResetAfter <= its Period", d, remaining)
	}
}

// wantRefused checks a refused attempt: no remaining, 0 < RetryAfter ≤ max,
// and a binding limit whose window resets when the attempt would pass.
func wantRefused(t *testing.T, d ratelimit.Decision, max time.Duration) {
	t.Helper()
	if d.Allowed || d.Remaining != 0 || d.RetryAfter <= 0 || d.RetryAfter > max {
		t.Fatalf("decision = %+v, want refused with 0 < RetryAfter <= %s", d, max)
	}
	if d.Limit.Count <= 0 || d.ResetAfter != d.RetryAfter || d.ResetAfter > d.Limit.Period {
		t.Fatalf("decision = %+v, want a Limit whose Period holds ResetAfter = RetryAfter", d)
	}
}

// wantLimit checks the limit that binds.
func wantLimit(t *testing.T, d ratelimit.Decision, lim ratelimit.Limit) {
	t.Helper()
	if d.Limit != lim {
		t.Fatalf("decision = %+v, want Limit %+v", d, lim)
	}
}

func testCounting(t *testing.T, b Backend) {
	l, _ := b.New(t)
	lim := ratelimit.Limit{Count: 5, Period: time.Hour}
	for want := 4; want >= 0; want-- {
		wantAllowed(t, allow(t, l, "k", lim), want)
	}
	for range 3 {
		wantRefused(t, allow(t, l, "k", lim), time.Hour)
	}
}

// testPeek: Peek answers as Allow would and records nothing, for a limit
// on failures counted only when they happen.
func testPeek(t *testing.T, b Backend) {
	l, _ := b.New(t)
	ctx := context.Background()
	lim := ratelimit.Limit{Count: 3, Period: time.Hour}
	peek := func() ratelimit.Decision {
		t.Helper()
		d, err := l.Peek(ctx, "k", []ratelimit.Limit{lim})
		if err != nil {
			t.Fatalf("Peek = %v", err)
		}
		return d
	}
	for range 5 {
		wantAllowed(t, peek(), 2)
	}
	for want := 2; want >= 0; want-- {
		wantAllowed(t, allow(t, l, "k", lim), want)
		if want > 0 {
			wantAllowed(t, peek(), want-1)
		}
	}
	for range 3 {
		wantRefused(t, peek(), time.Hour)
	}
	wantRefused(t, allow(t, l, "k", lim), time.Hour)
	if d, err := l.Peek(ctx, "k", nil); err != nil || d != ratelimit.Unlimited() {
		t.Errorf("Peek without limits = %+v, %v", d, err)
	}
	if _, err := l.Peek(ctx, "", []ratelimit.Limit{lim}); !errors.Is(err, ratelimit.ErrInvalid) {
		t.Errorf("Peek with an empty key = %v, want ErrInvalid", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Peek(canceled, "k", []ratelimit.Limit{lim}); err == nil {
		t.Error("Peek with a canceled context succeeded")
	}
}

func testUnlimited(t *testing.T, b Backend) {
	l, _ := b.New(t)
	for range 3 {
		if d := allow(t, l, "k"); d != ratelimit.Unlimited() || d.Limit != (ratelimit.Limit{}) || d.ResetAfter != 0 {
			t.Fatalf("no limits: decision = %+v, want %+v", d, ratelimit.Unlimited())
		}
	}
}

func testInvalid(t *testing.T, b Backend) {
	l, _ := b.New(t)
	ok := ratelimit.Limit{Count: 1, Period: time.Hour}
	cases := []struct {
		key    string
		limits []ratelimit.Limit
	}{
		{"", []ratelimit.Limit{ok}},
		{"", nil},
		{"k", []ratelimit.Limit{{Count: 0, Period: time.Hour}}},
		{"k", []ratelimit.Limit{{Count: -1, Period: time.Hour}}},
		{"k", []ratelimit.Limit{ok, {Count: 1, Period: 0}}},
		{"k", []ratelimit.Limit{{Count: 1, Period: -time.Second}, ok}},
	}
	for _, c := range cases {
		if d, err := l.Allow(context.Background(), c.key, c.limits); !errors.Is(err, ratelimit.ErrInvalid) {
			t.Errorf("Allow(%q, %v) = %+v, %v; want ErrInvalid", c.key, c.limits, d, err)
		}
	}
	// The refused calls recorded nothing.
	wantAllowed(t, allow(t, l, "k", ok), 0)
}

func testCanceled(t *testing.T, b Backend) {
	l, _ := b.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lim := []ratelimit.Limit{{Count: 1, Period: time.Hour}}
	if d, err := l.Allow(ctx, "k", lim); !errors.Is(err, context.Canceled) {
		t.Fatalf("Allow with a canceled context = %+v, %v; want context.Canceled", d, err)
	}
	wantAllowed(t, allow(t, l, "k", lim...), 0)
}

func testKeysIndependent(t *testing.T, b Backend) {
	l, _ := b.New(t)
	one := ratelimit.Limit{Count: 1, Period: time.Hour}
	wantAllowed(t, allow(t, l, "a", one), 0)
	wantRefused(t, allow(t, l, "a", one), time.Hour)
	wantAllowed(t, allow(t, l, "b", one), 0)
	wantAllowed(t, allow(t, l, "A", one), 0)
	// Each (key, limit) pair has its own window.
	wantAllowed(t, allow(t, l, "a", ratelimit.Limit{Count: 2, Period: time.Hour}), 1)
	wantAllowed(t, allow(t, l, "a", ratelimit.Limit{Count: 1, Period: time.Minute}), 0)
}

// testOddKeys checks that keys which are special somewhere (Redis hash
// tags, separators, non-ASCII, long) work and stay apart.
func testOddKeys(t *testing.T, b Backend) {
	l, _ := b.New(t)
	one := ratelimit.Limit{Count: 1, Period: time.Hour}
	keys := []string{
		"{", "}", "{}", "}{", "{x}", "{x}y", "x{}", "{x}:1/1h0m0s", "x:1/1h0m0s",
		"*", "?", "a b\n\x00c", "ключ", "\xff\xfe", strings.Repeat("k", 4000),
		ratelimit.ClientKey("security.login", "2001:db8::1"),
		ratelimit.AccountKey("accounts.login", "ann@example.org"),
	}
	for _, k := range keys {
		wantAllowed(t, allow(t, l, k, one), 0)
	}
	for _, k := range keys {
		wantRefused(t, allow(t, l, k, one), time.Hour)
	}
}

func testDuplicateLimits(t *testing.T, b Backend) {
	l, _ := b.New(t)
	two := ratelimit.Limit{Count: 2, Period: time.Hour}
	wantAllowed(t, allow(t, l, "k", two, two), 1)
	wantAllowed(t, allow(t, l, "k", two, two), 0)
	wantRefused(t, allow(t, l, "k", two, two), time.Hour)
	wantRefused(t, allow(t, l, "k", two), time.Hour)
}
