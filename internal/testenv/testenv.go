// Package testenv tells tests which outside services they may use, and
// gives them a clock they move by hand (Clock).
//
// Integration tests read the service URLs from the environment
// (ACCOUNTS_TEST_POSTGRES_URL, ACCOUNTS_TEST_REDIS_URL; the Makefile sets both
// to the local defaults). A test whose service is missing or unreachable is
// skipped on a developer's machine and fails when CI=true, so CI never passes
// by skipping. It imports only the standard library.
package testenv

import (
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// SkipOrFail skips the test with the reason, or fails it under CI.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true but "+format, args...)
	}
	t.Skipf(format, args...)
}

// PostgresURL returns the PostgreSQL server URL for tests (a database the
// tests may use to create their own databases), skipping or failing when it is
// not set or not reachable.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return serviceURL(t, "ACCOUNTS_TEST_POSTGRES_URL", "5432")
}

// RedisURL returns the Redis URL for tests, skipping or failing when it is not
// set or not reachable. Tests must use their own key prefix and clean up.
func RedisURL(t testing.TB) string {
	t.Helper()
	return serviceURL(t, "ACCOUNTS_TEST_REDIS_URL", "6379")
}

func serviceURL(t testing.TB, name, defaultPort string) string {
	t.Helper()
	raw := os.Getenv(name)
	if raw == "" {
		SkipOrFail(t, "%s is not set; integration test skipped", name)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		t.Fatalf("%s=%q is not a URL with a host", name, raw)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), defaultPort)
	}
	conn, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		SkipOrFail(t, "%s (%s) is not reachable: %v", name, host, err)
	}
	conn.Close()
	return raw
}

// Clock is a clock tests move by hand, safe for concurrent use: pass its
// Now where code takes a func() time.Time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads t until moved.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
