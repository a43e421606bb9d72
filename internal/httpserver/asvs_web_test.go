package httpserver_test

import (
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
)

// raw sends a request with its body as it is and header pairs (name,
// value, ...).
func (c *client) raw(method, path, contentType, body string, header ...string) response {
	req, _ := http.NewRequest(method, c.h.ts.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// apiLoggedIn returns a client logged in as jane@example.org through the
// REST API.
func apiLoggedIn(t *testing.T, h *harness) *client {
	t.Helper()
	c := h.client()
	if r := c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"}); r.status != 200 {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	return c
}

// TestAPIAnswersAreJSON (ASVS 3.2.1): the REST API's answers, successes
// and errors alike, are application/json and hold JSON.
func TestAPIAnswersAreJSON(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	jane := map[string]string{"email": "jane@example.org", "password": "correct horse"}
	big := `{"email":"` + strings.Repeat("a", 70<<10) + `"}`
	cases := []struct {
		name   string
		call   func(c *client) response
		login  bool
		status int
	}{
		{"me", func(c *client) response { return c.get("/api/me") }, true, 200},
		{"me, anonymous", func(c *client) response { return c.get("/api/me") }, false, 401},
		{"login", func(c *client) response { return c.api("POST", "/api/login", jane) }, false, 200},
		{"login, already", func(c *client) response { return c.api("POST", "/api/login", jane) }, true, 200},
		{"login, wrong password", func(c *client) response {
			return c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "wrong horse"})
		}, false, 400},
		{"login, malformed", func(c *client) response { return c.raw("POST", "/api/login", "application/json", `{"email":`) }, false, 400},
		{"login, too large", func(c *client) response { return c.raw("POST", "/api/login", "application/json", big) }, false, 413},
		{"login, cross-origin", func(c *client) response {
			return c.raw("POST", "/api/login", "application/json", `{}`, "Origin", "https://evil.example")
		}, false, 403},
		{"logout", func(c *client) response { return c.api("POST", "/api/logout", nil) }, true, 200},
		{"logout, no CSRF header", func(c *client) response { return c.raw("POST", "/api/logout", "", "") }, true, 400},
		{"register", func(c *client) response {
			return c.api("POST", "/api/register", map[string]string{"email": "new@example.org", "password": "correct horse"})
		}, false, 200},
		{"register, taken", func(c *client) response { return c.api("POST", "/api/register", jane) }, false, 400},
		{"forgot-password", func(c *client) response {
			return c.api("POST", "/api/forgot-password", map[string]string{"email": "jane@example.org"})
		}, false, 200},
		{"reset-password, bad token", func(c *client) response {
			return c.api("POST", "/api/reset-password", map[string]string{"token": "x", "password": "battery staple"})
		}, false, 400},
		{"change-password, anonymous", func(c *client) response {
			return c.api("POST", "/api/change-password", map[string]string{"password": "x", "new_password": "y"})
		}, false, 401},
		{"send-confirmation-email, anonymous", func(c *client) response {
			return c.api("POST", "/api/send-confirmation-email", map[string]string{"email": "jane@example.org"})
		}, false, 401},
		{"confirm-email, bad token", func(c *client) response {
			return c.api("POST", "/api/confirm-email", map[string]string{"token": "x"})
		}, false, 400},
		{"sessions", func(c *client) response { return c.get("/api/sessions") }, true, 200},
		{"sessions, anonymous", func(c *client) response { return c.get("/api/sessions") }, false, 401},
		{"delete unknown session", func(c *client) response { return c.api("DELETE", "/api/sessions/nope", nil) }, true, 400},
		{"admin, not an admin", func(c *client) response { return c.get("/api/admin/users") }, true, 403},
		{"openapi.json", func(c *client) response { return c.get("/api/openapi.json") }, false, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.client()
			if tc.login {
				c = apiLoggedIn(t, h)
			}
			r := tc.call(c)
			ct, _, err := mime.ParseMediaType(r.header.Get("Content-Type"))
			if r.status != tc.status || err != nil || ct != "application/json" || !json.Valid([]byte(r.body)) {
				t.Errorf("%d, Content-Type %q, body %.200s; want %d application/json", r.status, r.header.Get("Content-Type"), r.body, tc.status)
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("no nosniff")
			}
		})
	}
}

// setCookies returns the cookies a response sets, by name.
func setCookies(t *testing.T, r response) map[string]*http.Cookie {
	t.Helper()
	out := map[string]*http.Cookie{}
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		out[c.Name] = c
	}
	return out
}

