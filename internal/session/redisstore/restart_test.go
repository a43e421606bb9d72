package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/testenv"
)

// redisServer is a redis-server this test started on a loopback port, with
// no persistence, in a temporary directory.
type redisServer struct {
	t    *testing.T
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

func newRedisServer(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.SkipOrFail(t, "redis-server is not installed: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r := &redisServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	t.Cleanup(r.kill)
	r.start()
	return r
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// start runs redis-server and waits until it accepts connections.
func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %d did not start: %v", r.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the server this test started (and only it) with SIGKILL.
func (r *redisServer) kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

func (r *redisServer) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
}

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
	srv := newRedisServer(t)
	s := openAt(t, srv.url())
	if _, err := timedPut(s); err != nil {
		t.Fatal(err)
	}

	// Frozen (kill -STOP): the read timeout and one retry bound the wait.
	srv.signal(syscall.SIGSTOP)
	start := time.Now()
	_, err := s.Get(context.Background(), "k")
	elapsed := time.Since(start)
	srv.signal(syscall.SIGCONT)
	if err == nil || errors.Is(err, session.ErrNotFound) || elapsed > 4*time.Second {
		t.Errorf("Get on a frozen Redis = %v after %v; want an error within 4 s", err, elapsed)
	}
	waitRecovered(t, s, "SIGCONT")

	// Dead (kill -9), then restarted on the same port, empty.
	srv.kill()
	if elapsed, err := timedPut(s); err == nil || elapsed > 3*time.Second {
		t.Errorf("Put on a dead Redis = %v after %v; want an error within 3 s", err, elapsed)
	}
	if _, err := s.Get(context.Background(), "k"); err == nil || errors.Is(err, session.ErrNotFound) {
		t.Errorf("Get on a dead Redis = %v; want a store error", err)
	}
	srv.start()
	waitRecovered(t, s, "restart")
	if got, err := s.Get(context.Background(), "k"); err != nil || string(got) != "v" {
		t.Errorf("Get after restart = %q, %v", got, err)
	}
}
