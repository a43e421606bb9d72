package httpserver_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
)

// confirmSetup signs email up through the REST API and returns its
// confirmation link in the given state: "valid", "expired" (the clock moved
// past SECURITY_CONFIRM_EMAIL_WITHIN) or "confirmed" (the address already
// confirmed through the REST API).
func confirmSetup(t *testing.T, h *harness, email, state string) string {
	t.Helper()
	if r := h.client().api("POST", "/api/register", map[string]string{"email": email, "password": "correct horse"}); r.status != 200 {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	link := linkIn(t, lastEmail(t, h, email, "Welcome"))
	switch state {
	case "expired":
		h.clock.Advance(31 * time.Minute)
	case "confirmed":
		tok := strings.TrimPrefix(link, "/confirm/")
		if r := h.client().api("POST", "/api/confirm-email", map[string]string{"token": tok}); r.status != 200 {
			t.Fatalf("confirm through REST: %d %s", r.status, r.body)
		}
	}
	return link
}

// withConfirmByPost sets ACCOUNTS_CONFIRM_BY_POST: the link shows a
// button, whose POST confirms.
func withConfirmByPost(o *httpserver.Options) { o.Settings.ConfirmByPost = true }

// TestConfirmLinkConfirmsOnGetByDefault: without ACCOUNTS_CONFIRM_BY_POST
// the link confirms and logs in on GET, as Invenio's does (the spec's
// contract), and there is no POST route.
func TestConfirmLinkConfirmsOnGetByDefault(t *testing.T) {
	h := newHarness(t)
	link := confirmSetup(t, h, "direct@example.org", "valid")
	c := h.client()
	if r := c.get(link); r.status != 302 || r.header.Get("Location") != "/" {
		t.Fatalf("GET %s = %d %s, want 302 to /", link, r.status, r.header.Get("Location"))
	}
	if !confirmedAt(t, h, "direct@example.org") {
		t.Error("GET did not confirm the address")
	}
	if r := c.api("GET", "/api/me", nil); r.status != 200 {
		t.Errorf("GET did not log in: /api/me = %d", r.status)
	}
	if r := h.client().raw("POST", link, "application/x-www-form-urlencoded", ""); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST %s = %d, want 405 (no button without ACCOUNTS_CONFIRM_BY_POST)", link, r.status)
	}
}

// confirmedAt returns whether email's address is confirmed.
func confirmedAt(t *testing.T, h *harness, email string) bool {
	t.Helper()
	u, err := h.svc.FindUser(context.Background(), accounts.UserRef(email))
	if err != nil {
		t.Fatal(err)
	}
	return u.ConfirmedAt != nil
}

