package httpserver_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/accounts"
)

func TestChangePasswordPage(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	if r := h.client().get("/account/settings/password/"); r.status != 302 || !strings.HasPrefix(r.header.Get("Location"), "/login/?next=") {
		t.Fatalf("anonymous: %d %s", r.status, r.header.Get("Location"))
	}
	a, b := h.client(), h.client()
	a.loginForm("jane@example.org", "correct horse")
	b.loginForm("jane@example.org", "correct horse")
	if r := a.get("/account/settings/password/"); r.status != 200 || !strings.Contains(r.body, `autocomplete="current-password"`) {
		t.Fatalf("GET: %d", r.status)
	}
	cases := []struct {
		name              string
		current, new, rep string
		want              string
	}{
		{"wrong current", "wrong horse", "battery staple", "battery staple", accounts.MsgInvalidPassword},
		{"same", "correct horse", "correct horse", "correct horse", accounts.MsgPasswordIsTheSame},
		{"mismatch", "correct horse", "battery staple", "battery stable", accounts.MsgRetypePasswordMismatch},
		{"short", "correct horse", "short", "short", "Password must be at least 8 characters"},
	}
	for _, c := range cases {
		r := a.postForm("/account/settings/password/", url.Values{"password": {c.current}, "new_password": {c.new}, "new_password_confirm": {c.rep}}, true)
		if r.status != 200 || !strings.Contains(r.body, c.want) {
			t.Errorf("%s: %d, want the form with %q", c.name, r.status, c.want)
		}
	}
	if r := a.postForm("/account/settings/password/", url.Values{"password": {"correct horse"}, "new_password": {"battery staple"}, "new_password_confirm": {"battery staple"}}, false); r.status != 400 {
		t.Errorf("without CSRF: %d", r.status)
	}
	before := a.cookie("session")
	r := a.postForm("/account/settings/password/", url.Values{"password": {"correct horse"}, "new_password": {"battery staple"}, "new_password_confirm": {"battery staple"}}, true)
	if r.status != 302 {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	if a.cookie("session") == before || a.get("/api/me").status != 200 {
		t.Errorf("this session must go on under a new id")
	}
	if b.get("/api/me").status != 401 {
		t.Errorf("the other session survived the password change")
	}
	if page := a.get("/"); !strings.Contains(page.body, accounts.MsgPasswordChanged) {
		t.Errorf("no flash after the change")
	}
	if _, err := h.svc.Authenticate(context.Background(), accounts.LoginAttempt{Email: "jane@example.org", Password: "battery staple"}); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if _, err := h.svc.Authenticate(context.Background(), accounts.LoginAttempt{Email: "jane@example.org", Password: "correct horse"}); err == nil {
		t.Errorf("the old password still works")
	}
}

func TestChangePasswordAPI(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.createUser("jane@example.org", "correct horse")
		if r := h.client().api("POST", "/api/change-password", map[string]string{"password": "x", "new_password": "y"}); r.status != 401 {
			t.Errorf("anonymous: %d", r.status)
		}
		a, b := h.client(), h.client()
		a.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
		b.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
		r := a.api("POST", "/api/change-password", map[string]string{"password": "wrong horse", "new_password": "battery staple"})
		if r.status != 400 || !strings.Contains(r.body, `"field":"password"`) {
			t.Errorf("wrong current: %d %s", r.status, r.body)
		}
		r = a.api("POST", "/api/change-password", map[string]string{"password": "correct horse", "new_password": "battery staple"})
		if r.status != 200 || r.json(t)["message"] != accounts.MsgPasswordChanged {
			t.Fatalf("change: %d %s", r.status, r.body)
		}
		if b.get("/api/me").status != 401 || a.get("/api/me").status != 200 {
			t.Errorf("after the change the other session must end and this one go on")
		}
		if ids := sessionIDs(t, a); len(ids) != 1 {
			t.Errorf("%d sessions listed after the change", len(ids))
		}
	})
}
