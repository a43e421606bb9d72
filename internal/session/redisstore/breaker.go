package redisstore

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrBreakerOpen is a command's error when it was not sent: its server
// did not answer a moment ago (a timeout, a refused or dropped
// connection), and is asked again only by one command every
// breakerCooldown until it answers.
var ErrBreakerOpen = errors.New("redis did not answer just now; not asked again yet (circuit breaker open)")

// breakerCooldown is how long a server that did not answer is not asked.
const breakerCooldown = time.Second

// A frozen Redis (it accepts connections and never answers) costs every
// command its whole timeout and retry, 2 s with the defaults: a login asks
// the rate limiter and then the session store, each on its own client, and
// took over 3 s (docs/reliability.md, finding 5). The clients NewClient
// makes for one URL share a breaker: once a command of any of them found
// the server silent, the others fail at once with ErrBreakerOpen instead
// of waiting, until a command let through after the cooldown gets an
// answer.
type breaker struct {
	// open is read without the lock on every command: while the breaker
	// is closed and commands are answered, none takes the lock.
	open     atomic.Bool
	mu       sync.Mutex
	openedAt time.Time // when it opened (again); zero while closed
	probing  bool      // a command let through after the cooldown is out
}

var (
	breakersMu sync.Mutex
	breakers   = map[string]*breaker{}
)

// breakerFor returns the breaker of the clients of rawURL.
func breakerFor(rawURL string) *breaker {
	breakersMu.Lock()
	defer breakersMu.Unlock()
	b := breakers[rawURL]
	if b == nil {
		b = &breaker{}
		breakers[rawURL] = b
	}
	return b
}

// allow reports whether a command may be sent, and whether it is the one
// command sent to learn whether the server answers again.
func (b *breaker) allow() (ok, probe bool) {
	if !b.open.Load() {
		return true, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.openedAt.IsZero(): // closed since the Load
		return true, false
	case b.probing || time.Since(b.openedAt) < breakerCooldown:
		return false, false
	}
	b.probing = true
	return true, true
}

// done records a sent command's outcome: silence opens the breaker (again),
// an answer closes it. A failure once ctx has ended says nothing of the
// server: the caller's own deadline (which go-redis also sets on the
// connection) or cancellation cut the wait.
func (b *breaker) done(ctx context.Context, err error, probe bool) {
	quiet := err != nil && silent(err) && ctx.Err() == nil
	if !quiet && !probe && !b.open.Load() {
		return // closed, and nothing to change
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	switch {
	case quiet:
		b.openedAt = time.Now()
		b.open.Store(true)
	case err == nil || answered(err):
		b.openedAt = time.Time{}
		b.open.Store(false)
	}
}

// silent reports whether err says the server did not answer: a timeout,
// a refused, reset or dropped connection, no free connection in the pool.
func silent(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, redis.ErrPoolTimeout)
}

// answered reports whether err is the server's own answer: a missing key
// or an error reply.
func answered(err error) bool {
	var re redis.Error
	return errors.Is(err, redis.Nil) || errors.As(err, &re)
}

// breakerHook applies a breaker to a client's commands and pipelines. The
// commands go-redis sends inside one of them (HELLO, AUTH, SELECT on a new
// connection) pass: the outer call is the one let through or not.
type breakerHook struct{ b *breaker }

// breakerPassed marks the context of a call the breaker let through.
type breakerPassed struct{}

func (h breakerHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h breakerHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if ctx.Value(breakerPassed{}) != nil { // a connection's set-up commands
			return next(ctx, cmd)
		}
		ok, probe := h.b.allow()
		if !ok {
			cmd.SetErr(ErrBreakerOpen)
			return ErrBreakerOpen
		}
		err := next(context.WithValue(ctx, breakerPassed{}, true), cmd)
		h.b.done(ctx, err, probe)
		return err
	}
}

func (h breakerHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if ctx.Value(breakerPassed{}) != nil {
			return next(ctx, cmds)
		}
		ok, probe := h.b.allow()
		if !ok {
			for _, cmd := range cmds {
				cmd.SetErr(ErrBreakerOpen)
			}
			return ErrBreakerOpen
		}
		err := next(context.WithValue(ctx, breakerPassed{}, true), cmds)
		h.b.done(ctx, err, probe)
		return err
	}
}