// TestConfirmLinkGetChangesNothing (ASVS 3.5.3): GET or HEAD on a
// confirmation link, as a mail scanner or an <img> on another site makes,
// confirms nothing, logs nobody in and mails nothing; a usable link shows a
// form that posts back with the CSRF token.
func TestConfirmLinkGetChangesNothing(t *testing.T) {
	cases := []struct {
		state    string
		status   int    // of the GET
		location string // of a redirect
		button   string // of a page
		flash    string // on the page redirected to
	}{
		{"valid", 200, "", "Confirm my email address", ""},
		{"expired", 200, "", "Send new instructions", ""},
		{"confirmed", 302, "/confirm", "", accounts.MsgAlreadyConfirmed},
		{"invalid", 302, "/confirm", "", accounts.MsgInvalidConfirmToken},
	}
	for _, tc := range cases {
		for _, method := range []string{"GET", "HEAD"} {
			t.Run(tc.state+"/"+method, func(t *testing.T) {
				h := newHarness(t, withConfirmByPost)
				email := "scanned@example.org"
				link := confirmSetup(t, h, email, tc.state)
				if tc.state == "invalid" {
					link += "x"
				}
				wasConfirmed := confirmedAt(t, h, email)
				mails := len(h.emails())
				c := h.client()
				req, _ := http.NewRequest(method, h.ts.URL+link, nil)
				r := c.do(req)
				if r.status != tc.status || r.header.Get("Location") != tc.location {
					t.Fatalf("%s %s = %d %q, want %d %q", method, link, r.status, r.header.Get("Location"), tc.status, tc.location)
				}
				if method == "GET" && tc.button != "" {
					csrf := c.cookie("csrftoken")
					for _, want := range []string{`<form method="post">`, `name="csrf_token" value="` + csrf + `"`,
						`<button type="submit">` + tc.button + `</button>`} {
						if csrf == "" || !strings.Contains(r.body, want) {
							t.Errorf("the page lacks %s:\n%s", want, r.body)
						}
					}
				}
				if tc.flash != "" {
					if page := c.get("/confirm"); !strings.Contains(page.body, tc.flash) {
						t.Errorf("no flash %q after the redirect", tc.flash)
					}
				}
				if got := confirmedAt(t, h, email); got != wasConfirmed {
					t.Errorf("confirmed %v after the %s, want %v", got, method, wasConfirmed)
				}
				if me := c.get("/api/me"); me.status != 401 {
					t.Errorf("/api/me after the %s = %d, want 401 (logged out)", method, me.status)
				}
				if n := len(h.emails()); n != mails {
					t.Errorf("%d emails sent by the %s, want none", n-mails, method)
				}
			})
		}
	}
}

// TestConfirmPostRefused (ASVS 3.5.3): the button's POST without the CSRF
// token, with a wrong one, or from another site is refused and changes
// nothing: no confirmation, no session, no email for an expired link.
func TestConfirmPostRefused(t *testing.T) {
	cases := []struct {
		name   string
		state  string
		status int
		post   func(c *client, link string) response
	}{
		{"no csrf_token", "valid", 400, func(c *client, link string) response {
			return c.postForm(link, url.Values{}, false)
		}},
		{"wrong csrf_token", "valid", 400, func(c *client, link string) response {
			return c.postForm(link, url.Values{"csrf_token": {"x" + c.cookie("csrftoken")}}, false)
		}},
		{"no csrftoken cookie", "valid", 400, func(c *client, link string) response {
			fresh := c.h.client()
			return fresh.postForm(link, url.Values{"csrf_token": {c.cookie("csrftoken")}}, false)
		}},
		{"cross-site", "valid", 403, func(c *client, link string) response {
			return c.raw("POST", link, "application/x-www-form-urlencoded", "csrf_token="+url.QueryEscape(c.cookie("csrftoken")),
				"Sec-Fetch-Site", "cross-site")
		}},
		{"other origin", "valid", 403, func(c *client, link string) response {
			return c.raw("POST", link, "application/x-www-form-urlencoded", "csrf_token="+url.QueryEscape(c.cookie("csrftoken")),
				"Origin", "https://evil.example")
		}},
		{"expired, no csrf_token", "expired", 400, func(c *client, link string) response {
			return c.postForm(link, url.Values{}, false)
		}},
		{"expired, cross-site", "expired", 403, func(c *client, link string) response {
			return c.raw("POST", link, "application/x-www-form-urlencoded", "csrf_token="+url.QueryEscape(c.cookie("csrftoken")),
				"Sec-Fetch-Site", "cross-site")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withConfirmByPost)
			email := "forged@example.org"
			link := confirmSetup(t, h, email, tc.state)
			mails := len(h.emails())
			c := h.client()
			c.get(link) // the CSRF cookie
			if r := tc.post(c, link); r.status != tc.status {
				t.Errorf("POST = %d, want %d\n%s", r.status, tc.status, r.body)
			}
			if confirmedAt(t, h, email) {
				t.Errorf("the refused POST confirmed the address")
			}
			if me := c.get("/api/me"); me.status != 401 {
				t.Errorf("/api/me after the refused POST = %d, want 401", me.status)
			}
			if n := len(h.emails()); n != mails {
				t.Errorf("%d emails sent by the refused POST, want none", n-mails)
			}
		})
	}
}

