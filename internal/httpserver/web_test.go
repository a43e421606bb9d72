package httpserver_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/httpserver"
)

func TestLoginPage(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	r := c.get("/login/")
	if r.status != 200 || !strings.Contains(r.body, `name="csrf_token"`) || !strings.Contains(r.body, `autocomplete="current-password"`) {
		t.Fatalf("GET /login/ = %d\n%s", r.status, r.body)
	}
	if c.cookie("csrftoken") == "" {
		t.Errorf("no csrftoken cookie")
	}
	if c.cookie("session") != "" {
		t.Errorf("an anonymous visit stored a session")
	}
	if got := h.store.(interface{ Len() int }).Len(); got != 0 {
		t.Errorf("%d sessions stored for an anonymous visitor", got)
	}
}

func TestOffsiteNextIsFlashedNotStored(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.get("/login/?next=https://evil.example/")
	r := c.postForm("/login/?next=https://evil.example/", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}}, true)
	if r.status != 200 || strings.Count(r.body, "Redirections outside the domain are forbidden") != 1 ||
		!strings.Contains(r.body, `class="flash flash-error" role="alert"`) {
		t.Fatalf("offsite ?next: %d\n%s", r.status, r.body)
	}
	if strings.Contains(r.body, "evil.example") {
		t.Errorf("the page carries the offsite URL on")
	}
	if got := h.store.(interface{ Len() int }).Len(); got != 0 {
		t.Errorf("a flash shown at once left %d stored sessions", got)
	}
}

func TestLoginScenarios(t *testing.T) {
	cases := []struct {
		name     string
		form     url.Values
		csrf     bool
		status   int
		location string // for redirects
		body     string // a substring for pages
		loggedIn bool
	}{
		{"success", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}}, true, 302, "/", "", true},
		{"email in another case", url.Values{"email": {"JANE@Example.org"}, "password": {"correct horse"}}, true, 302, "/", "", true},
		{"safe next", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}, "next": {"/account/settings/?a=1"}}, true, 302, "/account/settings/?a=1", "", true},
		{"wrong password", url.Values{"email": {"jane@example.org"}, "password": {"wrong horse"}}, true, 200, "", accounts.MsgInvalidCredentials, false},
		{"unknown email", url.Values{"email": {"nobody@example.org"}, "password": {"correct horse"}}, true, 200, "", accounts.MsgInvalidCredentials, false},
		{"no password", url.Values{"email": {"jane@example.org"}}, true, 200, "", "Password not provided", false},
		{"no email", url.Values{"password": {"correct horse"}}, true, 200, "", "Email not provided", false},
		{"blocked user", url.Values{"email": {"blocked@example.org"}, "password": {"correct horse"}}, true, 200, "", "Account is disabled.", false},
		{"offsite next", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}, "next": {"//evil.com/"}}, true, 200, "", "Redirections outside the domain are forbidden", false},
		{"no CSRF token", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}}, false, 400, "", "CSRF token missing or incorrect.", false},
	}
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	h.createUser("blocked@example.org", "correct horse")
	if _, _, err := h.svc.Block(context.Background(), "blocked@example.org"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.client()
			c.get("/login/")
			r := c.postForm("/login/", tc.form, tc.csrf)
			if r.status != tc.status || r.header.Get("Location") != tc.location || !strings.Contains(r.body, tc.body) {
				t.Fatalf("POST /login/ = %d Location %q\n%s\nwant %d %q %q", r.status, r.header.Get("Location"), r.body, tc.status, tc.location, tc.body)
			}
			if me := c.get("/api/me"); (me.status == 200) != tc.loggedIn {
				t.Errorf("after login: /api/me = %d, logged in want %v", me.status, tc.loggedIn)
			}
			if strings.Contains(r.body, "correct horse") {
				t.Errorf("the page shows the password")
			}
		})
	}
}

