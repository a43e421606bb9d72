package httpserver_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
)

// The general limits (RATELIMIT_GUEST_USER, RATELIMIT_AUTHENTICATED_USER)
// are set small here, so that a few requests reach them.
var (
	threePerMinute = []ratelimit.Limit{{Count: 3, Period: time.Minute}}
	sixPerMinute   = []ratelimit.Limit{{Count: 6, Period: time.Minute}}
)

const msgTooMany = "Too many requests. Please try again later."

// withGeneralLimits turns on, counted in l, Invenio's per-endpoint limits
// and the general ones: guest per client address, user per logged-in user.
func withGeneralLimits(l ratelimit.Limiter, guest, user []ratelimit.Limit) harnessOption {
	return func(o *httpserver.Options) {
		withLimits(l, nil)(o)
		o.Settings.GuestLimits = guest
		o.Settings.AuthenticatedLimits = user
	}
}

// wantLimited checks a refusal of the general limit: 429 with Retry-After
// (whole seconds, at most the minute of the limit), and under /api/ the
// JSON of the per-endpoint limits, else the page containing each of page.
func wantLimited(t *testing.T, r response, api bool, page ...string) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429\n%s", r.status, r.body)
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After %q, want 1 to 60 seconds", r.header.Get("Retry-After"))
	}
	if api {
		if diff := cmp.Diff(map[string]any{"status": float64(429), "message": msgTooMany}, r.json(t)); diff != "" {
			t.Errorf("body mismatch (-want +got):\n%s", diff)
		}
		return
	}
	for _, s := range append(page, msgTooMany) {
		if !strings.Contains(r.body, s) {
			t.Errorf("the page lacks %q:\n%s", s, r.body)
		}
	}
}

func TestGuestLimit(t *testing.T) {
	tests := []struct {
		name  string
		paths []string // GET, anonymous, before the refused one
		last  string   // the refused one
		api   bool
		page  []string // what the refused page shows besides the message
	}{
		{name: "REST", paths: []string{"/api/me", "/api/me", "/api/me"}, last: "/api/me", api: true},
		{name: "HTML form", paths: []string{"/login/", "/login/", "/login/"}, last: "/login/",
			page: []string{`name="csrf_token"`, `name="password"`, `role="alert"`}},
		{name: "HTML page", paths: []string{"/", "/", "/"}, last: "/"},
		{name: "one budget for every route", paths: []string{"/", "/api/me", "/signup/"}, last: "/lost-password/",
			page: []string{`name="csrf_token"`, `name="email"`}},
	}
	for _, lim := range limiters {
		for _, tt := range tests {
			t.Run(lim.name+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, withGeneralLimits(lim.new(t), threePerMinute, sixPerMinute))
				c := h.client()
				for _, p := range tt.paths {
					if r := c.get(p); r.status == http.StatusTooManyRequests {
						t.Fatalf("GET %s within the limit: 429", p)
					}
				}
				wantLimited(t, c.get(tt.last), tt.api, tt.page...)
				// Another client at the same address shares the budget.
				if r := h.client().get(tt.last); r.status != http.StatusTooManyRequests {
					t.Errorf("a new client at the same address: %d, want 429", r.status)
				}
			})
		}
	}
}

// A logged-in user counts against the authenticated limit, by user id: not
// the guest budget of the address (spent here), higher than it, shared by
// the user's sessions and not by other users.
func TestAuthenticatedLimit(t *testing.T) {
	for _, lim := range limiters {
		t.Run(lim.name, func(t *testing.T) {
			h := newHarness(t, withGeneralLimits(lim.new(t), threePerMinute, sixPerMinute))
			h.createUser("jane@example.org", "correct horse")
			h.createUser("bob@example.org", "correct horse")
			anon := h.client()
			for i := 0; i < 3; i++ {
				anon.get("/api/me")
			}
			wantLimited(t, anon.get("/api/me"), true)

			login := func(email string) *client {
				c := h.client()
				// The login counts against security.login only.
				if r := c.api("POST", "/api/login", map[string]string{"email": email, "password": "correct horse"}); r.status != 200 {
					t.Fatalf("login %s: %d %s", email, r.status, r.body)
				}
				return c
			}
			jane := login("jane@example.org")
			for i := 1; i <= 6; i++ {
				if r := jane.get("/api/me"); r.status != 200 {
					t.Fatalf("request %d of a user allowed 6 (guests 3): %d", i, r.status)
				}
			}
			wantLimited(t, jane.get("/api/me"), true)
			wantLimited(t, login("jane@example.org").get("/api/me"), true)
			if r := login("bob@example.org").get("/api/me"); r.status != 200 {
				t.Errorf("another user: %d, want 200", r.status)
			}
			if r := anon.get("/api/me"); r.status != http.StatusTooManyRequests {
				t.Errorf("the guests' budget came back: %d", r.status)
			}
		})
	}
}

