package httpserver_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/session"
)

// TestCookiesStayUnder4096Bytes (ASVS 3.3.5): no cookie's name and value
// reach 4096 bytes, with a 250-byte email address and a 2000-byte next; and
// the session cookie has the same size whatever its session holds (a login,
// or as many flashed messages as it keeps), since the session is stored on
// the server.
func TestCookiesStayUnder4096Bytes(t *testing.T) {
	h := newHarness(t)
	email := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + ".org"
	next := "/" + strings.Repeat("n", 1999)
	var all []response
	keep := func(r response) response { all = append(all, r); return r }
	c := h.client()
	keep(c.get("/signup/?next=" + url.QueryEscape(next)))
	if r := keep(c.postForm("/signup/", url.Values{"email": {email}, "password": {"correct horse"}, "next": {next}}, true)); r.status != 302 || r.header.Get("Location") != next {
		t.Fatalf("sign-up with a long address and next: %d %s", r.status, r.body)
	}
	keep(c.postForm("/logout/", url.Values{}, true))
	keep(c.get("/login/"))
	if r := keep(c.postForm("/login/", url.Values{"email": {email}, "password": {"correct horse"}, "next": {next}}, true)); r.status != 302 {
		t.Fatalf("login: %d", r.status)
	}
	// Flashes pile up in an anonymous session until a page shows them, up
	// to the newest session.MaxFlashes.
	anon := h.client()
	for i := range 30 {
		keep(anon.get("/account/settings/password/?q=" + strings.Repeat("q", i*20)))
		keep(anon.get("/confirm/not-a-token"))
	}
	page := keep(anon.get("/"))
	if n := strings.Count(page.body, "Please log in to access this page.") +
		strings.Count(page.body, accounts.MsgInvalidConfirmToken); n != session.MaxFlashes {
		t.Errorf("the page showed %d flashed messages, want the newest %d", n, session.MaxFlashes)
	}
	n, sizes := 0, map[int]bool{}
	for _, r := range all {
		for _, ck := range setCookies(t, r) {
			n++
			if size := len(ck.Name) + len(ck.Value); size > 4096 {
				t.Errorf("cookie %s is %d bytes", ck.Name, size)
			}
			if ck.Name == "session" && ck.MaxAge >= 0 {
				sizes[len(ck.Value)] = true
			}
		}
	}
	if n < 5 {
		t.Errorf("only %d cookies set along the way", n)
	}
	if len(sizes) != 1 {
		t.Errorf("session cookies of sizes %v: want one size, whatever the session holds", sizes)
	}
}

// TestGetAPILogoutOnlyRedirects (ASVS 3.5.3): GET and HEAD /api/logout
// point to the logout form and change nothing: the session lives on, no
// cookie is set.
func TestGetAPILogoutOnlyRedirects(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.createUser("jane@example.org", "correct horse")
		for _, method := range []string{"GET", "HEAD"} {
			t.Run(method, func(t *testing.T) {
				c := h.client()
				c.loginForm("jane@example.org", "correct horse")
				sess, tok := c.cookie("session"), c.cookie("csrftoken")
				r := c.raw(method, "/api/logout", "", "")
				if r.status != 302 || r.header.Get("Location") != "/logout/" || len(r.header.Values("Set-Cookie")) != 0 {
					t.Errorf("%s /api/logout = %d %s, cookies %v", method, r.status, r.header.Get("Location"), r.header.Values("Set-Cookie"))
				}
				if c.get("/api/me").status != 200 || c.cookie("session") != sess || c.cookie("csrftoken") != tok {
					t.Errorf("%s /api/logout logged out or changed a cookie", method)
				}
			})
		}
	})
}

// offsiteNexts are next values that a browser would take to another site.
var offsiteNexts = []string{"//evil.com", "/\\evil.com", "https:evil.com", "javascript:alert(1)", "https://evil.com/", "/%5Cevil.com"}

