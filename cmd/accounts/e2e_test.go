package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/invenio-go/accounts/internal/testenv"
)

// e2eSessionPrefix is the key prefix the binary's Redis session store uses
// (redisstore.DefaultPrefix; the binary does not make it configurable).
const e2eSessionPrefix = "accounts:session:"

// TestEndToEndBinary builds the real binary and drives it over HTTP as a
// client would: it serves in development mode on SQLite, a user signs up,
// logs out and logs in through the REST API, and SIGTERM stops it cleanly.
func TestEndToEndBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped in -short mode")
	}
	bin := e2eBuild(t)

	t.Run("SQLiteMemorySessions", func(t *testing.T) {
		dataDir := t.TempDir()
		srv := e2eStart(t, bin, freeAddr(t), dataDir, nil)
		c := newE2EClient(t)
		e2eAccountFlow(t, c, srv.base, "e2e-memory@example.org")
		srv.stop()
	})

	t.Run("RedisSessionsSurviveRestart", func(t *testing.T) {
		redisURL := testenv.RedisURL(t)
		e2eCleanRedisSessions(t, redisURL)
		dataDir := t.TempDir()
		addr := freeAddr(t)
		extra := []string{"ACCOUNTS_SESSION_REDIS_URL=" + redisURL}
		srv := e2eStart(t, bin, addr, dataDir, extra)
		c := newE2EClient(t)
		const email = "e2e-redis@example.org"
		e2eAccountFlow(t, c, srv.base, email)
		srv.stop()

		// A new process on the same data directory (same generated
		// SECRET_KEY) and the same Redis knows the old session cookie.
		srv = e2eStart(t, bin, addr, dataDir, extra)
		r := c.do("GET", srv.base+"/api/me", nil)
		if r.status != http.StatusOK || r.json(t)["email"] != email {
			t.Fatalf("after restart GET /api/me = %d %s, want 200 with %s", r.status, r.body, email)
		}
		srv.stop()
	})
}

// e2eAccountFlow signs up, logs out and logs in through the REST API,
// checking /api/me after each step; it leaves the client logged in.
func e2eAccountFlow(t *testing.T, c *e2eClient, base, email string) {
	t.Helper()
	const password = "correct horse battery staple"
	creds := map[string]string{"email": email, "password": password}

	if r := c.do("GET", base+"/api/me", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("anonymous GET /api/me = %d %s, want 401", r.status, r.body)
	}
	if r := c.do("POST", base+"/api/register", creds); r.status != http.StatusOK || r.json(t)["email"] != email {
		t.Fatalf("POST /api/register = %d %s, want 200 with the email", r.status, r.body)
	}
	c.wantMe(base, email)

	if c.cookie(base, "csrftoken") == "" {
		t.Fatal("no csrftoken cookie after registering")
	}
	if r := c.do("POST", base+"/api/logout", nil); r.status != http.StatusOK {
		t.Fatalf("POST /api/logout = %d %s, want 200", r.status, r.body)
	}
	if r := c.do("GET", base+"/api/me", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("GET /api/me after logout = %d %s, want 401", r.status, r.body)
	}

	if r := c.do("POST", base+"/api/login", creds); r.status != http.StatusOK || r.json(t)["email"] != email {
		t.Fatalf("POST /api/login = %d %s, want 200 with the email", r.status, r.body)
	}
	c.wantMe(base, email)
}

// e2eBuild builds cmd/accounts (the test's working directory) into a
// temporary directory and returns the binary's path.
func e2eBuild(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "accounts")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	// The test's own environment: the build reuses the packages `go test`
	// just compiled (CGO_ENABLED=0, as `make build` has it, would compile
	// them all again).
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// e2eServer is one running `accounts serve` process.
type e2eServer struct {
	t              *testing.T
	cmd            *exec.Cmd
	base           string
	stdout, stderr *syncBuffer
	done           chan struct{} // closed when the process has exited
	waitErr        error         // set before done is closed
	stopped        bool
}

// e2eStart starts `accounts serve --dev --addr addr` with a minimal
// environment (so a developer's or CI's settings do not leak in) and waits
// until /readyz answers 200. The process is killed at cleanup if the test
// did not stop it.
func e2eStart(t *testing.T, bin, addr, dataDir string, extraEnv []string) *e2eServer {
	t.Helper()
	environ := []string{
		"ACCOUNTS_DATA_DIR=" + dataDir,
		"ACCOUNTS_LOG_LEVEL=error",
		`SECURITY_PASSWORD_HASH_OPTIONS={"pbkdf2_sha512": {"rounds": 1000}}`,
	}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			environ = append(environ, k+"="+v)
		}
	}
	environ = append(environ, extraEnv...)

	s := &e2eServer{t: t, base: "http://" + addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "--dev", "--addr", addr)
	s.cmd.Env = environ
	s.cmd.Dir = dataDir
	s.cmd.Stdout = s.stdout
	s.cmd.Stderr = s.stderr
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		if s.stopped {
			return
		}
		_ = s.cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Errorf("accounts (pid %d) did not die after SIGKILL", s.cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("accounts stdout:\n%s\naccounts stderr:\n%s", s.stdout, s.stderr)
		}
	})
	s.waitReady(60 * time.Second)
	t.Logf("accounts ready on %s in %s", addr, time.Since(start).Round(time.Millisecond))
	return s
}

