package httpserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/httpserver"
)

func TestTrustedHosts(t *testing.T) {
	h := newHarness(t, func(o *httpserver.Options) {
		o.Settings.TrustedHosts = []string{"accounts.example.org", ".zenodo.org", "127.0.0.1"}
	})
	cases := map[string]int{
		"accounts.example.org":      200,
		"ACCOUNTS.example.org:8443": 200,
		"zenodo.org":                200,
		"sandbox.zenodo.org":        200,
		"127.0.0.1":                 200,
		"evil.example":              400,
		"accounts.example.org.evil": 400,
		"notzenodo.org":             400,
	}
	for host, want := range cases {
		for _, path := range []string{"/login/", "/api/me", "/healthz"} {
			req, _ := http.NewRequest("GET", h.ts.URL+path, nil)
			req.Host = host
			r := h.client().do(req)
			if (r.status == 400) != (want == 400) {
				t.Errorf("Host %q %s = %d, want %d", host, path, r.status, want)
			}
		}
	}
}

func TestMethodsAndHeaders(t *testing.T) {
	h := newHarness(t, func(o *httpserver.Options) { o.Settings.SecureCookies = true })
	for _, m := range []string{"TRACE", "PUT", "DELETE", "PATCH"} {
		req, _ := http.NewRequest(m, h.ts.URL+"/login/", nil)
		if r := h.client().do(req); r.status != 405 {
			t.Errorf("%s /login/ = %d, want 405", m, r.status)
		}
	}
	r := h.client().get("/login/")
	if got := r.header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
		t.Errorf("HSTS with secure cookies: %q, want a year and includeSubDomains", got)
	}
	if r.header.Get("Referrer-Policy") != "no-referrer" || r.header.Get("X-Request-ID") == "" {
		t.Errorf("headers: %v", r.header)
	}
	req, _ := http.NewRequest("GET", h.ts.URL+"/healthz", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	if r := h.client().do(req); r.header.Get("X-Request-ID") != "abc-123" {
		t.Errorf("X-Request-ID not echoed")
	}
	req.Header.Set("X-Request-ID", "bad id"+strings.Repeat("x", 70))
	if r := h.client().do(req); strings.HasPrefix(r.header.Get("X-Request-ID"), "bad") {
		t.Errorf("an unfit X-Request-ID was echoed")
	}
	dev := newHarness(t)
	if r := dev.client().get("/login/"); r.header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS sent in development mode (cookies not Secure)")
	}
}

func TestAuthenticatedResponsesAreNotCached(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.loginForm("jane@example.org", "correct horse")
	for _, path := range []string{"/", "/api/me", "/api/sessions", "/account/settings/security", "/logout/"} {
		r := c.get(path)
		if r.header.Get("Cache-Control") != "no-store" || !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Cookie") {
			t.Errorf("%s: Cache-Control %q Vary %q", path, r.header.Get("Cache-Control"), r.header.Values("Vary"))
		}
	}
}
