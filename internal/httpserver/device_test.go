package httpserver_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
)

const (
	deviceCookie    = "accounts_device"
	msgAccountLimit = "Too many login attempts for this account. Please try again later."
)

// behindProxy trusts one X-Forwarded-For hop, so that each test client can
// have its own address (client.forwardedFor).
func behindProxy(o *httpserver.Options) { o.Settings.ProxyHops = 1 }

// loginVia is a way to log in: the HTML form or the REST call.
var loginVia = []struct {
	name string
	// login fetches the login page (for the CSRF cookie) and posts the
	// credentials; ok is the status of a success.
	login func(c *client, email, pw string) response
	ok    int
}{
	{"html", func(c *client, email, pw string) response { return c.loginForm(email, pw) }, http.StatusFound},
	{"rest", func(c *client, email, pw string) response {
		c.get("/login/")
		return c.api("POST", "/api/login", map[string]string{"email": email, "password": pw})
	}, http.StatusOK},
}

// TestDeviceCookieOwnerNeverLockedOut: with ACCOUNTS_LOGIN_RATELIMIT on, an
// attacker elsewhere spends the account's budget; a browser showing a device
// cookie of the account from an earlier login still gets in, any other one
// (none, tampered, another user's, or one older than a password reset) is
// refused with the account limit's message.
func TestDeviceCookieOwnerNeverLockedOut(t *testing.T) {
	for _, lim := range limiters {
		for _, via := range loginVia {
			t.Run(lim.name+"/"+via.name, func(t *testing.T) {
				h := newHarness(t, withLimits(lim.new(t), threePerMinute), behindProxy)
				jane := h.createUser("jane@example.org", "correct horse")
				h.createUser("mallory@example.org", "mallory's horse")
				owner := deviceOf(t, h, via.login, "jane@example.org", "correct horse", "198.51.100.1")
				foreign := deviceOf(t, h, via.login, "mallory@example.org", "mallory's horse", "198.51.100.2")

				attacker := h.client()
				attacker.forwardedFor = "203.0.113.66"
				var last response
				for i := 0; i < 4; i++ {
					last = via.login(attacker, "jane@example.org", "wrong horse")
				}
				if !strings.Contains(last.body, msgAccountLimit) {
					t.Fatalf("4th attempt on an account limited to 3: %d\n%s", last.status, last.body)
				}

				cases := []struct {
					name   string
					cookie string // "": none
					in     bool
				}{
					{"the owner's device", owner, true},
					{"no device cookie", "", false},
					{"tampered", tamper(owner), false},
					{"nonce of another device", foreign[:23] + owner[23:], false},
					{"another user's device", foreign, false},
					{"not a device cookie", "jane@example.org", false},
				}
				for i, tc := range cases {
					t.Run(tc.name, func(t *testing.T) {
						c := h.client()
						c.forwardedFor = "192.0.2." + strconv.Itoa(10+i)
						if tc.cookie != "" {
							c.setCookie(deviceCookie, tc.cookie)
						}
						r := via.login(c, "jane@example.org", "correct horse")
						limited := strings.Contains(r.body, msgAccountLimit)
						if tc.in && (r.status != via.ok || limited) {
							t.Errorf("the owner's browser is locked out: %d\n%s", r.status, r.body)
						}
						if !tc.in && (r.status != http.StatusTooManyRequests || !limited) {
							t.Errorf("let in past the account limit: %d\n%s", r.status, r.body)
						}
					})
				}

				// A reset changes the password hash: the old device cookie
				// no longer exempts.
				if err := h.svc.ResetPassword(context.Background(), jane, "new correct horse"); err != nil {
					t.Fatal(err)
				}
				c := h.client()
				c.forwardedFor = "192.0.2.99"
				c.setCookie(deviceCookie, owner)
				if r := via.login(c, "jane@example.org", "new correct horse"); r.status != http.StatusTooManyRequests {
					t.Errorf("a device cookie older than the password exempts: %d", r.status)
				}
			})
		}
	}
}

