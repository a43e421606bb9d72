package testenv

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// RedisServer is a redis-server a test started on a free loopback port in
// a temporary directory, so that it may kill, freeze and restart it (the
// shared server is never touched).
type RedisServer struct {
	t    testing.TB
	bin  string
	port int
	dir  string
	args []string
	cmd  *exec.Cmd
}

// StartRedis starts a redis-server with no persistence, or with Redis'
// default RDB snapshots when persist is true (what a restart after a crash
// brings back). It is killed when the test ends. Without redis-server the
// test is skipped, or fails under CI=true.
func StartRedis(t testing.TB, persist bool) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		SkipOrFail(t, "redis-server is not installed: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r := &RedisServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	r.args = []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", r.dir, "--appendonly", "no"}
	if !persist {
		r.args = append(r.args, "--save", "")
	}
	t.Cleanup(r.Kill)
	r.Start()
	return r
}

// URL returns the server's redis:// URL (database 0).
func (r *RedisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// Addr returns host:port.
func (r *RedisServer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

// Start runs the server (again, after Kill) and waits until it accepts
// connections.
func (r *RedisServer) Start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, r.args...)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", r.Addr(), time.Second)
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

// Kill stops the server with SIGKILL, as a crash would.
func (r *RedisServer) Kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// Signal sends sig (SIGSTOP freezes it, SIGCONT thaws it).
func (r *RedisServer) Signal(sig syscall.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
}
