package httpserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/invenio-go/accounts/internal/httpserver"
)

// fakeRecaptcha is a local stand-in for Google's siteverify: the answer
// "good" passes, anything else fails; it records what it was sent.
func fakeRecaptcha(t *testing.T, secret string) (*httptest.Server, *atomic.Int32) {
	calls := &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		r.ParseForm()
		ok := r.PostForm.Get("secret") == secret && r.PostForm.Get("response") == "good" && r.PostForm.Get("remoteip") != ""
		json.NewEncoder(w).Encode(map[string]any{"success": ok})
	}))
	t.Cleanup(srv.Close)
	return srv, calls
}

func TestRecaptchaOnSignup(t *testing.T) {
	fake, calls := fakeRecaptcha(t, "private")
	h := newHarness(t, func(o *httpserver.Options) {
		o.Settings.RecaptchaPublicKey, o.Settings.RecaptchaPrivateKey, o.Settings.RecaptchaVerifyURL = "public", "private", fake.URL
	})
	c := h.client()
	page := c.get("/signup/")
	if !strings.Contains(page.body, `data-sitekey="public"`) || !strings.Contains(page.header.Get("Content-Security-Policy"), "https://www.google.com/recaptcha/") {
		t.Fatalf("the sign-up page lacks the widget or its CSP allowance")
	}
	if login := c.get("/login/"); strings.Contains(login.header.Get("Content-Security-Policy"), "google") {
		t.Errorf("another page allows Google's script")
	}
	cases := []struct {
		answer string
		want   string
		ok     bool
	}{
		{"", "The response parameter is missing.", false},
		{"bad", "The response parameter is invalid or malformed.", false},
		{"good", "", true},
	}
	for i, tc := range cases {
		email := []string{"a", "b", "c"}[i] + "@example.org"
		r := c.postForm("/signup/", url.Values{"email": {email}, "password": {"correct horse"}, "g-recaptcha-response": {tc.answer}}, true)
		if (r.status == 302) != tc.ok || !strings.Contains(r.body, tc.want) {
			t.Errorf("answer %q: %d, want ok=%v %q", tc.answer, r.status, tc.ok, tc.want)
		}
	}
	api := h.client()
	if r := api.api("POST", "/api/register", map[string]string{"email": "d@example.org", "password": "correct horse"}); r.status != 400 || !strings.Contains(r.body, "g-recaptcha-response") {
		t.Errorf("REST register without an answer: %d %s", r.status, r.body)
	}
	if r := api.api("POST", "/api/register", map[string]string{"email": "d@example.org", "password": "correct horse", "g-recaptcha-response": "good"}); r.status != 200 {
		t.Errorf("REST register with a good answer: %d %s", r.status, r.body)
	}
	if calls.Load() != 3 {
		t.Errorf("the verifier was called %d times, want 3 (never for a missing answer)", calls.Load())
	}
	fake.Close()
	down := h.client()
	r := down.api("POST", "/api/register", map[string]string{"email": "e@example.org", "password": "correct horse", "g-recaptcha-response": "good"})
	if r.status != 400 || !strings.Contains(r.body, "could not be verified") {
		t.Errorf("verifier down must refuse: %d %s", r.status, r.body)
	}
}