// TestDeviceLimit: the attempts of a device count against a limit of their
// own, the account's limits keyed by the device: spending it leaves the
// owner's other device and the account's budget alone.
func TestDeviceLimit(t *testing.T) {
	for _, lim := range limiters {
		t.Run(lim.name, func(t *testing.T) {
			h := newHarness(t, withLimits(lim.new(t), threePerMinute), behindProxy)
			h.createUser("jane@example.org", "correct horse")
			via := loginVia[0]
			laptop := deviceOf(t, h, via.login, "jane@example.org", "correct horse", "198.51.100.1")
			phone := deviceOf(t, h, via.login, "jane@example.org", "correct horse", "198.51.100.2")
			c := h.client()
			c.forwardedFor = "192.0.2.1"
			c.setCookie(deviceCookie, laptop)
			var last response
			for i := 0; i < 4; i++ {
				last = via.login(c, "jane@example.org", "wrong horse")
			}
			if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, msgAccountLimit) {
				t.Errorf("4th attempt of a device limited to 3: %d", last.status)
			}
			for name, cookie := range map[string]string{"other device": phone, "no device": ""} {
				c := h.client()
				c.forwardedFor = "192.0.2.2"
				if cookie != "" {
					c.setCookie(deviceCookie, cookie)
				}
				if r := via.login(c, "jane@example.org", "correct horse"); r.status != via.ok {
					t.Errorf("%s after one device spent its limit: %d", name, r.status)
				}
			}
		})
	}
}

// TestDeviceCookieAttributes: with the per-account login limit on, a login
// (HTML, REST) and a re-verification set the device cookie, HttpOnly,
// SameSite=Strict, for a year, Secure as the session cookie; a failed login
// sets none. With the limit off (the default) no login sets one.
func TestDeviceCookieAttributes(t *testing.T) {
	off := newHarness(t)
	off.createUser("jane@example.org", "correct horse")
	for _, via := range loginVia {
		if r := via.login(off.client(), "jane@example.org", "correct horse"); r.status >= 400 || setCookie(r, deviceCookie) != nil {
			t.Errorf("per-account limit off, %s login: %d, device cookie %v; want a login without one", via.name, r.status, setCookie(r, deviceCookie))
		}
	}
	for _, secure := range []bool{false, true} {
		h := newHarness(t, withLimits(memory.New(memory.Options{}), tenPerMinute),
			func(o *httpserver.Options) { o.Settings.SecureCookies = secure })
		h.createUser("jane@example.org", "correct horse")
		for _, via := range loginVia {
			if r := via.login(h.client(), "jane@example.org", "wrong horse"); setCookie(r, deviceCookie) != nil {
				t.Errorf("secure=%v %s: a failed login sets a device cookie", secure, via.name)
			}
			c := h.client()
			r := via.login(c, "jane@example.org", "correct horse")
			checkDeviceCookie(t, secure, via.name+" login", r)
			if via.name == "html" {
				c.get("/verify")
				r = c.postForm("/verify", url.Values{"password": {"correct horse"}}, true)
			} else {
				r = c.api("POST", "/api/verify", map[string]string{"password": "correct horse"})
			}
			checkDeviceCookie(t, secure, via.name+" verify", r)
		}
	}
}

func checkDeviceCookie(t *testing.T, secure bool, what string, r response) {
	t.Helper()
	name := deviceCookie
	if secure { // Secure, Path / and no Domain: the __Host- prefix
		name = "__Host-" + deviceCookie
	}
	ck := setCookie(r, name)
	if ck == nil {
		t.Errorf("secure=%v %s (%d): no device cookie", secure, what, r.status)
		return
	}
	if !ck.HttpOnly || ck.Secure != secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" ||
		ck.MaxAge != 365*24*3600 || len(ck.Value) != 50 {
		t.Errorf("secure=%v %s: device cookie %q", secure, what, r.header.Values("Set-Cookie"))
	}
	if strings.Contains(ck.Value, "jane") {
		t.Errorf("the device cookie shows the user: %q", ck.Value)
	}
}

