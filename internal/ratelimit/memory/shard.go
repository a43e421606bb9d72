package memory

import (
	"sync"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
)

// shard is one lock's share of the windows, with a recency list: windows
// are moved to the front when used (also by a refused attempt, so a key
// under attack is not the one evicted), and removed from the back when
// they expire or when the shard is full.
type shard struct {
	mu      sync.Mutex
	windows map[slot]*window
	recent  window // sentinel: recent.next is the most recently used
	max     int
}

func (s *shard) init(max int) {
	s.windows = make(map[slot]*window)
	s.recent.next, s.recent.prev = &s.recent, &s.recent
	s.max = max
}

// allow checks an attempt and records it if every limit allows it. It
// folds each limit's answer into d, which starts as ratelimit.Unlimited().
func (s *shard) allow(d *ratelimit.Decision, key string, limits []ratelimit.Limit, now int64, record bool) {
	s.sweep(now)
	for _, lim := range limits {
		ok, left, reset := true, lim.Count-1, lim.Period
		if w := s.windows[slotOf(key, lim)]; w != nil {
			s.touch(w)
			ok, left, reset = w.check(now)
		}
		bind(d, lim, ok, left, reset)
	}
	if !d.Allowed || !record {
		return
	}
	for i, lim := range limits {
		if duplicate(limits[:i], lim) {
			continue // one hit per window, however often a limit is listed
		}
		w := s.windows[slotOf(key, lim)]
		if w == nil {
			w = s.add(slotOf(key, lim), now)
		}
		w.record(now)
		s.touch(w)
	}
}

// bind folds one limit's answer into d, keeping the limit that binds (see
// ratelimit.Decision.Limit): a refusal beats any pass; among refusals, the
// longest wait; among passes, the fewest left, then the longest reset;
// among equals, the first.
func bind(d *ratelimit.Decision, lim ratelimit.Limit, ok bool, left int, reset time.Duration) {
	switch {
	case !ok && (d.Allowed || reset > d.RetryAfter):
		d.Allowed, d.RetryAfter, d.Remaining = false, reset, 0
	case ok && d.Allowed && (left < d.Remaining || left == d.Remaining && reset > d.ResetAfter):
		d.Remaining = left
	default:
		return
	}
	d.Limit, d.ResetAfter = lim, reset
}

func slotOf(key string, l ratelimit.Limit) slot {
	return slot{key: key, count: l.Count, period: l.Period}
}

func duplicate(limits []ratelimit.Limit, l ratelimit.Limit) bool {
	for _, m := range limits {
		if m == l {
			return true
		}
	}
	return false
}

// add creates the window of sl, first evicting the least recently used
// window when the shard is full.
func (s *shard) add(sl slot, now int64) *window {
	if len(s.windows) >= s.max {
		s.remove(s.recent.prev)
	}
	w := &window{slot: sl}
	s.windows[sl] = w
	return w
}

// sweep removes the expired windows at the back of the recency list (each
// is removed once, so this is constant work per attempt on average).
func (s *shard) sweep(now int64) {
	for w := s.recent.prev; w != &s.recent && w.expires <= now; w = s.recent.prev {
		s.remove(w)
	}
}

func (s *shard) remove(w *window) {
	s.unlink(w)
	delete(s.windows, w.slot)
}

// touch moves w to the front of the recency list.
func (s *shard) touch(w *window) {
	s.unlink(w)
	w.prev, w.next = &s.recent, s.recent.next
	s.recent.next.prev = w
	s.recent.next = w
}

func (s *shard) unlink(w *window) {
	if w.prev != nil {
		w.prev.next, w.next.prev = w.next, w.prev
		w.prev, w.next = nil, nil
	}
}
