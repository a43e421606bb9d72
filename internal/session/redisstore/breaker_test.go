package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/invenio-go/accounts/internal/testenv"
)

func TestBreakerClassifiesErrors(t *testing.T) {
	tests := []struct {
		err              error
		silent, answered bool
	}{
		{nil, false, false},
		{redis.Nil, false, true},
		{redis.ErrPoolTimeout, true, false},
		{&net.OpError{Op: "read", Err: syscall.ETIMEDOUT}, true, false},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true, false},
		{io.EOF, true, false},
		{context.DeadlineExceeded, true, false},
		{context.Canceled, false, false}, // the caller gave up: no word on the server
		{redis.ErrClosed, false, false},  // our own client, closed
		{ErrBreakerOpen, false, false},
	}
	for _, tc := range tests {
		if got := silent(tc.err); got != tc.silent {
			t.Errorf("silent(%v) = %v", tc.err, got)
		}
		if got := answered(tc.err); got != tc.answered {
			t.Errorf("answered(%v) = %v", tc.err, got)
		}
	}
}

// TestBreaker: once a frozen Redis let one command time out, the other
// clients of its URL fail at once instead of waiting their own timeouts;
// error replies and missing keys open nothing; after the thaw, the first
// command let through a cooldown later closes the breaker.
func TestBreaker(t *testing.T) {
	if testing.Short() {
		t.Skip("freezes a redis-server")
	}
	srv := testenv.StartRedis(t, false)
	ctx := context.Background()
	clients := make([]redis.UniversalClient, 2)
	for i := range clients {
		c, err := NewClient(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		clients[i] = c
	}
	a, b := clients[0], clients[1]
	timed := func(c redis.UniversalClient) (time.Duration, error) {
		start := time.Now()
		err := c.Set(ctx, "k", "v", time.Hour).Err()
		return time.Since(start), err
	}

	// Answers, even errors, keep it closed.
	if err := a.Get(ctx, "missing").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET missing = %v", err)
	}
	if err := a.LPush(ctx, "k2", "x").Err(); err != nil {
		t.Fatal(err)
	}
	if err := a.Incr(ctx, "k2").Err(); err == nil {
		t.Fatal("INCR of a list answered no error")
	}
	if _, err := timed(b); err != nil {
		t.Fatalf("after error replies: %v", err)
	}

	srv.Signal(syscall.SIGSTOP)
	frozen := true
	defer func() {
		if frozen {
			srv.Signal(syscall.SIGCONT)
		}
	}()
	if d, err := timed(a); err == nil || errors.Is(err, ErrBreakerOpen) {
		t.Fatalf("SET on a frozen Redis = %v after %s, want its timeout", err, d)
	}
	for _, c := range clients {
		if d, err := timed(c); !errors.Is(err, ErrBreakerOpen) || d > 100*time.Millisecond {
			t.Errorf("SET after a timeout = %v after %s, want ErrBreakerOpen at once", err, d)
		}
	}
	pipe := b.Pipeline()
	pipe.Get(ctx, "k")
	if _, err := pipe.Exec(ctx); !errors.Is(err, ErrBreakerOpen) {
		t.Errorf("a pipeline after a timeout = %v, want ErrBreakerOpen", err)
	}

	srv.Signal(syscall.SIGCONT)
	frozen = false
	thawed := time.Now()
	var recovered time.Duration
	for time.Since(thawed) < 5*time.Second {
		if _, err := timed(b); err == nil {
			recovered = time.Since(thawed)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if recovered == 0 {
		t.Fatal("no command passed within 5 s of the thaw")
	}
	if recovered > breakerCooldown+500*time.Millisecond {
		t.Errorf("first command passed %s after the thaw, want within the cooldown (%s)", recovered, breakerCooldown)
	}
	for _, c := range clients {
		if _, err := timed(c); err != nil {
			t.Errorf("after recovery: %v", err)
		}
	}
	t.Logf("first command passed %s after the thaw", recovered.Round(time.Millisecond))
}
