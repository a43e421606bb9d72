package main

import (
	"net/http"
	"testing"
)

// TestServeRateLimitHeaders checks the wiring of RATELIMIT_HEADERS_ENABLED:
// on by default, the general limit's X-RateLimit-* headers come with the
// answers it counts; "false" sends none.
func TestServeRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string // X-RateLimit-Limit of GET /api/me; "": no header
	}{
		{"default", nil, "2"},
		{"true", []string{"RATELIMIT_HEADERS_ENABLED=true"}, "2"},
		{"false", []string{"RATELIMIT_HEADERS_ENABLED=false"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := append([]string{"ACCOUNTS_LOG_LEVEL=error", "RATELIMIT_GUEST_USER=2 per minute"}, tt.env...)
			base := serveInProcess(t, serveEnv(t, env...))
			for i, refused := range []bool{false, false, true} {
				resp, err := http.Get(base + "/api/me")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if (resp.StatusCode == http.StatusTooManyRequests) != refused {
					t.Errorf("request %d: %d, want refused: %v", i+1, resp.StatusCode, refused)
				}
				if got := resp.Header.Get("X-RateLimit-Limit"); got != tt.want {
					t.Errorf("request %d: X-RateLimit-Limit %q, want %q", i+1, got, tt.want)
				}
				_, sent := resp.Header["X-Ratelimit-Remaining"]
				if sent != (tt.want != "") {
					t.Errorf("request %d: X-RateLimit-Remaining sent: %v", i+1, sent)
				}
			}
		})
	}
}
