package httpserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
)

// withRateLimitHeaders turns RATELIMIT_HEADERS_ENABLED on.
func withRateLimitHeaders(o *httpserver.Options) { o.Settings.RateLimitHeaders = true }

var rateHeaders = []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}

// wantRateHeaders checks the X-RateLimit-* headers of an answer: the
// binding limit's count, what it has left, and a reset in Unix seconds
// within its period of the server's clock (as Flask-Limiter rounds it:
// the second after). It returns the reset.
func wantRateHeaders(t *testing.T, h *harness, r response, limit, remaining int, period time.Duration) int64 {
	t.Helper()
	if got := r.header.Get("X-RateLimit-Limit"); got != strconv.Itoa(limit) {
		t.Errorf("X-RateLimit-Limit %q, want %d", got, limit)
	}
	if got := r.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(remaining) {
		t.Errorf("X-RateLimit-Remaining %q, want %d", got, remaining)
	}
	now := h.clock.Now()
	reset, err := strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64)
	if lo, hi := now.Unix()+1, now.Add(period).Unix()+1; err != nil || reset < lo || reset > hi {
		t.Errorf("X-RateLimit-Reset %q, want Unix seconds from %d to %d", r.header.Get("X-RateLimit-Reset"), lo, hi)
	}
	return reset
}

// wantRefusedByReported checks a 429 of the reported limit: 0 remaining,
// and X-RateLimit-Reset is when Retry-After says to come back (both
// rounded up, so they may differ by a second).
func wantRefusedByReported(t *testing.T, h *harness, r response, limit int, period time.Duration) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", r.status)
	}
	reset := wantRateHeaders(t, h, r, limit, 0, period)
	now := h.clock.Now().Unix()
	retry, err := strconv.ParseInt(r.header.Get("Retry-After"), 10, 64)
	if d := reset - now - retry; err != nil || d < 0 || d > 1 {
		t.Errorf("X-RateLimit-Reset %d and Retry-After %q at %d disagree", reset, r.header.Get("Retry-After"), now)
	}
}

// wantNoRateHeaders checks that an answer carries no X-RateLimit-* header.
func wantNoRateHeaders(t *testing.T, r response) {
	t.Helper()
	for _, name := range rateHeaders {
		if v := r.header.Values(name); len(v) > 0 {
			t.Errorf("%s: %q, want none", name, v)
		}
	}
}

// The headers are spelt as Flask-Limiter spells them, not as Go
// canonicalizes them (X-Ratelimit-Limit).
func TestRateLimitHeadersSpelling(t *testing.T) {
	h := newHarness(t, withGeneralLimits(memory.New(memory.Options{}), threePerMinute, sixPerMinute), withRateLimitHeaders)
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, httptest.NewRequest("GET", "/api/me", nil))
	for _, name := range rateHeaders {
		if _, ok := rec.Header()[name]; !ok {
			t.Errorf("no %s in %v", name, rec.Header())
		}
	}
}

// The general limits are reported on every answer they count, allowed or
// refused, pages and REST, for the guest and for the logged-in user.
func TestRateLimitHeadersGeneral(t *testing.T) {
	for _, lim := range limiters {
		t.Run(lim.name, func(t *testing.T) {
			h := newHarness(t, withGeneralLimits(lim.new(t), threePerMinute, sixPerMinute), withRateLimitHeaders)
			h.createUser("jane@example.org", "correct horse")
			c := h.client()
			first := wantRateHeaders(t, h, c.get("/api/me"), 3, 2, time.Minute)
			if want := h.clock.Now().Add(time.Minute).Unix() + 1; first != want {
				t.Errorf("first hit: X-RateLimit-Reset %d, want a minute on, %d", first, want)
			}
			wantRateHeaders(t, h, c.get("/login/"), 3, 1, time.Minute)
			wantRateHeaders(t, h, c.get("/"), 3, 0, time.Minute)
			r := c.get("/api/me")
			wantLimited(t, r, true)
			wantRefusedByReported(t, h, r, 3, time.Minute)
			r = c.get("/login/")
			wantLimited(t, r, false)
			wantRefusedByReported(t, h, r, 3, time.Minute)

			jane := h.client()
			jane.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
			for want := 5; want >= 0; want-- {
				wantRateHeaders(t, h, jane.get("/api/me"), 6, want, time.Minute)
			}
			r = jane.get("/api/me")
			wantLimited(t, r, true)
			wantRefusedByReported(t, h, r, 6, time.Minute)

			// Never limited, never reported.
			wantNoRateHeaders(t, c.get("/healthz"))
			wantNoRateHeaders(t, c.get("/api/openapi.json"))
		})
	}
}

// Of several limits, the headers report the one that binds: the fewest
// left, not the shortest period.
func TestRateLimitHeadersBindingLimit(t *testing.T) {
	for _, lim := range limiters {
		t.Run(lim.name, func(t *testing.T) {
			guest := []ratelimit.Limit{{Count: 5, Period: time.Minute}, {Count: 2, Period: time.Hour}}
			h := newHarness(t, withGeneralLimits(lim.new(t), guest, nil), withRateLimitHeaders)
			c := h.client()
			reset := wantRateHeaders(t, h, c.get("/api/me"), 2, 1, time.Hour)
			if min := h.clock.Now().Add(time.Hour-time.Minute).Unix() + 1; reset < min {
				t.Errorf("X-RateLimit-Reset %d, want the hour's (from %d)", reset, min)
			}
			wantRateHeaders(t, h, c.get("/api/me"), 2, 0, time.Hour)
			r := c.get("/api/me")
			wantRefusedByReported(t, h, r, 2, time.Hour)
			if s, _ := strconv.Atoi(r.header.Get("Retry-After")); s <= 60 {
				t.Errorf("Retry-After %d, want the hour's wait", s)
			}
		})
	}
}

