package session

import (
	"context"
	"errors"
	"time"
)

// Store errors.
var (
	// ErrNotFound is returned by Store.Get when the id is absent or expired.
	ErrNotFound = errors.New("session: not found")
	// ErrNotSupported is returned by Manager.RevokeUser when the store does
	// not implement UserRevoker.
	ErrNotSupported = errors.New("session: store cannot revoke by user")
	// ErrBadTTL is returned by Store.Put and UserRevoker methods for a TTL
	// that is not positive: every key must expire.
	ErrBadTTL = errors.New("session: ttl must be positive")
)

// Store keeps session records under their derived ids (never under the
// token of the cookie). Every record expires after its TTL, removed by the
// store itself. Implementations are safe for concurrent use; memstore and
// redisstore implement it, and sessiontest.Run is the contract they pass.
type Store interface {
	// Get returns the record stored under id, or ErrNotFound. Any other
	// error means the store failed (callers answer 503).
	Get(ctx context.Context, id string) ([]byte, error)
	// Put stores data under id for ttl, replacing any record there. A ttl
	// that is not positive gives ErrBadTTL.
	Put(ctx context.Context, id string, data []byte, ttl time.Duration) error
	// Delete removes the record under id. Deleting an absent id is not an
	// error.
	Delete(ctx context.Context, id string) error
}

// UserRevoker is implemented by stores that can end every session of a user
// at once, on every node sharing the store, including sessions no database
// row lists. The store keeps a generation counter per user; a session
// records the generation current when it was logged in and is invalid once
// the counter moved.
//
// A generation key expires too. For that to be safe its TTL must outlive
// every session recorded under it: pass the longest session lifetime as ttl;
// BumpUserGeneration and HoldUserGeneration (called when a session records
// the generation) extend the key's TTL to at least ttl, never shorten it. When the key has expired the
// generation reads 0 again, and every session recorded under a non-zero
// generation has expired with it.
type UserRevoker interface {
	// UserGeneration returns the user's current generation, 0 when it was
	// never bumped or has expired.
	UserGeneration(ctx context.Context, userID int64) (int64, error)
	// HoldUserGeneration returns the current generation and, when its key
	// exists, extends its TTL to at least ttl (ErrBadTTL if not positive).
	HoldUserGeneration(ctx context.Context, userID int64, ttl time.Duration) (int64, error)
	// BumpUserGeneration atomically increments the user's generation,
	// extends its TTL to at least ttl (ErrBadTTL if not positive) and
	// returns the new value.
	BumpUserGeneration(ctx context.Context, userID int64, ttl time.Duration) (int64, error)
}

// CachingRevoker is a UserRevoker whose UserGeneration may answer from a
// short-lived cache (redisstore's, a few tens of milliseconds).
// FreshUserGeneration always reads the store: the Manager calls it when a
// record holds a newer generation than the cache, which proves the cache
// behind (a login made on another node since).
type CachingRevoker interface {
	UserRevoker
	FreshUserGeneration(ctx context.Context, userID int64) (int64, error)
}

// Replacer is implemented by stores that can write a record only if it is
// still there (Redis SET XX). Manager.Save uses it to update an existing
// session, so that a request racing with a revocation or logout cannot
// store the revoked record again.
type Replacer interface {
	// Replace stores data under id for ttl only if a record is stored there,
	// and reports whether it did. A ttl that is not positive gives ErrBadTTL.
	Replace(ctx context.Context, id string, data []byte, ttl time.Duration) (bool, error)
}