func (s *e2eServer) waitReady(limit time.Duration) {
	s.t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			s.t.Fatalf("accounts exited before it was ready (%v)\nstderr:\n%s", s.waitErr, s.stderr)
		default:
		}
		if resp, err := client.Get(s.base + "/readyz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("%s/readyz not ready within %s\nstderr:\n%s", s.base, limit, s.stderr)
}

// stop sends SIGTERM and requires a clean exit (status 0) within 30 s.
func (s *e2eServer) stop() {
	s.t.Helper()
	s.stopped = true
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		s.t.Fatalf("accounts did not exit within 30 s of SIGTERM\nstderr:\n%s", s.stderr)
	}
	if s.waitErr != nil {
		s.t.Fatalf("accounts exited with %v after SIGTERM, want status 0\nstderr:\n%s", s.waitErr, s.stderr)
	}
	s.t.Logf("accounts stopped in %s after SIGTERM", time.Since(start).Round(time.Millisecond))
}

// e2eClient is a REST client with a cookie jar that echoes the csrftoken
// cookie in X-CSRFToken, as a browser script would.
type e2eClient struct {
	t   *testing.T
	c   *http.Client
	jar *cookiejar.Jar
}

func newE2EClient(t *testing.T) *e2eClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &e2eClient{t: t, jar: jar, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type e2eResponse struct {
	status int
	body   string
}

func (r e2eResponse) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("not a JSON object (%v): %q", err, r.body)
	}
	return m
}

func (c *e2eClient) do(method, rawURL string, body any) e2eResponse {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := c.cookie(rawURL, "csrftoken"); tok != "" && method != "GET" {
		req.Header.Set("X-CSRFToken", tok)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the body: %v", method, rawURL, err)
	}
	return e2eResponse{resp.StatusCode, string(b)}
}

func (c *e2eClient) cookie(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *e2eClient) wantMe(base, email string) {
	c.t.Helper()
	r := c.do("GET", base+"/api/me", nil)
	if r.status != http.StatusOK {
		c.t.Fatalf("GET /api/me = %d %s, want 200", r.status, r.body)
	}
	if got := r.json(c.t)["email"]; got != email {
		c.t.Fatalf("GET /api/me email = %v, want %s", got, email)
	}
}

// e2eCleanRedisSessions records the session keys that exist now and, at
// cleanup, deletes only the ones created since (the binary writes under the
// fixed default prefix, so the test cannot use a prefix of its own). It
// also fails the test if the run created no session key, which would mean
// the sessions were not in Redis.
func e2eCleanRedisSessions(t *testing.T, redisURL string) {
	t.Helper()
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatalf("ACCOUNTS_TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before, err := e2eScanKeys(ctx, rdb)
	if err != nil {
		rdb.Close()
		t.Fatalf("redis: %v", err)
	}
	t.Cleanup(func() {
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		after, err := e2eScanKeys(ctx, rdb)
		if err != nil {
			t.Errorf("redis cleanup: %v", err)
			return
		}
		var created []string
		sessions := 0
		for k := range after {
			if _, ok := before[k]; !ok {
				created = append(created, k)
				if strings.HasPrefix(k, e2eSessionPrefix+"sid:") {
					sessions++
				}
			}
		}
		if len(created) > 0 {
			if err := rdb.Del(ctx, created...).Err(); err != nil && !errors.Is(err, redis.Nil) {
				t.Errorf("redis cleanup: deleting %d keys: %v", len(created), err)
			}
		}
		if !t.Failed() && !t.Skipped() && sessions == 0 {
			t.Errorf("no %ssid:* key was created: the sessions were not stored in Redis", e2eSessionPrefix)
		}
	})
}

func e2eScanKeys(ctx context.Context, rdb *redis.Client) (map[string]struct{}, error) {
	keys := map[string]struct{}{}
	iter := rdb.Scan(ctx, 0, e2eSessionPrefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		keys[iter.Val()] = struct{}{}
	}
	return keys, iter.Err()
}
