package memory

import (
	"sort"
	"time"
)

// slot names one window: a key under one limit.
type slot struct {
	key    string
	count  int
	period time.Duration
}

// window holds the latest hits of one slot, oldest first, as a ring of at
// most count timestamps (nanoseconds since the Limiter started): a moving
// window never needs more than the last count hits. The ring grows with
// use, so a key with few hits holds little memory.
type window struct {
	slot       slot
	hits       []int64
	start      int     // index of the oldest hit; 0 until the ring is full
	expires    int64   // when the newest hit leaves the window
	prev, next *window // the shard's recency list
}

// at returns the i-th oldest hit.
func (w *window) at(i int) int64 { return w.hits[(w.start+i)%len(w.hits)] }

// check reports whether one more hit fits at now. If so, left is how many
// more would fit after it, and reset how long until the oldest hit in the
// window (this one when there is none) leaves it; if not, reset is how
// long until one more fits. reset is in (0, period].
func (w *window) check(now int64) (ok bool, left int, reset time.Duration) {
	period := int64(w.slot.period)
	first := sort.Search(len(w.hits), func(i int) bool { return w.at(i) > now-period })
	n, c := len(w.hits)-first, w.slot.count
	if n == 0 {
		return true, c - 1, w.slot.period
	}
	// When refused, n-c+1 hits must leave the window; the last of them is
	// the oldest hit when, as always here, n == c. When allowed, the oldest
	// hit is the next to leave.
	reset = min(time.Duration(w.at(first)+period-now), w.slot.period)
	if n < c {
		return true, c - n - 1, reset
	}
	return false, 0, reset
}

// record adds a hit at now, overwriting the oldest once the ring is full.
func (w *window) record(now int64) {
	if n := len(w.hits); n > 0 {
		// An injected clock may step back; keep the ring in order.
		now = max(now, w.at(n-1))
	}
	w.expires = now + int64(w.slot.period)
	if len(w.hits) < w.slot.count {
		if len(w.hits) == cap(w.hits) {
			grown := make([]int64, len(w.hits), min(w.slot.count, max(4, 2*cap(w.hits))))
			copy(grown, w.hits)
			w.hits = grown
		}
		w.hits = append(w.hits, now)
		return
	}
	w.hits[w.start] = now
	w.start = (w.start + 1) % len(w.hits)
}
