package memstore

import (
	"context"
	"time"

	"github.com/invenio-go/accounts/internal/session"
)

// UserGeneration returns the user's generation, 0 when never bumped or
// expired. It always returns a nil error.
func (s *Store) UserGeneration(_ context.Context, userID int64) (int64, error) {
	now := s.now().UnixNano()
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.gens[userID]
	if !ok || g.expires <= now {
		return 0, nil
	}
	return g.value, nil
}

// HoldUserGeneration returns the user's generation and, when it is set,
// extends its expiry to at least ttl from now. It returns
// session.ErrBadTTL for a ttl that is not positive.
func (s *Store) HoldUserGeneration(_ context.Context, userID int64, ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, session.ErrBadTTL
	}
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.gens[userID]
	if !ok || g.expires <= now {
		return 0, nil
	}
	g.expires = max(g.expires, now+int64(ttl))
	s.gens[userID] = g
	return g.value, nil
}

// BumpUserGeneration increments the user's generation, extends its expiry
// to at least ttl from now and returns the new value. It returns
// session.ErrBadTTL for a ttl that is not positive.
func (s *Store) BumpUserGeneration(_ context.Context, userID int64, ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, session.ErrBadTTL
	}
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.gens[userID]
	if !ok || g.expires <= now {
		g = generation{}
	}
	g.value++
	g.expires = max(g.expires, now+int64(ttl))
	s.gens[userID] = g
	return g.value, nil
}
