package httpserver_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
)

const verifyNext = "/verify?next=%2Faccount%2Fsettings%2Fsecurity"

// twoSessions logs jane in twice and returns the first client, the second
// and the second's session id.
func twoSessions(t *testing.T, h *harness) (a, b *client, other string) {
	t.Helper()
	h.createUser("jane@example.org", "correct horse")
	a, b = h.client(), h.client()
	a.loginForm("jane@example.org", "correct horse")
	b.loginForm("jane@example.org", "correct horse")
	return a, b, sessionIDs(t, a)[1]
}

// revokeHTML posts the security page's revoke form.
func revokeHTML(a *client, sid string) response {
	a.get("/account/settings/security")
	return a.postForm("/account/settings/sessions/revoke", url.Values{"sid_s": {sid}}, true)
}

func TestRevokeAsksForThePasswordWhenTheLoginIsOld(t *testing.T) {
	for _, tc := range []struct {
		name    string
		advance time.Duration
		off     bool
		fresh   bool
	}{
		{"just logged in", 0, false, true},
		{"logged in 23 hours ago", 23 * time.Hour, false, true},
		{"logged in 25 hours ago", 25 * time.Hour, false, false},
		{"25 hours ago, freshness off", 25 * time.Hour, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *httpserver.Options) {
				if tc.off {
					o.Settings.Freshness = -1
				}
			})
			a, b, other := twoSessions(t, h)
			h.clock.Advance(tc.advance)
			r := revokeHTML(a, other)
			api := a.api("DELETE", "/api/sessions/"+other, nil)
			if tc.fresh {
				if r.status != 302 || r.header.Get("Location") != "/account/settings/security" || b.get("/api/me").status != 401 {
					t.Errorf("revoke: %d %s; the other session must end", r.status, r.header.Get("Location"))
				}
				return
			}
			if r.status != 302 || r.header.Get("Location") != verifyNext {
				t.Errorf("stale revoke: %d %q, want a redirect to %s", r.status, r.header.Get("Location"), verifyNext)
			}
			if page := a.get(verifyNext); page.status != 200 || !strings.Contains(page.body, "Please reauthenticate to access this page.") ||
				!strings.Contains(page.body, `name="password"`) || !strings.Contains(page.body, `name="csrf_token"`) {
				t.Errorf("verify page: %d\n%s", page.status, page.body)
			}
			if api.status != 401 || api.json(t)["reauth_required"] != true || api.json(t)["message"] != "Please reauthenticate to access this page." {
				t.Errorf("stale DELETE /api/sessions: %d %s", api.status, api.body)
			}
			if b.get("/api/me").status != 200 {
				t.Fatal("the other session ended without the password")
			}
			if r := a.postForm("/account/settings/sessions/revoke-others", url.Values{}, true); r.header.Get("Location") != verifyNext {
				t.Errorf("stale revoke-others: %d %q", r.status, r.header.Get("Location"))
			}
			if b.get("/api/me").status != 200 {
				t.Fatal("revoke-others ended the other session without the password")
			}
			// The password, then the revoke works.
			r = a.postForm("/verify", url.Values{"password": {"correct horse"}, "next": {"/account/settings/security"}}, true)
			if r.status != 302 || r.header.Get("Location") != "/account/settings/security" {
				t.Fatalf("verify: %d %q %s", r.status, r.header.Get("Location"), r.body)
			}
			if r := revokeHTML(a, other); r.header.Get("Location") != "/account/settings/security" || b.get("/api/me").status != 401 {
				t.Errorf("revoke after verify: %d %q", r.status, r.header.Get("Location"))
			}
		})
	}
}

