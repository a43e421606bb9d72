package ttlcache

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// TestCache: entries live for the TTL, not a moment more (nor when the
// clock goes back); a read started before a Forget or ForgetAll is not kept;
// a full cache starts again; a TTL that is not positive keeps nothing.
func TestCache(t *testing.T) {
	get := func(c *Cache[string, int], k string, now time.Time) (int, bool) {
		v, _, ok := c.Get(k, now)
		return v, ok
	}
	c := New[string, int](time.Second, 2)
	_, e, _ := c.Get("a", t0)
	c.Put("a", 1, t0, e)
	steps := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"at once", t0, true},
		{"just within the TTL", t0.Add(time.Second - time.Nanosecond), true},
		{"clock gone back", t0.Add(-time.Millisecond), false},
	}
	for _, st := range steps {
		if v, ok := get(c, "a", st.at); ok != st.ok || ok && v != 1 {
			t.Errorf("%s: Get = %d, %v; want kept %v", st.name, v, ok, st.ok)
		}
	}
	c.Put("a", 1, t0, e)
	if _, ok := get(c, "a", t0.Add(time.Second)); ok {
		t.Error("an entry outlived its TTL")
	}

	for name, forget := range map[string]func(){"Forget": func() { c.Forget("a") }, "ForgetAll": c.ForgetAll} {
		_, e, _ := c.Get("a", t0)
		forget() // a write committed while the store was read
		c.Put("a", 2, t0, e)
		if _, ok := get(c, "a", t0); ok {
			t.Errorf("%s: a read started before it was kept", name)
		}
		_, e, _ = c.Get("a", t0)
		c.Put("a", 3, t0, e)
		if v, ok := get(c, "a", t0); !ok || v != 3 {
			t.Errorf("%s: a read started after it was not kept: %d, %v", name, v, ok)
		}
		forget()
		if _, ok := get(c, "a", t0); ok {
			t.Errorf("%s: the entry is still there", name)
		}
	}

	_, e, _ = c.Get("a", t0)
	c.Put("a", 1, t0, e)
	c.Put("b", 2, t0, e)
	c.Put("c", 3, t0, e) // full: starts again
	if _, ok := get(c, "a", t0); ok {
		t.Error("a full cache kept its entries")
	}
	if v, ok := get(c, "c", t0); !ok || v != 3 {
		t.Errorf("the entry that found the cache full: %d, %v", v, ok)
	}

	for _, off := range []*Cache[string, int]{New[string, int](0, 2), New[string, int](-1, 2), {}} {
		_, e, _ := off.Get("a", t0)
		off.Put("a", 1, t0, e)
		if _, ok := get(off, "a", t0); ok {
			t.Errorf("a cache with TTL %v kept an entry", off.TTL())
		}
	}
}
