package ratelimittest

import (
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
)

// testBinding checks which limit a decision reports, whatever the order of
// the list: when allowed, the one with the fewest attempts left, then the
// one whose window resets last; when refused, the refused one with the
// longest wait.
func testBinding(t *testing.T, b Backend) {
	l, _ := b.New(t)
	check := func(d ratelimit.Decision, remaining int, lim ratelimit.Limit) {
		t.Helper()
		if remaining < 0 {
			wantRefused(t, d, time.Hour)
		} else {
			wantAllowed(t, d, remaining)
		}
		wantLimit(t, d, lim)
	}
	minute := ratelimit.Limit{Count: 5, Period: time.Minute}
	hour := ratelimit.Limit{Count: 2, Period: time.Hour}
	check(allow(t, l, "few", minute, hour), 1, hour)
	check(allow(t, l, "few", hour, minute), 0, hour)
	check(allow(t, l, "few", minute, hour), -1, hour)
	check(allow(t, l, "few", minute), 2, minute) // the refused attempt did not count

	// As many left: the window that resets last.
	short, long := ratelimit.Limit{Count: 3, Period: time.Minute}, ratelimit.Limit{Count: 3, Period: time.Hour}
	check(allow(t, l, "tie", short, long), 2, long)
	check(allow(t, l, "tie", long, short), 1, long)

	// Refused by both: the longest wait.
	one, other := ratelimit.Limit{Count: 1, Period: time.Minute}, ratelimit.Limit{Count: 1, Period: time.Hour}
	check(allow(t, l, "both", one, other), 0, other)
	check(allow(t, l, "both", one, other), -1, other)
	check(allow(t, l, "both", other, one), -1, other)
	check(allow(t, l, "both", one), -1, one)

	// A refusal binds over any pass.
	wide := ratelimit.Limit{Count: 100, Period: time.Hour}
	check(allow(t, l, "both", wide, one), -1, one)

	if b.Slack == 0 {
		// The same count left and the same reset: the first listed.
		two, three := ratelimit.Limit{Count: 2, Period: time.Hour}, ratelimit.Limit{Count: 3, Period: time.Hour}
		check(allow(t, l, "same", three), 2, three)
		check(allow(t, l, "same", two, three), 1, two)
		check(allow(t, l, "again", three), 2, three)
		check(allow(t, l, "again", three, two), 1, three)
	}
}
