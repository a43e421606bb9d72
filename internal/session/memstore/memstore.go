// Package memstore is an in-process session.Store for a single node (used
// when ACCOUNTS_SESSION_REDIS_URL is unset). It is bounded: when full it
// evicts the session that expires soonest. Expired records are dropped
// lazily on read and by a janitor goroutine that Close stops. It also
// implements session.UserRevoker and session.Replacer; generation counters
// are never evicted (that would revive revoked sessions), only expired.
//
// It imports the standard library and internal/session.
package memstore

import (
	"bytes"
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/invenio-go/accounts/internal/session"
)

var (
	_ session.Store       = (*Store)(nil)
	_ session.UserRevoker = (*Store)(nil)
	_ session.Replacer    = (*Store)(nil)
)

// Defaults of Options.
const (
	DefaultMaxEntries      = 1_000_000
	DefaultJanitorInterval = time.Minute
)

// janitorBatch bounds how many expired records the janitor removes under
// one hold of the lock, so that requests are not stalled behind it.
const janitorBatch = 4096

// Options configure a Store. Zero values take the defaults.
type Options struct {
	// MaxEntries bounds the number of session records (default 1,000,000).
	MaxEntries int
	// JanitorInterval is how often expired records are removed (default 1
	// minute).
	JanitorInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Store is the in-memory store. It is safe for concurrent use.
type Store struct {
	mu      sync.RWMutex
	entries map[string]*entry
	byExp   expiryHeap
	gens    map[int64]generation
	max     int
	now     func() time.Time

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// entry is one session record; expires is in Unix nanoseconds.
type entry struct {
	key     string
	data    []byte
	expires int64
	index   int // in byExp
}

type generation struct {
	value   int64
	expires int64
}

// New returns a Store and starts its janitor; call Close to stop it.
func New(opts Options) *Store {
	s := &Store{
		entries: make(map[string]*entry),
		gens:    make(map[int64]generation),
		max:     opts.MaxEntries,
		now:     opts.Now,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if s.max <= 0 {
		s.max = DefaultMaxEntries
	}
	if s.now == nil {
		s.now = time.Now
	}
	interval := opts.JanitorInterval
	if interval <= 0 {
		interval = DefaultJanitorInterval
	}
	go s.janitor(interval)
	return s
}

// Close stops the janitor. The store still works afterwards (expired
// records are then only hidden, not freed). It always returns nil.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
	})
	return nil
}

// Len returns the number of records held, expired ones not yet removed
// included.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

// Get returns a copy of the record under id, or session.ErrNotFound.
func (s *Store) Get(_ context.Context, id string) ([]byte, error) {
	now := s.now().UnixNano()
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.entries[id]
	if !ok || e.expires <= now {
		return nil, session.ErrNotFound
	}
	return bytes.Clone(e.data), nil
}

// Put stores a copy of data under id for ttl, evicting the record that
// expires soonest when the store is full. It returns session.ErrBadTTL for
// a ttl that is not positive.
func (s *Store) Put(_ context.Context, id string, data []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return session.ErrBadTTL
	}
	now := s.now().UnixNano()
	data = bytes.Clone(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[id]; ok {
		s.update(e, data, now+int64(ttl))
		return nil
	}
	for len(s.entries) >= s.max {
		s.remove(s.byExp[0])
	}
	e := &entry{key: id, data: data, expires: now + int64(ttl)}
	s.entries[id] = e
	heap.Push(&s.byExp, e)
	return nil
}

// Replace stores a copy of data under id for ttl only if an unexpired
// record is there, and reports whether it did. It returns
// session.ErrBadTTL for a ttl that is not positive.
func (s *Store) Replace(_ context.Context, id string, data []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, session.ErrBadTTL
	}
	now := s.now().UnixNano()
	data = bytes.Clone(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || e.expires <= now {
		return false, nil
	}
	s.update(e, data, now+int64(ttl))
	return true, nil
}

// Delete removes the record under id, if any. It always returns nil.
func (s *Store) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[id]; ok {
		s.remove(e)
	}
	return nil
}

// update and remove need s.mu held for writing.
func (s *Store) update(e *entry, data []byte, expires int64) {
	e.data, e.expires = data, expires
	heap.Fix(&s.byExp, e.index)
}

func (s *Store) remove(e *entry) {
	heap.Remove(&s.byExp, e.index)
	delete(s.entries, e.key)
}

func (s *Store) janitor(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.removeExpired()
		}
	}
}

// removeExpired drops expired records in batches, and expired generations.
func (s *Store) removeExpired() {
	now := s.now().UnixNano()
	for more := true; more; {
		s.mu.Lock()
		n := 0
		for len(s.byExp) > 0 && s.byExp[0].expires <= now && n < janitorBatch {
			s.remove(s.byExp[0])
			n++
		}
		more = n == janitorBatch
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for uid, g := range s.gens {
		if g.expires <= now {
			delete(s.gens, uid)
		}
	}
}