// The per-endpoint limits are reported; the per-account ones never are,
// even when they refuse: the headers keep reporting the client's own
// limit (10 per minute), never the account's (3).
func TestRateLimitHeadersEndpointNotAccount(t *testing.T) {
	for _, lim := range limiters {
		t.Run(lim.name, func(t *testing.T) {
			account := []ratelimit.Limit{{Count: 3, Period: 15 * time.Minute}}
			h := newHarness(t, withLimits(lim.new(t), account), withRateLimitHeaders)
			h.createUser("jane@example.org", "correct horse")
			wrong := map[string]string{"email": "jane@example.org", "password": "wrong horse"}
			for i := 1; i <= 10; i++ {
				r := h.client().api("POST", "/api/login", wrong)
				wantStatus := http.StatusBadRequest
				if i > 3 {
					wantStatus = http.StatusTooManyRequests // the account's limit
				}
				if r.status != wantStatus {
					t.Fatalf("attempt %d: %d, want %d", i, r.status, wantStatus)
				}
				wantRateHeaders(t, h, r, 10, 10-i, time.Minute)
			}
			r := h.client().api("POST", "/api/login", wrong)
			wantLimited(t, r, true)
			wantRefusedByReported(t, h, r, 10, time.Minute)

			// An HTML form of another endpoint, refused by its own limit.
			c := h.client()
			c.get("/signup/")
			for i := 1; i <= 10; i++ {
				r = c.postForm("/signup/", url.Values{"email": {"new@example.org"}, "password": {"short"}}, true)
				wantRateHeaders(t, h, r, 10, 10-i, time.Minute)
			}
			r = c.postForm("/signup/", url.Values{"email": {"new@example.org"}, "password": {"short"}}, true)
			wantLimited(t, r, false, `name="password"`)
			wantRefusedByReported(t, h, r, 10, time.Minute)
		})
	}
}

// RATELIMIT_HEADERS_ENABLED=false, RATELIMIT_ENABLED=false (no limiter) and
// routes without limits send no X-RateLimit-* headers; refusals keep their
// Retry-After.
func TestRateLimitHeadersOff(t *testing.T) {
	t.Run("setting off", func(t *testing.T) {
		h := newHarness(t, withGeneralLimits(memory.New(memory.Options{}), threePerMinute, sixPerMinute))
		c := h.client()
		for range 3 {
			wantNoRateHeaders(t, c.get("/api/me"))
		}
		r := c.get("/api/me")
		wantLimited(t, r, true)
		wantNoRateHeaders(t, r)
		for range 11 {
			r = h.client().api("POST", "/api/login", map[string]string{"email": "x@example.org", "password": "wrong horse"})
			wantNoRateHeaders(t, r)
		}
		wantLimited(t, r, true)
	})
	t.Run("RATELIMIT_ENABLED=false", func(t *testing.T) {
		h := newHarness(t, withGeneralLimits(nil, threePerMinute, sixPerMinute), withRateLimitHeaders)
		wantNoRateHeaders(t, h.client().get("/api/me"))
		wantNoRateHeaders(t, h.client().api("POST", "/api/login", map[string]string{"email": "x@example.org", "password": "wrong horse"}))
	})
	t.Run("no limits", func(t *testing.T) {
		h := newHarness(t, withGeneralLimits(memory.New(memory.Options{}), nil, nil), withRateLimitHeaders,
			func(o *httpserver.Options) { delete(o.Settings.EndpointLimits, "security.login") })
		wantNoRateHeaders(t, h.client().get("/api/me"))
		wantNoRateHeaders(t, h.client().api("POST", "/api/login", map[string]string{"email": "x@example.org", "password": "wrong horse"}))
	})
}

// TestOpenAPIRateLimitedAnswers keeps the OpenAPI document's 429s true:
// every operation may answer one, with Retry-After and the X-RateLimit-*
// headers.
func TestOpenAPIRateLimitedAnswers(t *testing.T) {
	h := newHarness(t)
	var doc struct {
		Paths      map[string]map[string]struct{ Responses map[string]map[string]any }
		Components struct {
			Responses map[string]struct{ Headers map[string]any }
			Headers   map[string]any
		}
	}
	if err := json.Unmarshal([]byte(h.client().get("/api/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if ref := op.Responses["429"]["$ref"]; ref != "#/components/responses/TooManyRequests" {
				t.Errorf("%s %s: 429 is %v, want #/components/responses/TooManyRequests", method, path, ref)
			}
		}
	}
	for _, name := range append([]string{"Retry-After"}, rateHeaders...) {
		if doc.Components.Responses["TooManyRequests"].Headers[name] == nil || doc.Components.Headers[name] == nil {
			t.Errorf("the 429 answer does not describe %s", name)
		}
	}
}
