// Package ttlcache keeps values read from a store that others change, for a
// short time: an entry is answered until its TTL has passed, and a read
// that started before an invalidation (Forget, ForgetAll) is not kept, so a
// value read just before a write commits never outlives that write here.
//
// The caller reads the epoch with Get before it reads the store, and hands
// it back to Put:
//
//	v, epoch, ok := c.Get(k, now)
//	if !ok {
//		v = readTheStore(k)
//		c.Put(k, v, now, epoch) // dropped if k was forgotten meanwhile
//	}
//
// It imports only the standard library.
package ttlcache

import (
	"sync"
	"time"
)

// Cache is safe for concurrent use. Its zero value, like a TTL that is not
// positive, keeps nothing.
type Cache[K comparable, V any] struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	epoch uint64
	m     map[K]entry[V]
}

type entry[V any] struct {
	v  V
	at time.Time
}

// New returns a cache whose entries live for ttl (none when ttl <= 0) and
// that holds at most max of them: when full it is emptied, which only costs
// reads.
func New[K comparable, V any](ttl time.Duration, max int) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, max: max}
}

// TTL returns how long entries live (0 or less: the cache is off).
func (c *Cache[K, V]) TTL() time.Duration { return c.ttl }

// Get returns k's value when it was put less than the TTL before now (an
// entry stamped after now, a clock that went back, has expired), and the
// current epoch for a Put after a read of the store.
func (c *Cache[K, V]) Get(k K, now time.Time) (v V, epoch uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if ok && (now.Sub(e.at) >= c.ttl || now.Before(e.at)) {
		delete(c.m, k)
		ok = false
	}
	return e.v, c.epoch, ok
}

// Put keeps v for k, read at time at, unless the cache is off or something
// was forgotten since Get returned epoch.
func (c *Cache[K, V]) Put(k K, v V, at time.Time, epoch uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.m == nil || len(c.m) >= c.max {
		c.m = map[K]entry[V]{}
	}
	c.m[k] = entry[V]{v, at}
}

// Forget drops k, and any read of the store started before this call.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	delete(c.m, k)
}

// ForgetAll drops every entry, and any read started before this call.
func (c *Cache[K, V]) ForgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.m)
}
