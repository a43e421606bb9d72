package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeDevModeOnSQLite runs `accounts serve --dev` as `make run` does:
// no SECRET_KEY, SQLite in the data directory; it prints its URL, answers
// the probes and stops on cancellation (SIGTERM in main).
func TestServeDevModeOnSQLite(t *testing.T) {
	dataDir := t.TempDir()
	addr := freeAddr(t)
	environ := []string{"ACCOUNTS_DATA_DIR=" + dataDir, "ACCOUNTS_LOG_LEVEL=error"}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dev", "--addr", addr}, environ, strings.NewReader(""), &stdout, &stderr)
	}()

	base := "http://" + addr
	waitReady(t, base+"/readyz", done, &stderr)
	for path, want := range map[string]int{"/": 200, "/healthz": 200, "/readyz": 200, "/nope": 404} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no Content-Security-Policy", path)
		}
	}
	if resp, err := http.Get(base + "/readyz"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `"mail":"ok"`) || !strings.Contains(string(b), `"database":"ok"`) {
			t.Errorf("/readyz does not check the database and the mail queue: %s", b)
		}
	}
	if !strings.Contains(stdout.String(), "http://"+addr+"/") {
		t.Errorf("serve did not print its URL: %q", stdout.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after shutdown: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, f := range []string{"secret_key", "accounts.db"} {
		if matches, _ := filepath.Glob(filepath.Join(dataDir, f)); len(matches) == 0 {
			t.Errorf("development mode left no %s in the data directory", f)
		}
	}
}

func waitReady(t *testing.T, url string, done <-chan int, stderr fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, stderr)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready in time: %s", url, stderr)
}

func TestServeRefusesMissingSecretKey(t *testing.T) {
	var stdout, stderr bytes.Buffer
	environ := []string{"ACCOUNTS_DATA_DIR=" + t.TempDir()}
	code := run(context.Background(), []string{"serve", "--addr", freeAddr(t)}, environ, strings.NewReader(""), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "SECRET_KEY") {
		t.Errorf("serve without SECRET_KEY: exit %d, stderr %q", code, stderr.String())
	}
}

// TestServeMetricsOnTheirOwnListener: /metrics answers on
// ACCOUNTS_METRICS_ADDR with the service's metrics, and not on the public
// address.
func TestServeMetricsOnTheirOwnListener(t *testing.T) {
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	environ := []string{"ACCOUNTS_DATA_DIR=" + t.TempDir(), "ACCOUNTS_LOG_LEVEL=error", "ACCOUNTS_METRICS_ADDR=" + metricsAddr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dev", "--addr", addr}, environ, strings.NewReader(""), &stdout, &stderr)
	}()
	waitReady(t, "http://"+addr+"/readyz", done, &stderr)
	if resp, err := http.Get("http://" + addr + "/login/"); err == nil {
		resp.Body.Close()
	}
	if resp, err := http.Get("http://" + addr + "/metrics"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/metrics on the public address: %v %v", resp, err)
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`accounts_http_requests_total{code="200",method="GET",route="GET /login/{$}"}`,
		"accounts_sessions_active 0", "accounts_hash_pool_running", `accounts_mail_queue_depth{state="queued"}`,
		`accounts_logins_total{outcome="success"} 0`, "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	cancel()
	<-done
}

// TestServeGeneralRateLimits checks the wiring of invenio-app's general
// limits: by default the 61st anonymous request in a minute is refused, a
// logged-in user counts apart, the probes never; "[]" and
// RATELIMIT_ENABLED=false switch them off.
func TestServeGeneralRateLimits(t *testing.T) {
	tests := []struct {
		name          string
		env           []string
		guest, authed int // the first GET /api/me refused (anonymous, logged in); 0: none of 61
	}{
		{"defaults", nil, 61, 0},
		{"set", []string{"RATELIMIT_GUEST_USER=2 per minute", "RATELIMIT_AUTHENTICATED_USER=3 per minute"}, 3, 4},
		{"guest []", []string{"RATELIMIT_GUEST_USER=[]", "RATELIMIT_AUTHENTICATED_USER=3 per minute"}, 0, 4},
		{"RATELIMIT_ENABLED=false", []string{"RATELIMIT_ENABLED=false", "RATELIMIT_GUEST_USER=2 per minute"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := serveInProcess(t, serveEnv(t, append([]string{"ACCOUNTS_LOG_LEVEL=error"}, tt.env...)...))
			firstRefused := func(c *e2eClient) int {
				for i := 1; i <= 61; i++ {
					if r := c.do("GET", base+"/api/me", nil); r.status == http.StatusTooManyRequests {
						return i
					}
				}
				return 0
			}
			if got := firstRefused(newE2EClient(t)); got != tt.guest {
				t.Errorf("anonymous: request %d refused, want %d", got, tt.guest)
			}
			for i := 0; i < 5; i++ {
				if r := newE2EClient(t).do("GET", base+"/healthz", nil); r.status != http.StatusOK {
					t.Errorf("GET /healthz = %d", r.status)
				}
			}
			c := newE2EClient(t)
			creds := map[string]string{"email": "jane@example.org", "password": "correct horse battery staple"}
			if r := c.do("POST", base+"/api/register", creds); r.status != http.StatusOK {
				t.Fatalf("POST /api/register = %d %s", r.status, r.body)
			}
			if got := firstRefused(c); got != tt.authed {
				t.Errorf("logged in: request %d refused, want %d", got, tt.authed)
			}
		})
	}
}
