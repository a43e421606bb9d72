package main

import (
	"context"
	"crypto/rand"
	"math/big"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session/redisstore"
	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/testenv"
)

// TestSessionsRevokeAll runs `accounts serve` with each session store, logs
// two users in, runs `accounts sessions revoke --all` beside it, and checks
// that both sessions are refused afterwards (with Redis within the 50 ms
// generation cache, with the in-memory store within the 2 s database
// re-check) and that logging in again works. Without activity rows, Redis still ends them (the generation bump
// alone), while the in-memory store cannot and the command says so.
func TestSessionsRevokeAll(t *testing.T) {
	tests := []struct {
		name     string
		redis    bool
		activity bool
		code     int
		stdout   string // a substring of stdout, when code is 0
		stderr   string // a substring of stderr, when it is not
		within   time.Duration
	}{
		{name: "memory store", activity: true, stdout: "All sessions revoked: 2 session rows deleted;",
			within: 2*time.Second + time.Second},
		// With Redis, as soon as the serving node's cached generation
		// (50 ms) is renewed.
		{name: "redis store", redis: true, activity: true, within: redisstore.DefaultGenerationTTL,
			stdout: "All sessions revoked: 2 session rows deleted, the sessions of 3 users ended in Redis."},
		{name: "redis store, no activity rows", redis: true, within: redisstore.DefaultGenerationTTL,
			stdout: "All sessions revoked: 0 session rows deleted, the sessions of 3 users ended in Redis."},
		{name: "memory store, no activity rows", code: 2, stderr: "restart the serve processes to end every session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var extra []string
			if tt.redis {
				redisURL := testenv.RedisURL(t)
				e2eCleanRedisSessions(t, redisURL)
				extra = append(extra, "ACCOUNTS_SESSION_REDIS_URL="+redisURL)
			}
			if !tt.activity {
				extra = append(extra, "ACCOUNTS_SESSION_ACTIVITY_ENABLED=false")
			}
			c := &cli{t: t, environ: serveEnv(t, extra...)}
			base := serveInProcess(t, c.environ)
			clients := map[string]*e2eClient{}
			for _, email := range []string{"ann@example.org", "bob@example.org"} {
				clients[email] = newE2EClient(t)
				registerAndCheck(t, clients[email], base, email)
			}

			r := c.run("", "sessions", "revoke", "--all")
			revoked := time.Now()
			if r.code != tt.code || (tt.code == 0 && !strings.Contains(r.stdout, tt.stdout)) || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("sessions revoke --all: exit %d, want %d\nstdout %q, want %q\nstderr %q, want %q",
					r.code, tt.code, r.stdout, tt.stdout, r.stderr, tt.stderr)
			}
			if tt.code != 0 {
				for email, cl := range clients {
					cl.wantMe(base, email) // nothing was ended
				}
				return
			}
			for email, cl := range clients {
				for {
					st := cl.do("GET", base+"/api/me", nil).status
					if st == http.StatusUnauthorized {
						break
					}
					if st != http.StatusOK {
						t.Fatalf("%s: GET /api/me = %d, want 200 or 401", email, st)
					}
					if waited := time.Since(revoked); waited > tt.within {
						t.Fatalf("%s: session still accepted %s after sessions revoke --all, want refused within %s", email, waited, tt.within)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			login := clients["ann@example.org"].do("POST", base+"/api/login",
				map[string]string{"email": "ann@example.org", "password": "correct horse battery staple"})
			if login.status != http.StatusOK {
				t.Fatalf("log in again after revoke --all: %d %s", login.status, login.body)
			}
			clients["ann@example.org"].wantMe(base, "ann@example.org")
		})
	}
}

// TestServeIdleTimeout serves with ACCOUNTS_SESSION_IDLE_TIMEOUT=4 seconds
// (off by default, as in Invenio) on each session store: a session used
// every half second lives on past the timeout, while one left unused for
// longer than it is refused.
func TestServeIdleTimeout(t *testing.T) {
	const idle = 4 * time.Second
	for _, store := range []string{"memory", "redis"} {
		t.Run(store, func(t *testing.T) {
			extra := []string{"ACCOUNTS_SESSION_IDLE_TIMEOUT=4 seconds"}
			if store == "redis" {
				redisURL := testenv.RedisURL(t)
				e2eCleanRedisSessions(t, redisURL)
				extra = append(extra, "ACCOUNTS_SESSION_REDIS_URL="+redisURL)
			}
			base := serveInProcess(t, serveEnv(t, extra...))
			used, unused := newE2EClient(t), newE2EClient(t)
			registerAndCheck(t, used, base, "used@example.org")
			registerAndCheck(t, unused, base, "unused@example.org")
			left := time.Now()

			// LastSeen is written in whole seconds at most every idle/2, so a
			// session used every 0.5 s is never more than about 2 s stale.
			for time.Since(left) < idle+2*time.Second {
				used.wantMe(base, "used@example.org")
				time.Sleep(500 * time.Millisecond)
			}
			if r := unused.do("GET", base+"/api/me", nil); r.status != http.StatusUnauthorized {
				t.Errorf("session unused for %s (idle timeout %s): GET /api/me = %d, want 401",
					time.Since(left).Round(time.Millisecond), idle, r.status)
			}
			used.wantMe(base, "used@example.org")
		})
	}
}

// serveEnv is the environment of the serve process and of the commands run
// beside it: a fresh SQLite database whose user ids start far from other
// tests' (the shared Redis keeps a generation per user id), rate limits in
// memory, development mode (cookies over plain HTTP) and no scheduled job.
func serveEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accounts.db")
	c := newCLI(t, "sqlite:///"+path)
	runSteps(t, c, []step{{args: args("migrate"), stdout: "Applied"}})
	db, err := sqlstore.Open(context.Background(), sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, err := rand.Int(rand.Reader, big.NewInt(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := db.SQL().Exec(`INSERT INTO accounts_user (id, email, active, created, updated, version_id)
		VALUES ($1, $2, 1, $3, $3, 1)`, first.Int64()+1_000_000, "placeholder@example.org", now); err != nil {
		t.Fatal(err)
	}
	return append(c.environ, append([]string{
		"ACCOUNTS_DEV=true",
		"RATELIMIT_STORAGE_URI=memory://",
		"ACCOUNTS_SCHEDULE_CLEAN_SESSIONS=0",
		"ACCOUNTS_SCHEDULE_DELETE_IPS=0",
		"ACCOUNTS_SCHEDULE_UPDATE_DOMAIN_STATUS=0",
	}, extra...)...)
}

// serveInProcess runs `accounts serve` in this process until the test
// ends, and returns its base URL once /readyz answers 200.
func serveInProcess(t *testing.T, environ []string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	code := -1
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		code = run(ctx, []string{"serve", "--addr", addr}, environ, strings.NewReader(""), &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-exited:
			if code != 0 {
				t.Errorf("serve exited %d: %s", code, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30 s")
		}
	})
	base := "http://" + addr
	client := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		default:
		}
		if resp, err := client.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
	}
	t.Fatalf("%s/readyz not ready in time: %s", base, stderr.String())
	return ""
}

// registerAndCheck signs email up through the REST API, which logs it in.
func registerAndCheck(t *testing.T, c *e2eClient, base, email string) {
	t.Helper()
	creds := map[string]string{"email": email, "password": "correct horse battery staple"}
	if r := c.do("POST", base+"/api/register", creds); r.status != http.StatusOK {
		t.Fatalf("POST /api/register %s = %d %s", email, r.status, r.body)
	}
	c.wantMe(base, email)
}