// TestConfirmPost: the button does what Invenio's GET does. It confirms and
// logs in when SECURITY_AUTO_LOGIN_AFTER_CONFIRM is on, only confirms when
// it is off, never switches a browser logged in as someone else, and for an
// expired link mails new instructions, once per post.
func TestConfirmPost(t *testing.T) {
	cases := []struct {
		name      string
		state     string
		autoLogin bool
		loggedIn  string // the browser's user before the post, "" anonymous
		location  string
		confirmed bool
		me        string // the browser's user after, "" anonymous
		flash     string
		mails     int
	}{
		{"auto-login on", "valid", true, "", "/", true, "new@example.org", accounts.MsgEmailConfirmed, 0},
		{"auto-login off", "valid", false, "", "/login/", true, "", accounts.MsgEmailConfirmed, 0},
		{"logged in as someone else", "valid", true, "jane@example.org", "/", true, "jane@example.org", accounts.MsgEmailConfirmed, 0},
		{"logged in as the user", "valid", true, "new@example.org", "/", true, "new@example.org", accounts.MsgEmailConfirmed, 0},
		{"expired", "expired", true, "", "/confirm", false, "",
			accounts.MsgConfirmationExpired("30 minutes", "new@example.org"), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withConfirmByPost, func(o *httpserver.Options) { o.Settings.AutoLoginAfterConfirm = tc.autoLogin })
			h.createUser("jane@example.org", "correct horse")
			link := confirmSetup(t, h, "new@example.org", tc.state)
			mails := len(h.emails())
			c := h.client()
			if tc.loggedIn != "" {
				if r := c.loginForm(tc.loggedIn, "correct horse"); r.status != 302 {
					t.Fatalf("login: %d", r.status)
				}
			}
			if r := c.get(link); r.status != 200 || confirmedAt(t, h, "new@example.org") {
				t.Fatalf("GET %s = %d, want 200 and the address still unconfirmed", link, r.status)
			}
			r := c.postForm(link, url.Values{}, true)
			if r.status != 302 || r.header.Get("Location") != tc.location {
				t.Fatalf("POST %s = %d %q, want 302 %q\n%s", link, r.status, r.header.Get("Location"), tc.location, r.body)
			}
			if page := c.get(tc.location); !strings.Contains(page.body, tc.flash) {
				t.Errorf("no flash %q on %s", tc.flash, tc.location)
			}
			if got := confirmedAt(t, h, "new@example.org"); got != tc.confirmed {
				t.Errorf("confirmed %v, want %v", got, tc.confirmed)
			}
			me := c.get("/api/me")
			switch {
			case tc.me == "" && me.status != 401:
				t.Errorf("/api/me = %d %s, want 401", me.status, me.body)
			case tc.me != "" && (me.status != 200 || me.json(t)["email"] != tc.me):
				t.Errorf("/api/me = %d %s, want %s", me.status, me.body, tc.me)
			}
			all := h.emails()
			if n := len(all) - mails; n != tc.mails {
				t.Errorf("%d emails sent, want %d", n, tc.mails)
			}
			if tc.state == "expired" {
				fresh := linkIn(t, lastEmail(t, h, "new@example.org", "Please confirm your email"))
				if r := h.client().confirm(fresh); r.status != 302 || r.header.Get("Location") != "/" || !confirmedAt(t, h, "new@example.org") {
					t.Errorf("the new link does not confirm: %d %q", r.status, r.header.Get("Location"))
				}
			}
		})
	}
}