// deviceOf logs the user in from a browser of its own and returns the
// device cookie it got.
func deviceOf(t *testing.T, h *harness, login func(*client, string, string) response, email, pw, ip string) string {
	t.Helper()
	c := h.client()
	c.forwardedFor = ip
	r := login(c, email, pw)
	ck := setCookie(r, deviceCookie)
	if ck == nil {
		t.Fatalf("login of %s (%d) set no device cookie", email, r.status)
	}
	return ck.Value
}

// setCookie returns the cookie the response sets under name, or nil.
func setCookie(r response, name string) *http.Cookie {
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// tamper changes a character in the middle of v's signature (the last
// one carries padding bits: changing it would make the value malformed).
func tamper(v string) string {
	c := byte('A')
	if v[30] == c {
		c = 'B'
	}
	return v[:30] + string(c) + v[31:]
}

// withFailureLimit bounds the failed logins of an account
// (ACCOUNTS_LOGIN_FAILURES_RATELIMIT), with the per-endpoint client limits
// and without Invenio's per-account limit.
func withFailureLimit(l ratelimit.Limiter, limits []ratelimit.Limit) harnessOption {
	return func(o *httpserver.Options) {
		withLimits(l, nil)(o)
		o.Settings.LoginFailureLimit = httpserver.AccountLimit{Limits: limits, Prefix: "accounts.login_failures",
			Message: msgAccountLimit}
	}
}

// TestLoginFailureLimit: wrong passwords spend the account's failure
// budget from any address; right ones never do; once it is spent, even the
// right password is refused from a new browser, but not from one showing
// the account's device cookie. An unknown address answers alike.
func TestLoginFailureLimit(t *testing.T) {
	for _, lim := range limiters {
		for _, via := range loginVia {
			t.Run(lim.name+"/"+via.name, func(t *testing.T) {
				h := newHarness(t, withFailureLimit(lim.new(t), threePerMinute), behindProxy)
				h.createUser("jane@example.org", "correct horse")
				owner := deviceOf(t, h, via.login, "jane@example.org", "correct horse", "198.51.100.1")
				for i := range 5 { // right passwords spend nothing
					c := h.client()
					c.forwardedFor = "198.51.100." + strconv.Itoa(10+i)
					if r := via.login(c, "jane@example.org", "correct horse"); r.status != via.ok {
						t.Fatalf("login %d: %d %s", i+1, r.status, r.body)
					}
				}
				for _, email := range []string{"jane@example.org", "nobody@example.org"} {
					for i := range 3 {
						c := h.client()
						c.forwardedFor = "203.0.113." + strconv.Itoa(10+i)
						if r := via.login(c, email, "wrong horse"); strings.Contains(r.body, msgAccountLimit) {
							t.Fatalf("%s, failure %d refused by the limit", email, i+1)
						}
					}
				}
				c := h.client()
				c.forwardedFor = "192.0.2.1"
				known := via.login(c, "jane@example.org", "correct horse")
				if known.status != http.StatusTooManyRequests || !strings.Contains(known.body, msgAccountLimit) ||
					known.header.Get("Retry-After") == "" {
					t.Fatalf("the right password after 3 failures: %d %s", known.status, known.body)
				}
				unknown := via.login(h.client(), "nobody@example.org", "wrong horse")
				if unknown.status != known.status || !strings.Contains(unknown.body, msgAccountLimit) {
					t.Errorf("an unknown address answers otherwise: %d %s", unknown.status, unknown.body)
				}
				d := h.client()
				d.forwardedFor = "192.0.2.2"
				d.setCookie(deviceCookie, owner)
				if r := via.login(d, "jane@example.org", "correct horse"); r.status != via.ok {
					t.Errorf("the owner's browser is locked out: %d %s", r.status, r.body)
				}
			})
		}
	}
}