// Probes, stylesheets, the OpenAPI document and redirects without a
// session are never limited, nor are the routes of an endpoint listed in
// RATELIMIT_PER_ENDPOINT counted against the general limit.
func TestGeneralLimitExemptions(t *testing.T) {
	h := newHarness(t, withGeneralLimits(memory.New(memory.Options{}), threePerMinute, threePerMinute))
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.get("/login/")
	for i := 0; i < 2; i++ {
		c.get("/")
	}
	wantLimited(t, c.get("/"), false)
	for _, path := range []string{"/healthz", "/readyz", "/static/accounts.css", "/admin/admin.css",
		"/api/openapi.json", "/lost-password/some-token", "/metrics"} {
		for i := 0; i < 5; i++ {
			if r := c.get(path); r.status == http.StatusTooManyRequests || r.status >= 500 {
				t.Errorf("GET %s (%d): %d", path, i+1, r.status)
			}
		}
	}
	if r := c.postForm("/login/", url.Values{"email": {"jane@example.org"}, "password": {"wrong horse"}}, true); r.status != 200 {
		t.Errorf("POST /login/ (security.login): %d, want the form with its error", r.status)
	}
	if r := c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "wrong horse"}); r.status != 400 {
		t.Errorf("POST /api/login (security.login): %d, want 400", r.status)
	}
}

// RATELIMIT_PER_ENDPOINT without an endpoint: its routes count against the
// general limit instead.
func TestUnlistedEndpointFallsBackToGeneralLimit(t *testing.T) {
	h := newHarness(t, withGeneralLimits(memory.New(memory.Options{}), threePerMinute, threePerMinute),
		func(o *httpserver.Options) { delete(o.Settings.EndpointLimits, "security.login") })
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	for i := 0; i < 3; i++ {
		if r := c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "wrong horse"}); r.status != 400 {
			t.Fatalf("login %d: %d", i+1, r.status)
		}
	}
	wantLimited(t, c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "wrong horse"}), true)
}

// RATELIMIT_ENABLED=false (no Limiter) switches the general limits off, and
// an empty setting switches off that one.
func TestGeneralLimitsOff(t *testing.T) {
	tests := []struct {
		name              string
		limiter           bool
		guest, user       []ratelimit.Limit
		wantGuest, wantIn bool // whether anonymous, logged-in requests get refused
	}{
		{name: "RATELIMIT_ENABLED=false", guest: threePerMinute, user: threePerMinute},
		{name: "both empty", limiter: true},
		{name: "guest empty", limiter: true, user: threePerMinute, wantIn: true},
		{name: "authenticated empty", limiter: true, guest: threePerMinute, wantGuest: true},
		{name: "both set", limiter: true, guest: threePerMinute, user: threePerMinute, wantGuest: true, wantIn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l ratelimit.Limiter
			if tt.limiter {
				l = memory.New(memory.Options{})
			}
			h := newHarness(t, withGeneralLimits(l, tt.guest, tt.user))
			h.createUser("jane@example.org", "correct horse")
			refused := func(c *client) bool {
				for i := 0; i < 10; i++ {
					if c.get("/api/me").status == http.StatusTooManyRequests {
						return true
					}
				}
				return false
			}
			if got := refused(h.client()); got != tt.wantGuest {
				t.Errorf("10 anonymous requests refused: %v, want %v", got, tt.wantGuest)
			}
			in := h.client()
			if r := in.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"}); r.status != 200 {
				t.Fatalf("login: %d", r.status)
			}
			if got := refused(in); got != tt.wantIn {
				t.Errorf("10 logged-in requests refused: %v, want %v", got, tt.wantIn)
			}
		})
	}
}

