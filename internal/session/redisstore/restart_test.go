package redisstore

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/testenv"
)

// timedPut runs Put and returns its duration and error.
func timedPut(s *Store) (time.Duration, error) {
	start := time.Now()
	err := s.Put(context.Background(), "k", []byte("v"), time.Hour)
	return time.Since(start), err
}

// waitRecovered polls Put until it succeeds, failing after 5 seconds.
func waitRecovered(t *testing.T, s *Store, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := timedPut(s)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery within 5 s after %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFaults checks that a dead or frozen Redis gives quick errors (not
// hung requests, and never ErrNotFound, which would read as "anonymous")
// and that the store recovers by itself when Redis is back.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a redis-server")
	}
	srv := testenv.StartRedis(t, false)
	s := openAt(t, srv.URL())
	if _, err := timedPut(s); err != nil {
		t.Fatal(err)
	}

	// Frozen (kill -STOP): the read timeout and one retry bound the wait.
	srv.Signal(syscall.SIGSTOP)
	start := time.Now()
	_, err := s.Get(context.Background(), "k")
	elapsed := time.Since(start)
	srv.Signal(syscall.SIGCONT)
	if err == nil || errors.Is(err, session.ErrNotFound) || elapsed > 4*time.Second {
		t.Errorf("Get on a frozen Redis = %v after %v; want an error within 4 s", err, elapsed)
	}
	waitRecovered(t, s, "SIGCONT")

	// Dead (kill -9), then restarted on the same port, empty.
	srv.Kill()
	if elapsed, err := timedPut(s); err == nil || elapsed > 3*time.Second {
		t.Errorf("Put on a dead Redis = %v after %v; want an error within 3 s", err, elapsed)
	}
	if _, err := s.Get(context.Background(), "k"); err == nil || errors.Is(err, session.ErrNotFound) {
		t.Errorf("Get on a dead Redis = %v; want a store error", err)
	}
	srv.Start()
	waitRecovered(t, s, "restart")
	if got, err := s.Get(context.Background(), "k"); err != nil || string(got) != "v" {
		t.Errorf("Get after restart = %q, %v", got, err)
	}
}