// leavesSite reports whether a Location would take a browser off the site.
func leavesSite(loc string) bool {
	u, err := url.Parse(loc)
	return err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(loc, "//") || strings.Contains(loc, `\`) ||
		strings.Contains(strings.ToLower(loc), "%5c")
}

// TestNextOnLogoutAndSignup (ASVS 3.7.2; invenio-accounts 423642e): the
// logout form and the sign-up form (field or query) never redirect off the
// site, whatever next says, and honour a path on the site.
func TestNextOnLogoutAndSignup(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	const onsite = "/account/settings/?a=1"
	for i, next := range append([]string{onsite}, offsiteNexts...) {
		t.Run(next, func(t *testing.T) {
			want := onsite
			if next != onsite {
				want = ""
			}
			c := h.client()
			c.loginForm("jane@example.org", "correct horse")
			page := c.get("/logout/?next=" + url.QueryEscape(next))
			if next != onsite && strings.Contains(page.body, "evil.com") {
				t.Errorf("the logout form carries next %q on", next)
			}
			r := c.postForm("/logout/", url.Values{"next": {next}}, true)
			if loc := r.header.Get("Location"); r.status != 302 || loc != firstOf(want, "/") || leavesSite(loc) {
				t.Errorf("POST /logout/ next=%q: %d %q, want %q", next, r.status, loc, firstOf(want, "/"))
			}
			if c.get("/api/me").status != 401 {
				t.Errorf("POST /logout/ next=%q did not log out", next)
			}
			for j, path := range []string{"/signup/", "/signup/?next=" + url.QueryEscape(next)} {
				email := "new" + string(rune('a'+i)) + string(rune('a'+j)) + "@example.org"
				s := h.client()
				s.get(path)
				form := url.Values{"email": {email}, "password": {"correct horse"}}
				if j == 0 {
					form.Set("next", next)
				}
				r := s.postForm(path, form, true)
				loc := r.header.Get("Location")
				if leavesSite(loc) || want != "" && (r.status != 302 || loc != want) ||
					want == "" && (r.status != 200 || !strings.Contains(r.body, "Redirections outside the domain are forbidden")) {
					t.Errorf("POST %s next=%q: %d %q", path, next, r.status, loc)
				}
			}
		})
	}
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// TestOversizedAndMalformedBodies (Werkzeug CVE-2023-46136): a form or JSON
// body over 64 KiB gets 413, and one that does not parse a clear 400, on the
// HTML forms and the REST routes; never a 500.
func TestOversizedAndMalformedBodies(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	const form, jsonType = "application/x-www-form-urlencoded", "application/json"
	bigForm := "email=" + strings.Repeat("a", 70<<10)
	bigJSON := `{"email":"` + strings.Repeat("a", 70<<10) + `"}`
	bodies := []struct {
		name, ctype, body string
		api               bool // REST routes only
		status            int
	}{
		{"oversized form", form, bigForm, false, 413},
		{"malformed form", form, "email=%zz&password=%", false, 400},
		{"oversized JSON", jsonType, bigJSON, true, 413},
		{"malformed JSON", jsonType, `{"email": "jane@example.org",`, true, 400},
		{"JSON not an object", jsonType, `["jane@example.org"]`, true, 400},
	}
	routes := []string{"/login/", "/signup/", "/lost-password/", "/confirm", "/logout/",
		"/api/login", "/api/register", "/api/forgot-password", "/api/reset-password", "/api/confirm-email"}
	for _, path := range routes {
		api := strings.HasPrefix(path, "/api/")
		for _, b := range bodies {
			if b.api && !api {
				continue
			}
			t.Run(path+"/"+b.name, func(t *testing.T) {
				r := h.client().raw("POST", path, b.ctype, b.body)
				if r.status != b.status {
					t.Errorf("%d %.200s, want %d", r.status, r.body, b.status)
				}
				if api && !strings.Contains(r.header.Get("Content-Type"), "application/json") {
					t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
				}
			})
		}
	}
}

// TestSameHostOtherSchemeOriginNeedsToken (gorilla/csrf CVE-2025-24358):
// a write from our host under the other scheme (Origin https:// on plain
// HTTP), from a browser that sends no Sec-Fetch-Site, passes the origin
// check but not the CSRF token: without it nothing happens.
func TestSameHostOtherSchemeOriginNeedsToken(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	origin := "https://" + strings.TrimPrefix(h.ts.URL, "http://")
	change := url.Values{"password": {"correct horse"}, "new_password": {"battery staple"}, "new_password_confirm": {"battery staple"}}
	cases := []struct {
		name, path, ctype, body string
	}{
		{"HTML logout", "/logout/", "application/x-www-form-urlencoded", ""},
		{"HTML change password", "/account/settings/password/", "application/x-www-form-urlencoded", change.Encode()},
		{"REST logout", "/api/logout", "", ""},
		{"REST change password", "/api/change-password", "application/json", `{"password":"correct horse","new_password":"battery staple"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.client()
			c.loginForm("jane@example.org", "correct horse")
			r := c.raw("POST", tc.path, tc.ctype, tc.body, "Origin", origin)
			if r.status != 400 || !strings.Contains(r.body, "CSRF") {
				t.Errorf("%d %.200s, want 400 for the CSRF token", r.status, r.body)
			}
			if c.get("/api/me").status != 200 {
				t.Errorf("the request logged out")
			}
			if _, err := h.svc.Authenticate(context.Background(), accounts.LoginAttempt{Email: "jane@example.org", Password: "correct horse"}); err != nil {
				t.Errorf("the password changed: %v", err)
			}
		})
	}
}

