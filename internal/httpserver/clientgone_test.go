package httpserver_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/httpserver"
)

// TestClientGoneIs499: a request whose client closed its connection before
// the answer (its context cancelled, so its database work fails) is
// answered 499 and logged at Info level, not counted and logged as a
// failure of ours (500, ERROR), on the REST API and the pages.
func TestClientGoneIs499(t *testing.T) {
	logs := &lockedBuffer{}
	h := newHarness(t, func(o *httpserver.Options) {
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.get("/login/") // the CSRF cookie
	form := url.Values{"email": {"jane@example.org"}, "password": {"correct horse"}, "csrf_token": {c.cookie("csrftoken")}}
	tests := []struct{ path, contentType, body string }{
		{"/api/login", "application/json", `{"email":"jane@example.org","password":"correct horse"}`},
		{"/api/register", "application/json", `{"email":"new@example.org","password":"a long passphrase"}`},
		{"/login/", "application/x-www-form-urlencoded", form.Encode()},
	}
	for _, tc := range tests {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the client has gone
		req := httptest.NewRequest("POST", h.ts.URL+tc.path, strings.NewReader(tc.body)).WithContext(ctx)
		req.Header.Set("Content-Type", tc.contentType)
		req.Header.Set("Origin", h.ts.URL)
		req.Header.Set("X-CSRFToken", c.cookie("csrftoken"))
		for _, ck := range c.jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		h.ts.Config.Handler.ServeHTTP(rec, req)
		if rec.Code != 499 {
			t.Errorf("POST %s with the client gone = %d %s, want 499", tc.path, rec.Code, rec.Body)
		}
	}
	h.srv.Wait()
	out := logs.String()
	if strings.Contains(out, "level=ERROR") || strings.Count(out, "client went away before the answer") != len(tests) {
		t.Errorf("logs:\n%s", out)
	}
}