func TestAPIVerifyRefreshesTheSession(t *testing.T) {
	h := newHarness(t)
	a, b, other := twoSessions(t, h)
	h.clock.Advance(25 * time.Hour)
	if r := a.api("POST", "/api/verify", map[string]string{"password": "wrong horse"}); r.status != 400 ||
		!strings.Contains(r.body, "Invalid email or password.") {
		t.Errorf("wrong password: %d %s", r.status, r.body)
	}
	if r := a.api("DELETE", "/api/sessions/"+other, nil); r.status != 401 {
		t.Errorf("after a wrong password: %d %s", r.status, r.body)
	}
	r := a.api("POST", "/api/verify", map[string]string{"password": "correct horse"})
	if r.status != 200 || r.json(t)["email"] != "jane@example.org" {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	if r := a.api("DELETE", "/api/sessions/"+other, nil); r.status != 200 || b.get("/api/me").status != 401 {
		t.Errorf("revoke after verify: %d %s", r.status, r.body)
	}
	if r := h.client().api("POST", "/api/verify", map[string]string{"password": "correct horse"}); r.status != 401 {
		t.Errorf("anonymous verify: %d", r.status)
	}
}

func TestFreshnessGracePeriod(t *testing.T) {
	h := newHarness(t)
	a, _, _ := twoSessions(t, h)
	check := func(want int) {
		t.Helper()
		if r := a.api("DELETE", "/api/sessions/nope_1", nil); r.status != want {
			t.Errorf("at %v: %d %s, want %d", h.clock.Now(), r.status, r.body, want)
		}
	}
	h.clock.Advance(23*time.Hour + 30*time.Minute)
	check(400) // fresh: the grace period starts
	h.clock.Advance(45 * time.Minute)
	check(400) // 24h15 after login, within the grace period, which restarts
	h.clock.Advance(61 * time.Minute)
	check(401)
}

func TestVerifyWrongPasswordIsRateLimited(t *testing.T) {
	h := newHarness(t, withLimits(memory.New(memory.Options{}), []ratelimit.Limit{{Count: 3, Period: time.Minute}}))
	a, _, _ := twoSessions(t, h)
	h.clock.Advance(25 * time.Hour)
	a.get("/verify")
	// The browser logged in, so its device cookie counts its attempts
	// against a limit of its own (the account's three, per device).
	for i := 0; i < 3; i++ {
		r := a.postForm("/verify", url.Values{"password": {"wrong horse"}}, true)
		if r.status != 200 || !strings.Contains(r.body, "Invalid email or password.") {
			t.Fatalf("wrong password: %d\n%s", r.status, r.body)
		}
	}
	r := a.postForm("/verify", url.Values{"password": {"correct horse"}}, true)
	if r.status != 429 || !strings.Contains(r.body, "Too many login attempts for this account.") {
		t.Errorf("over the account's login limit: %d", r.status)
	}
	if r := a.api("POST", "/api/verify", map[string]string{"password": "correct horse"}); r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Errorf("API over the limit: %d %s", r.status, r.body)
	}
}

func TestLogoutNeverAsksForThePassword(t *testing.T) {
	h := newHarness(t)
	a, b, other := twoSessions(t, h)
	h.clock.Advance(25 * time.Hour)
	if r := revokeHTML(b, other); r.header.Get("Location") != "/" || b.get("/api/me").status != 401 {
		t.Errorf("revoking the current session from the page: %d %q", r.status, r.header.Get("Location"))
	}
	cur := sessionIDs(t, a)[0]
	if r := a.api("DELETE", "/api/sessions/"+cur, nil); r.status != 200 || a.get("/api/me").status != 401 {
		t.Errorf("DELETE of the current session: %d %s", r.status, r.body)
	}
}

func TestVerifyPageChecksCSRFAndNext(t *testing.T) {
	h := newHarness(t)
	a, _, _ := twoSessions(t, h)
	if r := h.client().get("/verify"); r.status != 302 || !strings.HasPrefix(r.header.Get("Location"), "/login/?next=") {
		t.Errorf("anonymous verify page: %d %q", r.status, r.header.Get("Location"))
	}
	if r := a.get("/verify?next=https://evil.example/"); strings.Contains(r.body, "evil.example") {
		t.Errorf("the verify page carries an offsite next")
	}
	if r := a.postForm("/verify", url.Values{"password": {"correct horse"}}, false); r.status != 400 {
		t.Errorf("verify without CSRF: %d", r.status)
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/", `/\evil.example`} {
		r := a.postForm("/verify", url.Values{"password": {"correct horse"}, "next": {next}}, true)
		if r.status != 200 || !strings.Contains(r.body, "Redirections outside the domain are forbidden") {
			t.Errorf("next %q: %d %q", next, r.status, r.header.Get("Location"))
		}
	}
	if r := a.postForm("/verify", url.Values{"password": {"correct horse"}}, true); r.header.Get("Location") != "/account/settings/security" {
		t.Errorf("verify without next: %d %q", r.status, r.header.Get("Location"))
	}
}
