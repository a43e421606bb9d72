package ratelimittest

import (
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
)

// span is when a call ran, as its clock saw it.
type span struct{ from, to time.Time }

// allowAt is allow that also returns when the call ran.
func allowAt(t *testing.T, l ratelimit.Limiter, c Clock, key string, limits ...ratelimit.Limit) (ratelimit.Decision, span) {
	t.Helper()
	from := c.Now()
	d := allow(t, l, key, limits...)
	return d, span{from, c.Now()}
}

// wantRetry checks a refused attempt whose RetryAfter must lie in [lo, hi]
// give or take tol, and in (0, max].
func wantRetry(t *testing.T, d ratelimit.Decision, lo, hi, tol, max time.Duration) {
	t.Helper()
	wantRefused(t, d, max)
	if d.RetryAfter < lo-tol || d.RetryAfter > hi+tol {
		t.Fatalf("RetryAfter = %s, want between %s and %s (± %s)", d.RetryAfter, lo, hi, tol)
	}
}

// late skips the rest of the test when real time has run past deadline:
// what follows assumes the limiter was called before then, and a machine
// too busy for that says nothing about the limiter.
func late(t *testing.T, c Clock, deadline time.Time) {
	t.Helper()
	if over := c.Now().Sub(deadline); over > 0 {
		t.Skipf("timing: the test ran %s too late to check a window edge (machine busy)", over)
	}
}

// testRetryAfter checks that RetryAfter is the time until the oldest hit
// leaves the window, and that the attempt passes then.
func testRetryAfter(t *testing.T, b Backend) {
	l, c := b.New(t)
	p, tol := b.Period, b.tolerance()
	lim := ratelimit.Limit{Count: 2, Period: p}
	d, first := allowAt(t, l, c, "k", lim)
	wantAllowed(t, d, 1)
	c.Sleep(p / 4)
	d2, second := allowAt(t, l, c, "k", lim)
	d, now := allowAt(t, l, c, "k", lim)
	late(t, c, first.from.Add(p-tol))
	wantAllowed(t, d2, 0)
	wantRetry(t, d, first.from.Add(p).Sub(now.to), first.to.Add(p).Sub(now.from), tol, p)
	if b.Slack == 0 {
		c.Sleep(d.RetryAfter - time.Nanosecond)
		wantRetry(t, allow(t, l, "k", lim), time.Nanosecond, time.Nanosecond, 0, p)
		c.Sleep(time.Nanosecond)
	} else {
		c.Sleep(d.RetryAfter + tol)
	}
	d = allow(t, l, "k", lim)
	d2 = allow(t, l, "k", lim)
	late(t, c, second.from.Add(p-tol))
	wantAllowed(t, d, 0)
	wantRefused(t, d2, p) // the second hit is still in
}

// testWindowSlides checks a moving window, not a fixed one: hits leave one
// by one, a Period after each.
func testWindowSlides(t *testing.T, b Backend) {
	l, c := b.New(t)
	p := b.Period
	lim := ratelimit.Limit{Count: 3, Period: p}
	first := c.Now()
	wantAllowed(t, allow(t, l, "k", lim), 2)
	wantAllowed(t, allow(t, l, "k", lim), 1)
	c.Sleep(p / 2)
	d, third := allowAt(t, l, c, "k", lim)
	wantAllowed(t, d, 0)
	d = allow(t, l, "k", lim)
	late(t, c, first.Add(p-b.tolerance()))
	wantRefused(t, d, p)
	// Past the first two hits' window, inside the third's.
	c.Sleep(p/2 + b.Slack)
	var ds [3]ratelimit.Decision
	for i := range ds {
		ds[i] = allow(t, l, "k", lim)
	}
	late(t, c, third.from.Add(p-b.tolerance()))
	wantAllowed(t, ds[0], 1)
	wantAllowed(t, ds[1], 0)
	wantRefused(t, ds[2], p)
}