// TestConfirmPostLimits: the button's posts count against
// security.confirm_email's limit when RATELIMIT_PER_ENDPOINT lists it, else
// against the general limit; an expired link's post, which mails new
// instructions, also against ACCOUNTS_SEND_CONFIRMATION_RATELIMIT. A refusal
// shows the page's form again with 429, Retry-After and the limit's message.
func TestConfirmPostLimits(t *testing.T) {
	const accountMsg = "Too many confirmation-email requests for this account. Please try again later."
	onePerMinute := []ratelimit.Limit{{Count: 1, Period: time.Minute}}
	cases := []struct {
		name    string
		opt     harnessOption
		allowed int // posts before the refusal
		msg     string
	}{
		{"per endpoint", func(o *httpserver.Options) {
			withLimits(memory.New(memory.Options{}), nil)(o)
			o.Settings.EndpointLimits["security.confirm_email"] = onePerMinute
		}, 1, msgTooMany},
		{"general", withGeneralLimits(memory.New(memory.Options{}), threePerMinute, threePerMinute), 2, msgTooMany},
		{"per account", func(o *httpserver.Options) {
			withLimits(memory.New(memory.Options{}), nil)(o)
			o.Settings.SendConfirmationAccountLimit = httpserver.AccountLimit{Limits: onePerMinute,
				Prefix: "accounts.cf_email", Message: accountMsg}
		}, 1, accountMsg},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withConfirmByPost, tc.opt)
			link := confirmSetup(t, h, "new@example.org", "expired")
			mails := len(h.emails())
			c := h.client()
			c.get(link) // the CSRF cookie; a general limit counts it
			for i := 1; i <= tc.allowed; i++ {
				if r := c.postForm(link, url.Values{}, true); r.status != 302 {
					t.Fatalf("post %d: %d %s", i, r.status, r.body)
				}
			}
			r := c.postForm(link, url.Values{}, true)
			if r.status != 429 || r.header.Get("Retry-After") == "" {
				t.Fatalf("post %d: %d, Retry-After %q, want 429", tc.allowed+1, r.status, r.header.Get("Retry-After"))
			}
			// The general limit refuses before the token is read: its page has
			// the button, not the expired link's text.
			for _, want := range []string{tc.msg, `<form method="post">`, `name="csrf_token"`} {
				if !strings.Contains(r.body, want) {
					t.Errorf("the refusal lacks %q:\n%s", want, r.body)
				}
			}
			if n := len(h.emails()) - mails; n != tc.allowed {
				t.Errorf("%d emails sent, want %d (one per allowed post)", n, tc.allowed)
			}
		})
	}
}

// TestEmailLinksNeedNotLogIn: with SECURITY_AUTO_LOGIN_AFTER_CONFIRM off
// (and SECURITY_AUTO_LOGIN_AFTER_RESET off, the default), no email link
// gives a session: the confirmation link confirms and sends to the login
// page, the reset sets the password and sends there too (ASVS 6.3.6).
func TestEmailLinksNeedNotLogIn(t *testing.T) {
	h := newHarness(t, func(o *httpserver.Options) { o.Settings.AutoLoginAfterConfirm = false })
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.get("/confirm")
	c.postForm("/confirm", url.Values{"email": {"jane@example.org"}}, true)
	other := h.client()
	r := other.confirm(linkIn(t, lastEmail(t, h, "jane@example.org", "Please confirm your email")))
	if r.status != 302 || r.header.Get("Location") != "/login/" || loggedIn(t, other) {
		t.Fatalf("confirmation link: %d %q", r.status, r.header.Get("Location"))
	}
	if u, _ := h.svc.FindUser(context.Background(), "jane@example.org"); u.ConfirmedAt == nil {
		t.Fatal("the link did not confirm")
	}
	link := resetLink(t, h)
	other.get(link)
	r = other.postForm(link, url.Values{"password": {"a new passphrase"}, "password_confirm": {"a new passphrase"}}, true)
	if r.status != 302 || r.header.Get("Location") != "/login/" || loggedIn(t, other) {
		t.Fatalf("reset: %d %q", r.status, r.header.Get("Location"))
	}
}
