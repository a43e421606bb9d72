package redislimit

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
	"github.com/invenio-go/accounts/internal/ratelimit/ratelimittest"
	"github.com/invenio-go/accounts/internal/testenv"
)

// closedURL returns a Redis URL on a local port where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "redis://" + addr + "/0"
}

// TestRedisDown checks that a dead Redis gives an error, fast.
func TestRedisDown(t *testing.T) {
	l, err := Open(closedURL(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	d, err := l.Allow(context.Background(), "k", []ratelimit.Limit{{Count: 1, Period: time.Minute}})
	if err == nil || d.Allowed {
		t.Fatalf("Allow on a closed port = %+v, %v; want an error", d, err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the error took %s", took)
	}
}

// TestFallbackContract runs the contract over the fallback: Redis is down
// from the start, so every decision comes from memory.
func TestFallbackContract(t *testing.T) {
	ratelimittest.Run(t, ratelimittest.Backend{
		New: func(t *testing.T) (ratelimit.Limiter, ratelimittest.Clock) {
			c := ratelimittest.NewFakeClock()
			l, err := Open(closedURL(t), Options{FallbackToMemory: true, Memory: memory.Options{Now: c.Now}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			return l, c
		},
		Period: time.Minute,
	})
}

// proxy is a TCP proxy to Redis that a test can cut and restore.
type proxy struct {
	ln     net.Listener
	target string
	down   atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

// startProxy starts a proxy to target (host:port), closed with the test.
func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

// cut closes every connection; with down set, new ones are refused too.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// proxyRedis starts a proxy to the test Redis and returns it with the
// Redis URL through it.
func proxyRedis(t *testing.T) (*proxy, string) {
	t.Helper()
	u, err := url.Parse(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "6379")
	}
	p := startProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	return p, u.String()
}

// TestFallbackAndRecovery cuts Redis off and restores it: decisions come
// from memory meanwhile, and from Redis again after the probe interval
// (and the client's circuit breaker).
func TestFallbackAndRecovery(t *testing.T) {
	p, proxied := proxyRedis(t)
	var fellBack, recovered atomic.Int32
	l := openAt(t, proxied, testPrefix(), Options{
		FallbackToMemory: true,
		ProbeInterval:    100 * time.Millisecond,
		OnFallback:       func(error) { fellBack.Add(1) },
		OnRecover:        func() { recovered.Add(1) },
	})
	lim := ratelimit.Limit{Count: 3, Period: time.Minute}
	want := func(allowed bool, remaining int) {
		t.Helper()
		d, err := l.Allow(context.Background(), "k", []ratelimit.Limit{lim})
		if err != nil || d.Allowed != allowed || d.Remaining != remaining {
			t.Fatalf("Allow = %+v, %v; want allowed %t with %d remaining", d, err, allowed, remaining)
		}
	}
	want(true, 2) // Redis
	want(true, 1)

	p.down.Store(true)
	p.cut()
	start := time.Now()
	want(true, 2) // memory, which has not seen the first two hits
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("falling back took %s", took)
	}
	want(true, 1)
	want(true, 0)
	want(false, 0)
	got := ratelimittest.Fire(t, []ratelimit.Limiter{l}, []string{"burst"}, 50, ratelimit.Limit{Count: 10, Period: time.Minute})
	if got["burst"] != 10 {
		t.Errorf("50 simultaneous attempts on the fallback, limit 10: %d passed", got["burst"])
	}

	p.down.Store(false)
	// Redis again once the fallback's probe interval and the client's
	// circuit breaker (redisstore: a second) let a call through.
	var d ratelimit.Decision
	var err error
	for deadline := time.Now().Add(3 * time.Second); recovered.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		d, err = l.Allow(context.Background(), "k", []ratelimit.Limit{lim})
	}
	if err != nil || !d.Allowed || d.Remaining != 0 {
		t.Fatalf("first decision from Redis again = %+v, %v; want allowed with 0 remaining (its two hits)", d, err)
	}
	want(false, 0)
	if fellBack.Load() != 1 || recovered.Load() != 1 {
		t.Errorf("OnFallback called %d times, OnRecover %d; want once each", fellBack.Load(), recovered.Load())
	}
}

// blackholeURL returns a Redis URL on a local port that accepts
// connections and never answers (a hung Redis).
func blackholeURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "redis://" + ln.Addr().String() + "/0"
}

// TestTimeout checks that Options.Timeout bounds a check on a hung Redis,
// with and without the fallback.
func TestTimeout(t *testing.T) {
	lim := []ratelimit.Limit{{Count: 1, Period: time.Minute}}
	for _, fallback := range []bool{false, true} {
		l, err := Open(blackholeURL(t), Options{Timeout: 200 * time.Millisecond, FallbackToMemory: fallback})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		start := time.Now()
		d, err := l.Allow(context.Background(), "k", lim)
		if took := time.Since(start); took > 900*time.Millisecond {
			t.Errorf("fallback %t: Allow on a hung Redis took %s, Timeout is 200ms", fallback, took)
		}
		if fallback && (err != nil || !d.Allowed) {
			t.Errorf("fallback: Allow on a hung Redis = %+v, %v; want allowed from memory", d, err)
		}
		if !fallback && err == nil {
			t.Errorf("Allow on a hung Redis = %+v, want an error", d)
		}
	}
}