// TestCSRFCookieAttributes (ASVS 3.3.1, 3.3.2; invenio-accounts e2242b0):
// the csrftoken cookie, issued on a page, renewed at login and issued on a
// REST write without it, is SameSite=Lax, on SESSION_COOKIE_PATH and
// SESSION_COOKIE_DOMAIN, kept for a week (invenio-rest's max age), readable
// by scripts (double submit), and Secure exactly when cookies are (not in
// development mode).
func TestCSRFCookieAttributes(t *testing.T) {
	cases := []struct {
		name           string
		secure         bool
		path, domain   string
		wantPath, wDom string
	}{
		{"production", true, "", "", "/", ""},
		{"development", false, "", "", "/", ""},
		{"path and domain", true, "/accounts/", "example.org", "/accounts/", "example.org"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *httpserver.Options) {
				o.Settings.SecureCookies, o.Settings.CookiePath, o.Settings.CookieDomain = tc.secure, tc.path, tc.domain
			})
			h.createUser("jane@example.org", "correct horse")
			// A jar would not send a Secure cookie over plain HTTP: the
			// token is sent by hand.
			c := h.client()
			page := c.get("/login/")
			tok := setCookies(t, page)["csrftoken"]
			if tok == nil {
				t.Fatalf("GET /login/ sets no csrftoken")
			}
			req := newFormRequest(h.ts.URL+"/login/", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}, "csrf_token": {tok.Value}})
			req.AddCookie(&http.Cookie{Name: "csrftoken", Value: tok.Value})
			login := h.client().do(req)
			if login.status != 302 {
				t.Fatalf("login: %d", login.status)
			}
			write := h.client().raw("POST", "/api/login", "application/json", `{}`, "Cookie", "other=1")
			for name, r := range map[string]response{"page": page, "login": login, "REST write": write} {
				ck := setCookies(t, r)["csrftoken"]
				switch {
				case ck == nil:
					t.Errorf("%s: no csrftoken cookie", name)
				case ck.Secure != tc.secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != tc.wantPath ||
					ck.Domain != tc.wDom || ck.MaxAge != 604800 || ck.HttpOnly:
					t.Errorf("%s: %s", name, ck)
				}
			}
			if tok2 := setCookies(t, login)["csrftoken"]; tok2 != nil && tok2.Value == tok.Value {
				t.Errorf("the token was not renewed at login")
			}
		})
	}
}

// TestHostPrefixedCookies (ASVS 3.3.1, 3.3.3): where the cookies are Secure,
// on Path / and without a Domain, the device cookie is __Host- prefixed, and
// ACCOUNTS_CSRF_COOKIE_NAME (with SESSION_COOKIE_NAME) can give the others
// the prefix; each is read back under its own name only. A prefix the
// attributes cannot honour is refused at start.
func TestHostPrefixedCookies(t *testing.T) {
	h := newHarness(t, withLimits(memory.New(memory.Options{}), tenPerMinute), func(o *httpserver.Options) {
		o.Settings.SecureCookies, o.Settings.CSRFCookieName = true, "__Host-csrftoken"
	})
	h.createUser("jane@example.org", "correct horse")
	page := h.client().get("/login/")
	tok := setCookies(t, page)["__Host-csrftoken"]
	if tok == nil || !tok.Secure || tok.Path != "/" || tok.Domain != "" || setCookies(t, page)["csrftoken"] != nil {
		t.Fatalf("login page cookies: %q", page.header.Values("Set-Cookie"))
	}
	// A jar would not send Secure cookies over plain HTTP: they go by hand.
	login := func(cookie string) response {
		req := newFormRequest(h.ts.URL+"/login/", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}, "csrf_token": {tok.Value}})
		req.AddCookie(&http.Cookie{Name: cookie, Value: tok.Value})
		return h.client().do(req)
	}
	if r := login("csrftoken"); r.status != 400 {
		t.Errorf("the token under the old name: %d, want 400", r.status)
	}
	r := login("__Host-csrftoken")
	dev := setCookies(t, r)["__Host-accounts_device"]
	if r.status != 302 || dev == nil || !dev.Secure || dev.Path != "/" || dev.Domain != "" || setCookies(t, r)["accounts_device"] != nil {
		t.Fatalf("login: %d %q", r.status, r.header.Values("Set-Cookie"))
	}

	for _, tc := range []struct {
		name   string
		set    func(*httpserver.Settings)
		refuse bool
	}{
		{"__Host- without Secure", func(s *httpserver.Settings) { s.CSRFCookieName = "__Host-csrftoken" }, true},
		{"__Host- with a domain", func(s *httpserver.Settings) {
			s.SecureCookies, s.CookieDomain, s.CSRFCookieName = true, "example.org", "__Host-csrftoken"
		}, true},
		{"__Host- on a path", func(s *httpserver.Settings) {
			s.SecureCookies, s.CookiePath, s.CSRFCookieName = true, "/accounts/", "__Host-csrftoken"
		}, true},
		{"__Secure- without Secure", func(s *httpserver.Settings) { s.CSRFCookieName = "__Secure-csrftoken" }, true},
		{"__Secure- with Secure", func(s *httpserver.Settings) { s.SecureCookies, s.CSRFCookieName = true, "__Secure-csrftoken" }, false},
		{"not a name", func(s *httpserver.Settings) { s.CSRFCookieName = "csrf token;" }, true},
	} {
		o := httpserver.Options{Service: h.svc, Activity: h.db, Sessions: h.mgr, Secret: []byte(testSecret),
			Logger: slog.New(slog.DiscardHandler), Settings: invenioDefaults()}
		tc.set(&o.Settings)
		_, err := httpserver.New(o)
		if (err != nil) != tc.refuse {
			t.Errorf("%s: New = %v, want refused %v", tc.name, err, tc.refuse)
		}
	}

	// Without the conditions the device cookie keeps its plain name.
	plain := newHarness(t, withLimits(memory.New(memory.Options{}), tenPerMinute), func(o *httpserver.Options) {
		o.Settings.SecureCookies, o.Settings.CookieDomain = true, "127.0.0.1"
	})
	plain.createUser("jane@example.org", "correct horse")
	if r := plain.client().api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"}); setCookies(t, r)["accounts_device"] == nil {
		t.Errorf("with a Domain: %q", r.header.Values("Set-Cookie"))
	}
}
