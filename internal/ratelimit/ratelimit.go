// Package ratelimit defines moving-window rate limits: the Limiter
// interface, its Limit and Decision types, and the keys the service limits
// on (ClientKey for a client IP at an endpoint, GuestKey and UserKey for the
// general limits of anonymous clients and logged-in users, AccountKey for an
// email address).
//
// The implementations live in subpackages: memory (one node), redislimit
// (shared by every node through Redis), and storage, which opens one of them
// from RATELIMIT_STORAGE_URI. ratelimittest is the contract both pass.
//
// # Semantics
//
// A Limit of Count per Period allows at most Count hits in any window of
// length Period (Flask-Limiter's "moving-window" strategy). Allow checks one
// attempt against every limit of a list ("10 per minute;100 per hour": all
// must pass) and, only when all allow it, records one hit against each.
// A refused attempt records nothing: refusals never extend a lock-out, so
// after at most the longest Period without accepted hits a key is free
// again, however many attempts were refused meanwhile. (Flask-Limiter's
// moving window also records only accepted hits, but it tests a list of
// limits one after another, so a hit accepted by the first and refused by
// the second still spends the first's quota; here it does not.)
//
// Each (key, Limit) pair has its own window: the same key under "10 per
// minute" and under "5 per minute" is counted twice, as in Flask-Limiter.
//
// It imports only the standard library.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalid is returned (wrapped) by Allow for an empty key or a limit
// whose Count or Period is not positive.
var ErrInvalid = errors.New("ratelimit: invalid key or limit")

// Limit is one rate limit: at most Count hits in any window of Period.
// internal/config produces the same two fields from "10 per minute".
type Limit struct {
	Count  int
	Period time.Duration
}

// Decision is the answer to one attempt.
type Decision struct {
	// Allowed reports whether the attempt passed every limit (and was
	// recorded against each).
	Allowed bool
	// RetryAfter is zero when allowed. When refused, it is how long until
	// the same attempt would pass: for each refused limit, the time until
	// its oldest hit leaves the window, the longest of them; it is above 0
	// and at most the longest Period. (HTTP's Retry-After counts whole
	// seconds: round up.)
	RetryAfter time.Duration
	// Remaining is how many more attempts would pass now, after this one:
	// the smallest over the limits, 0 when refused.
	Remaining int
	// Limit is the limit that binds, the one to tell a client about (in
	// X-RateLimit-* headers). When allowed: the one with the fewest attempts
	// left after this one (Remaining is its count), of those the one whose
	// ResetAfter is longest, of those the first listed. When refused: the
	// refused one with the longest wait (RetryAfter is its), of those the
	// first listed. Zero for an empty list.
	Limit Limit
	// ResetAfter is how long until Limit's window moves on: until the
	// oldest hit it holds, counting this attempt's, leaves it and frees one
	// attempt (Flask-Limiter's reset time of a moving window). When allowed
	// it is above 0 and at most Limit.Period (Limit.Period when this
	// attempt is the window's only hit); when refused it equals RetryAfter.
	// Zero for an empty list.
	ResetAfter time.Duration
}

// Limiter checks and records attempts. Implementations are safe for
// concurrent use, and a check and its record are one atomic step: parallel
// attempts never pass more than Count.
type Limiter interface {
	// Allow checks one attempt under key against every limit and records
	// it against all of them if, and only if, all allow it. An empty list
	// allows everything and records nothing (see Unlimited). It returns
	// ErrInvalid (wrapped) for an empty key or a limit that is not
	// positive, the context's error, or the storage's error (the caller
	// chooses to fail open or closed).
	Allow(ctx context.Context, key string, limits []Limit) (Decision, error)
	// Peek answers as Allow would now, and records nothing: for a limit
	// on failures only, checked before an attempt and counted (by Allow)
	// only when the attempt fails. Its errors are Allow's.
	Peek(ctx context.Context, key string, limits []Limit) (Decision, error)
}

// Unlimited is the Decision for an empty list of limits.
func Unlimited() Decision {
	return Decision{Allowed: true, Remaining: math.MaxInt}
}

// Validate checks the arguments of Allow, returning ErrInvalid (wrapped)
// for an empty key or a limit whose Count or Period is not positive. It is
// for implementations of Limiter.
func Validate(key string, limits []Limit) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalid)
	}
	for _, l := range limits {
		if l.Count <= 0 || l.Period <= 0 {
			return fmt.Errorf("%w: %d per %s", ErrInvalid, l.Count, l.Period)
		}
	}
	return nil
}