func TestLoginAnswersAlikeForUnknownAndWrong(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	bodies := map[string]string{}
	for _, email := range []string{"jane@example.org", "nobody@example.org"} {
		c := h.client()
		c.get("/login/")
		r := c.postForm("/login/", url.Values{"email": {email}, "password": {"wrong horse"}}, true)
		body := strings.ReplaceAll(r.body, c.cookie("csrftoken"), "TOKEN")
		bodies[email] = strings.ReplaceAll(body, email, "EMAIL")
	}
	if bodies["jane@example.org"] != bodies["nobody@example.org"] {
		t.Errorf("login pages differ for a known and an unknown email")
	}
}

func TestLoginRotatesSessionAndRecordsActivity(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		u := h.createUser("jane@example.org", "correct horse")
		c := h.client()
		c.get("/login/")
		before := c.cookie("csrftoken")
		if r := c.loginForm("jane@example.org", "correct horse"); r.status != 302 {
			t.Fatalf("login: %d", r.status)
		}
		if c.cookie("csrftoken") == before {
			t.Errorf("the CSRF token was not renewed at login")
		}
		rows, err := h.db.UserSessionActivities(context.Background(), u.ID)
		if err != nil || len(rows) != 1 {
			t.Fatalf("activity rows = %v, %v", rows, err)
		}
		if strings.Contains(c.cookie("session"), rows[0].SID) {
			t.Errorf("the stored sid_s appears in the cookie")
		}
		got, _ := h.db.UserByID(context.Background(), u.ID)
		if got.Login.LoginCount != 1 || got.Login.CurrentLoginIP == nil || *got.Login.CurrentLoginIP != "127.0.0.1" {
			t.Errorf("login tracking: count %d ip %v", got.Login.LoginCount, got.Login.CurrentLoginIP)
		}
	})
}

func TestLogout(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		u := h.createUser("jane@example.org", "correct horse")
		c := h.client()
		c.loginForm("jane@example.org", "correct horse")
		old := c.cookie("session")
		if r := c.get("/logout/"); r.status != 200 || !strings.Contains(r.body, `method="post"`) {
			t.Fatalf("GET /logout/ = %d (must show a confirmation form, not log out)", r.status)
		}
		if c.get("/api/me").status != 200 {
			t.Fatalf("GET /logout/ logged the user out")
		}
		if r := c.postForm("/logout/", url.Values{}, false); r.status != 400 || c.get("/api/me").status != 200 {
			t.Fatalf("POST /logout/ without CSRF = %d; must not log out", r.status)
		}
		if r := c.postForm("/logout/", url.Values{}, true); r.status != 302 || r.header.Get("Location") != "/" {
			t.Fatalf("POST /logout/ = %d %s", r.status, r.header.Get("Location"))
		}
		if c.get("/api/me").status != 401 {
			t.Errorf("still logged in after logout")
		}
		if rows, _ := h.db.UserSessionActivities(context.Background(), u.ID); len(rows) != 0 {
			t.Errorf("%d activity rows after logout", len(rows))
		}
		replay := h.client()
		replay.setCookie("session", old)
		if replay.get("/api/me").status != 401 {
			t.Errorf("the session cookie from before logout still works")
		}
		if r := h.client().get("/logout/"); r.status != 302 {
			t.Errorf("GET /logout/ anonymous = %d, want a redirect", r.status)
		}
	})
}

func TestSignup(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.createUser("taken@example.org", "correct horse")
		cases := []struct {
			name   string
			form   url.Values
			status int
			body   string
		}{
			{"success", url.Values{"email": {"New@Example.org"}, "password": {"correct horse"}}, 302, ""},
			{"taken", url.Values{"email": {"TAKEN@example.org"}, "password": {"correct horse"}}, 200, "taken@example.org is already associated with an account."},
			{"short password", url.Values{"email": {"short@example.org"}, "password": {"1234567"}}, 200, "Password must be at least 8 characters"},
			{"bad email", url.Values{"email": {"a b@example.org"}, "password": {"correct horse"}}, 200, "Invalid email address"},
			{"header injection", url.Values{"email": {"a@example.org\r\nBcc: x@evil.org"}, "password": {"correct horse"}}, 200, "Invalid email address"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := h.client()
				if r := c.get("/signup/"); r.status != 200 || !strings.Contains(r.body, `autocomplete="new-password"`) {
					t.Fatalf("GET /signup/ = %d", r.status)
				}
				r := c.postForm("/signup/", tc.form, true)
				if r.status != tc.status || !strings.Contains(r.body, tc.body) {
					t.Fatalf("POST /signup/ = %d\n%s\nwant %d %q", r.status, r.body, tc.status, tc.body)
				}
				if (c.get("/api/me").status == 200) != (tc.status == 302) {
					t.Errorf("logged in after sign-up: want %v", tc.status == 302)
				}
			})
		}
		u, err := h.svc.FindUser(context.Background(), "new@example.org")
		if err != nil || !u.Active || u.Email != "new@example.org" || u.Login.LoginCount != 1 {
			t.Errorf("signed-up user: %+v %v", u, err)
		}
	})
}

