package redisstore

import (
	"cmp"
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

// TestBreakerPerClusterNode: in a Redis Cluster each node has its own
// breaker: a frozen node's keys fail at once after its first timeout,
// while the other nodes' keys go on being served.
func TestBreakerPerClusterNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a redis cluster")
	}
	cluster := testenv.StartRedisCluster(t, 3)
	c, err := NewClient(cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cc := c.(*redis.ClusterClient)
	ctx := context.Background()
	frozenAddr := cluster.Addrs()[0]
	// A key on the node to freeze, and one elsewhere.
	var onFrozen, elsewhere string
	for i := 0; onFrozen == "" || elsewhere == ""; i++ {
		key := fmt.Sprintf("k%d", i)
		node, err := cc.MasterForKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if node.Options().Addr == frozenAddr {
			onFrozen = cmp.Or(onFrozen, key)
		} else {
			elsewhere = cmp.Or(elsewhere, key)
		}
	}
	for _, k := range []string{onFrozen, elsewhere} {
		if err := c.Set(ctx, k, "v", time.Hour).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}
	timedGet := func(key string) (time.Duration, error) {
		start := time.Now()
		err := c.Get(ctx, key).Err()
		return time.Since(start), err
	}

	if err := cluster.Signal(0, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	frozen := true
	defer func() {
		if frozen {
			cluster.Signal(0, syscall.SIGCONT)
		}
	}()
	if d, err := timedGet(onFrozen); err == nil {
		t.Fatalf("GET on the frozen node answered after %s", d)
	}
	if d, err := timedGet(onFrozen); !errors.Is(err, ErrBreakerOpen) || d > 100*time.Millisecond {
		t.Errorf("GET on the frozen node again = %v after %s, want ErrBreakerOpen at once", err, d)
	}
	for range 5 {
		if d, err := timedGet(elsewhere); err != nil || d > 500*time.Millisecond {
			t.Errorf("GET on another node = %v after %s, want an answer", err, d)
		}
	}

	cluster.Signal(0, syscall.SIGCONT)
	frozen = false
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := timedGet(onFrozen)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the thawed node's key still fails 5 s later: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
