package redislimit

import (
	"cmp"
	"context"
	"sync/atomic"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
)

// DefaultProbeInterval is the default of Options.ProbeInterval.
const DefaultProbeInterval = time.Second

// fallback is the in-process limiter used while Redis fails, and the state
// of that failure.
type fallback struct {
	mem        *memory.Limiter
	interval   time.Duration
	onFallback func(error)
	onRecover  func()
	start      time.Time // times below are monotonic nanoseconds since start
	// downUntil is when Redis should next be tried; 0 while Redis answers.
	downUntil atomic.Int64
}

func newFallback(opts Options) *fallback {
	return &fallback{
		mem:        memory.New(opts.Memory),
		interval:   cmp.Or(opts.ProbeInterval, DefaultProbeInterval),
		onFallback: opts.OnFallback,
		onRecover:  opts.OnRecover,
		start:      time.Now(),
	}
}

// now is never 0, which downUntil reserves.
func (f *fallback) now() int64 { return int64(time.Since(f.start)) + 1 }

// skip reports whether an attempt should go to memory without trying
// Redis: Redis failed less than an interval ago, or another attempt is
// trying it now. Once an interval has passed, one attempt (the one that
// wins the swap) tries Redis, so a dead Redis costs one timeout per
// interval, not one per request.
func (f *fallback) skip() bool {
	until := f.downUntil.Load()
	if until == 0 {
		return false
	}
	now := f.now()
	if now < until {
		return true
	}
	return !f.downUntil.CompareAndSwap(until, now+int64(f.interval))
}

// failed records a Redis error, reporting it if Redis was answering.
func (f *fallback) failed(err error) {
	if f.downUntil.Swap(f.now()+int64(f.interval)) == 0 && f.onFallback != nil {
		f.onFallback(err)
	}
}

// recovered records that Redis answered, reporting it if it was failing.
func (f *fallback) recovered() {
	if f.downUntil.Load() != 0 && f.downUntil.Swap(0) != 0 && f.onRecover != nil {
		f.onRecover()
	}
}

// decide asks the in-process limiter: Allow, or Peek without record.
func (f *fallback) decide(ctx context.Context, key string, limits []ratelimit.Limit, record bool) (ratelimit.Decision, error) {
	if record {
		return f.mem.Allow(ctx, key, limits)
	}
	return f.mem.Peek(ctx, key, limits)
}
