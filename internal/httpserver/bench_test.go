package httpserver_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/invenio-go/accounts/internal/session/memstore"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

// BenchmarkAPIMe measures an authenticated GET /api/me through the whole
// handler chain (no network): the per-request work of the service's
// commonest call, with its allocations. The bench/ suite measures it over
// HTTP against its peers.
func BenchmarkAPIMe(b *testing.B) {
	h := newHarnessOn(b, sqlstore.SQLite, filepath.Join(b.TempDir(), "bench.db"), memstore.New(memstore.Options{}))
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	if r := c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"}); r.status != 200 {
		b.Fatalf("login: %d %s", r.status, r.body)
	}
	session := c.cookie("session")
	srv := h.ts.Config.Handler
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", h.ts.URL+"/api/me", nil)
		req.AddCookie(&http.Cookie{Name: "session", Value: session})
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("GET /api/me: %d %s", rec.Code, rec.Body)
		}
	}
}