// Resending a confirmation and changing a password, which have no
// per-endpoint limit, count against the general limits (ASVS 6.3.1).
func TestResendConfirmationAndChangePasswordLimits(t *testing.T) {
	wrong := url.Values{"password": {"wrong horse"}, "new_password": {"battery staple"}, "new_password_confirm": {"battery staple"}}
	tests := []struct {
		name   string
		login  bool                           // as jane (the authenticated limit), else anonymous (the guest one)
		first  string                         // a GET, for the CSRF cookie: the first counted request
		send   func(c *client) response       // the limited request
		wantIn func(t *testing.T, r response) // the refusal
	}{
		{"resend confirmation (HTML)", false, "/confirm",
			func(c *client) response {
				return c.postForm("/confirm", url.Values{"email": {"jane@example.org"}}, true)
			},
			func(t *testing.T, r response) { wantLimited(t, r, false, `action="/confirm"`, `name="csrf_token"`) }},
		{"resend confirmation (REST)", true, "/api/me",
			func(c *client) response {
				return c.api("POST", "/api/send-confirmation-email", map[string]string{"email": "jane@example.org"})
			},
			func(t *testing.T, r response) { wantLimited(t, r, true) }},
		{"change password (HTML)", true, "/account/settings/password/",
			func(c *client) response { return c.postForm("/account/settings/password/", wrong, true) },
			func(t *testing.T, r response) {
				wantLimited(t, r, false, `name="new_password_confirm"`, `name="csrf_token"`)
			}},
		{"change password (REST)", true, "/api/me",
			func(c *client) response {
				return c.api("POST", "/api/change-password", map[string]string{"password": "wrong horse", "new_password": "battery staple"})
			},
			func(t *testing.T, r response) { wantLimited(t, r, true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withGeneralLimits(memory.New(memory.Options{}), threePerMinute, threePerMinute))
			h.createUser("jane@example.org", "correct horse")
			c := h.client()
			if tt.login {
				c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
			}
			if r := c.get(tt.first); r.status != 200 && r.status != 401 {
				t.Fatalf("GET %s: %d", tt.first, r.status)
			}
			for i := 0; i < 2; i++ {
				if r := tt.send(c); r.status == http.StatusTooManyRequests || r.status >= 500 {
					t.Fatalf("attempt %d within the limit: %d %s", i+1, r.status, r.body)
				}
			}
			tt.wantIn(t, tt.send(c))
		})
	}
}

// The sign-up and reset per-endpoint limits (RATELIMIT_PER_ENDPOINT, 10 per
// minute per client): the 11th attempt is refused, in HTML and REST.
func TestSignupAndResetEndpointLimits(t *testing.T) {
	tests := []struct {
		name string
		api  bool
		// prepare returns the attempt, after any request it needs.
		prepare func(t *testing.T, h *harness, c *client) func() response
		page    []string
	}{
		{name: "sign-up (HTML)", page: []string{`name="csrf_token"`, `name="password"`},
			prepare: func(t *testing.T, h *harness, c *client) func() response {
				c.get("/signup/")
				return func() response {
					return c.postForm("/signup/", url.Values{"email": {"new@example.org"}, "password": {"short"}}, true)
				}
			}},
		{name: "sign-up (REST)", api: true,
			prepare: func(t *testing.T, h *harness, c *client) func() response {
				return func() response {
					return c.api("POST", "/api/register", map[string]string{"email": "new@example.org", "password": "short"})
				}
			}},
		{name: "reset (HTML)", page: []string{`name="csrf_token"`, `name="password_confirm"`},
			prepare: func(t *testing.T, h *harness, c *client) func() response {
				h.createUser("jane@example.org", "correct horse")
				c.get("/lost-password/")
				c.postForm("/lost-password/", url.Values{"email": {"jane@example.org"}}, true)
				link := linkIn(t, lastEmail(t, h, "jane@example.org", "Password reset instructions"))
				return func() response {
					return c.postForm(link, url.Values{"password": {"battery staple"}, "password_confirm": {"battery stable"}}, true)
				}
			}},
		{name: "reset (REST)", api: true,
			prepare: func(t *testing.T, h *harness, c *client) func() response {
				return func() response {
					return c.api("POST", "/api/reset-password", map[string]string{"token": "not-a-token", "password": "battery staple"})
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withLimits(memory.New(memory.Options{}), nil))
			c := h.client()
			attempt := tt.prepare(t, h, c)
			for i := 1; i <= 10; i++ {
				if r := attempt(); r.status == http.StatusTooManyRequests || r.status >= 500 {
					t.Fatalf("attempt %d of 10 per minute: %d %s", i, r.status, r.body)
				}
			}
			wantLimited(t, attempt(), tt.api, tt.page...)
		})
	}
}