// testSeveralLimits checks that an attempt must pass every limit, and that
// one refused by a limit spends nothing of the others.
func testSeveralLimits(t *testing.T, b Backend) {
	l, c := b.New(t)
	p, tol := b.Period, b.tolerance()
	short := ratelimit.Limit{Count: 2, Period: p}
	long := ratelimit.Limit{Count: 3, Period: 50 * p}
	d, first := allowAt(t, l, c, "k", short, long)
	wantAllowed(t, d, 1)
	wantAllowed(t, allow(t, l, "k", short, long), 0)
	d = allow(t, l, "k", long, short)
	late(t, c, first.from.Add(p-tol))
	wantRetry(t, d, 0, p, 0, p)
	c.Sleep(p + tol)
	// The refused attempt did not count against long: one more passes.
	wantAllowed(t, allow(t, l, "k", short, long), 0)
	d, now := allowAt(t, l, c, "k", short, long)
	lo, hi := first.from.Add(50*p).Sub(now.to), first.to.Add(50*p).Sub(now.from)
	wantRetry(t, d, lo, hi, tol, 50*p)
	// The short limit alone still has room; the long one alone has not.
	wantAllowed(t, allow(t, l, "k", short), 0)
	wantRetry(t, allow(t, l, "k", long), lo-p, hi, tol, 50*p)
}

// testNoLockout checks that a flood of refused attempts does not extend the
// lock-out: a Period after the last accepted hit, attempts pass again.
func testNoLockout(t *testing.T, b Backend) {
	l, c := b.New(t)
	p, tol := b.Period, b.tolerance()
	lim := ratelimit.Limit{Count: 3, Period: p}
	first := c.Now()
	for want := 2; want >= 0; want-- {
		wantAllowed(t, allow(t, l, "k", lim), want)
	}
	lastHit := c.Now()
	// 100 refused attempts over a quarter of a Period: if they counted,
	// they would still fill the window when the accepted hits have left it.
	var flood [100]ratelimit.Decision
	for i := range flood {
		if i%10 == 0 {
			c.Sleep(p / 40)
		}
		flood[i] = allow(t, l, "k", lim)
	}
	late(t, c, first.Add(p-tol))
	for _, d := range flood {
		wantRefused(t, d, p)
	}
	c.Sleep(max(0, lastHit.Add(p+tol).Sub(c.Now())))
	again := c.Now()
	var ds [4]ratelimit.Decision
	for i := range ds {
		ds[i] = allow(t, l, "k", lim)
	}
	late(t, c, again.Add(p-tol))
	for i, want := range []int{2, 1, 0} {
		wantAllowed(t, ds[i], want)
	}
	wantRefused(t, ds[3], p)
}

// testReset checks ResetAfter: the time until the oldest hit in the
// window leaves it (this attempt's when it is the only one), and on a
// refusal RetryAfter.
func testReset(t *testing.T, b Backend) {
	l, c := b.New(t)
	p, tol := b.Period, b.tolerance()
	lim := ratelimit.Limit{Count: 3, Period: p}
	d, first := allowAt(t, l, c, "k", lim)
	wantAllowed(t, d, 2)
	if d.ResetAfter != p {
		t.Fatalf("ResetAfter = %s for the window's only hit, want the Period %s", d.ResetAfter, p)
	}
	c.Sleep(p / 4)
	d2, second := allowAt(t, l, c, "k", lim)
	d3, third := allowAt(t, l, c, "k", lim)
	d4, fourth := allowAt(t, l, c, "k", lim)
	late(t, c, first.from.Add(p-tol))
	wantAllowed(t, d2, 1)
	wantReset(t, d2, first, second, p, tol)
	wantAllowed(t, d3, 0)
	wantReset(t, d3, first, third, p, tol)
	wantRefused(t, d4, p)
	wantReset(t, d4, first, fourth, p, tol)
	// Once the first hit has left, the second is the oldest.
	c.Sleep(d4.RetryAfter + tol)
	d, now := allowAt(t, l, c, "k", lim)
	late(t, c, second.from.Add(p-tol))
	wantAllowed(t, d, 0)
	wantReset(t, d, second, now, p, tol)
}

// wantReset checks that ResetAfter, for the call made during now, is when
// the hit made during oldest leaves a window of p, give or take tol.
func wantReset(t *testing.T, d ratelimit.Decision, oldest, now span, p, tol time.Duration) {
	t.Helper()
	lo, hi := oldest.from.Add(p).Sub(now.to), oldest.to.Add(p).Sub(now.from)
	if d.ResetAfter < lo-tol || d.ResetAfter > hi+tol {
		t.Fatalf("ResetAfter = %s, want between %s and %s (± %s)", d.ResetAfter, lo, hi, tol)
	}
}