// TestResponsesThatSetCookiesAreNotStored (Flask CVE-2023-30861): every
// response that sets a cookie or carries a token, anonymous or not, page,
// redirect or REST answer, says Cache-Control: no-store (and Vary: Cookie).
func TestResponsesThatSetCookiesAreNotStored(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	h.client().api("POST", "/api/register", map[string]string{"email": "new@example.org", "password": "correct horse"})
	confirm := linkIn(t, lastEmail(t, h, "new@example.org", "Welcome"))
	reset := resetLink(t, h)
	jane := map[string]string{"email": "jane@example.org", "password": "correct horse"}
	cases := []struct {
		name  string
		call  func(c *client) response
		token bool // the URL or Location holds a token; else a cookie must be set
	}{
		{"login page", func(c *client) response { return c.get("/login/") }, false},
		{"sign-up page", func(c *client) response { return c.get("/signup/") }, false},
		{"forgot-password page", func(c *client) response { return c.get("/lost-password/") }, false},
		{"resend-confirmation page", func(c *client) response { return c.get("/confirm") }, false},
		{"home", func(c *client) response { return c.get("/") }, false},
		{"reset form", func(c *client) response { return c.get(reset) }, true},
		{"reset link without its slash", func(c *client) response { return c.get(strings.TrimSuffix(reset, "/")) }, true},
		{"login", func(c *client) response { return c.loginForm("jane@example.org", "correct horse") }, false},
		{"logout", func(c *client) response {
			c.loginForm("jane@example.org", "correct horse")
			return c.postForm("/logout/", url.Values{}, true)
		}, false},
		{"confirmation link", func(c *client) response { return c.get(confirm) }, true},
		{"confirmation button", func(c *client) response { return c.confirm(confirm) }, true},
		{"login required", func(c *client) response { return c.get("/account/settings/password/") }, false},
		{"REST login", func(c *client) response { return c.api("POST", "/api/login", jane) }, false},
		{"REST logout", func(c *client) response {
			c.api("POST", "/api/login", jane)
			return c.api("POST", "/api/logout", nil)
		}, false},
		{"REST write without the CSRF cookie", func(c *client) response {
			return c.raw("POST", "/api/login", "application/json", `{}`, "Cookie", "other=1")
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.call(h.client())
			if !tc.token && len(r.header.Values("Set-Cookie")) == 0 {
				t.Fatalf("%d: sets no cookie", r.status)
			}
			if r.header.Get("Cache-Control") != "no-store" || !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Cookie") {
				t.Errorf("%d: Cache-Control %q, Vary %q", r.status, r.header.Get("Cache-Control"), r.header.Values("Vary"))
			}
		})
	}
	h.clock.Advance(time.Hour) // the reset link expires: its redirect flashes
	if r := h.client().get(reset); len(r.header.Values("Set-Cookie")) == 0 || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("expired reset link: %d, Cache-Control %q", r.status, r.header.Get("Cache-Control"))
	}
	// The stylesheet, which sets nothing, stays cacheable.
	if r := h.client().get("/static/accounts.css"); !strings.HasPrefix(r.header.Get("Cache-Control"), "public") || len(r.header.Values("Set-Cookie")) != 0 {
		t.Errorf("stylesheet: Cache-Control %q, cookies %v", r.header.Get("Cache-Control"), r.header.Values("Set-Cookie"))
	}
}
