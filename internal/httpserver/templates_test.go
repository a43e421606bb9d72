package httpserver_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/httpserver"
)

func TestTemplateOverrides(t *testing.T) {
	dir := t.TempDir()
	write := func(path, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A template directory overriding the login page by its Invenio name,
	// and one file named by an absolute path for the sign-up page.
	write(filepath.Join(dir, "invenio_accounts", "login_user.html"),
		`{{define "content"}}<p id="custom-login">Custom login for {{.Site}}</p><input name="csrf_token" value="{{.CSRF}}">{{end}}`)
	// The confirmation link's page, which has no setting, by its name.
	write(filepath.Join(dir, "invenio_accounts", "confirm_email.html"),
		`{{define "content"}}<form method="post" id="custom-confirm"><input name="csrf_token" value="{{.CSRF}}"></form>{{end}}`)
	abs := filepath.Join(t.TempDir(), "my-signup.html")
	write(abs, `{{define "content"}}<p id="custom-signup">Join us</p>{{end}}`)
	h := newHarness(t, func(o *httpserver.Options) {
		o.Settings.TemplateDir = dir
		o.Settings.SiteName = "Zenodo"
		o.Settings.Templates = map[string]string{"register_user": abs}
		o.Settings.ConfirmByPost = true // the link shows its page
	})
	c := h.client()
	if r := c.get("/login/"); !strings.Contains(r.body, `<p id="custom-login">Custom login for Zenodo</p>`) ||
		!strings.Contains(r.body, `<link rel="stylesheet" href="/static/accounts.css">`) {
		t.Errorf("login page not overridden (or lost the base layout):\n%s", r.body)
	}
	if r := c.get("/signup/"); !strings.Contains(r.body, `id="custom-signup"`) {
		t.Errorf("sign-up page not overridden by the absolute path:\n%s", r.body)
	}
	h.client().api("POST", "/api/register", map[string]string{"email": "new@example.org", "password": "correct horse"})
	if r := c.get(linkIn(t, lastEmail(t, h, "new@example.org", "Welcome"))); !strings.Contains(r.body, `id="custom-confirm"`) {
		t.Errorf("confirmation page not overridden:\n%s", r.body)
	}
	if r := c.get("/"); !strings.Contains(r.body, "Welcome.") {
		t.Errorf("the home page should still be the built-in one:\n%s", r.body)
	}
}

func TestBrokenTemplateIsAStartError(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "invenio_accounts"), 0o755)
	os.WriteFile(filepath.Join(dir, "invenio_accounts", "login_user.html"), []byte(`{{define "content"}}{{.Nope`), 0o644)
	_, err := httpserver.New(httpserver.Options{Settings: httpserver.Settings{TemplateDir: dir}})
	if err == nil || !strings.Contains(err.Error(), "login_user.html") {
		t.Errorf("a broken override: %v, want an error naming the file", err)
	}
	_, err = httpserver.New(httpserver.Options{Settings: httpserver.Settings{Templates: map[string]string{"login_user": "nope/missing.html"}}})
	if err == nil || !strings.Contains(err.Error(), "nope/missing.html") {
		t.Errorf("a missing template: %v", err)
	}
}

func TestStylesheetAndSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	r := h.client().get("/static/accounts.css")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", r.status, r.header.Get("Content-Type"))
	}
	page := h.client().get("/login/")
	directives := map[string]bool{}
	for _, d := range strings.Split(page.header.Get("Content-Security-Policy"), ";") {
		directives[strings.TrimSpace(d)] = true
	}
	for _, want := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
		if !directives[want] {
			t.Errorf("CSP lacks %s: %q", want, page.header.Get("Content-Security-Policy"))
		}
	}
	if page.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("no nosniff")
	}
}
