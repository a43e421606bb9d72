package accounts

import (
	"context"
	"sync/atomic"
)

// MsgBusy is the answer when password hashing is saturated.
const MsgBusy = "The service is busy. Please try again in a moment."

// hashPool bounds the password hashing running at once (each costs tens of
// milliseconds of a core) and the requests waiting for it: beyond that,
// callers get EUnavailable at once instead of piling up.
type hashPool struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
}

func newHashPool(concurrency, queue int) *hashPool {
	if concurrency <= 0 {
		return nil
	}
	return &hashPool{slots: make(chan struct{}, concurrency), queue: int64(queue)}
}

// acquire takes a slot, waiting while fewer than queue others wait. The
// release func must be called. Errors: EUnavailable when the queue is full,
// the context's error when it ends while waiting.
func (p *hashPool) acquire(ctx context.Context) (release func(), err error) {
	if p == nil {
		return func() {}, nil
	}
	select {
	case p.slots <- struct{}{}:
		return p.release, nil
	default:
	}
	if p.waiting.Add(1) > p.queue {
		p.waiting.Add(-1)
		return nil, Errorf(EUnavailable, MsgBusy)
	}
	defer p.waiting.Add(-1)
	select {
	case p.slots <- struct{}{}:
		return p.release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *hashPool) release() { <-p.slots }

// Saturation returns how many hashes run and how many requests wait.
func (s *Service) Saturation() (running, waiting int) {
	if s.pool == nil {
		return 0, 0
	}
	return len(s.pool.slots), int(s.pool.waiting.Load())
}