func TestFeatureFlags(t *testing.T) {
	h := newHarness(t, func(o *httpserver.Options) {
		o.Settings.Registerable = false
		o.Settings.LocalLoginEnabled = false
	})
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	if r := c.get("/signup/"); r.status != 404 {
		t.Errorf("GET /signup/ with registration off = %d", r.status)
	}
	if r := c.api("POST", "/api/register", map[string]string{"email": "a@example.org", "password": "correct horse"}); r.status != 404 && r.status != 405 {
		t.Errorf("POST /api/register with registration off = %d", r.status)
	}
	if r := c.loginForm("jane@example.org", "correct horse"); r.status != 404 {
		t.Errorf("POST /login/ with local login off = %d", r.status)
	}
	r := h.client().api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
	if r.status != 400 || r.json(t)["message"] != "Local login is disabled." {
		t.Errorf("POST /api/login with local login off = %d %s", r.status, r.body)
	}
}

func TestConfigurableURLs(t *testing.T) {
	h := newHarness(t, func(o *httpserver.Options) {
		o.Settings.LoginURL, o.Settings.RegisterURL, o.Settings.PostLoginView = "/signin", "/join/", "/welcome"
	})
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	if r := c.get("/login/"); r.status != 404 {
		t.Errorf("the default login URL still answers: %d", r.status)
	}
	if r := c.get("/join/"); r.status != 200 || !strings.Contains(r.body, `action="/join/"`) {
		t.Errorf("GET /join/ = %d", r.status)
	}
	c.get("/signin")
	r := c.postForm("/signin", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}}, true)
	if r.status != 302 || r.header.Get("Location") != "/welcome" {
		t.Errorf("POST /signin = %d %s", r.status, r.header.Get("Location"))
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.get("/login/")
	v := url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}, "csrf_token": {c.cookie("csrftoken")}}
	for _, hdr := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		req := newFormRequest(h.ts.URL+"/login/", v)
		req.Header.Set(hdr[0], hdr[1])
		if r := c.do(req); r.status != 403 {
			t.Errorf("POST /login/ with %s: %s = %d, want 403", hdr[0], hdr[1], r.status)
		}
	}
}

func TestBadSessionCookiesAreAnonymous(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	good := h.client()
	good.loginForm("jane@example.org", "correct horse")
	valid := good.cookie("session")
	for _, v := range []string{"garbage", valid[:len(valid)-3], valid + "x", strings.Replace(valid, "_", "-", 1),
		"." + valid, strings.Repeat("a", 4000), "ünïcode", "a_b.c"} {
		c := h.client()
		c.setCookie("session", v)
		if r := c.get("/api/me"); r.status != 401 {
			t.Errorf("cookie %.40q: /api/me = %d, want 401", v, r.status)
		}
		if r := c.get("/login/"); r.status != 200 {
			t.Errorf("cookie %.40q: /login/ = %d, want 200", v, r.status)
		}
	}
}

func TestBlockEndsSessionsAtOnce(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.createUser("jane@example.org", "correct horse")
		a, b := h.client(), h.client()
		a.loginForm("jane@example.org", "correct horse")
		b.loginForm("jane@example.org", "correct horse")
		if _, _, err := h.svc.Block(context.Background(), "jane@example.org"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*client{a, b} {
			if r := c.get("/api/me"); r.status != 401 {
				t.Errorf("after block: /api/me = %d", r.status)
			}
		}
	})
}
