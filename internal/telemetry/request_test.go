package telemetry

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestMiddleware(t *testing.T) {
	tests := []struct {
		name    string
		route   string
		method  string
		handler http.HandlerFunc
		want    map[string]string // labels of the one series recorded
	}{
		{"writes nothing", "GET /healthz", "GET",
			func(w http.ResponseWriter, r *http.Request) {},
			map[string]string{"route": "GET /healthz", "method": "GET", "code": "200"}},
		{"writes a body", "GET /healthz", "GET",
			func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) },
			map[string]string{"route": "GET /healthz", "method": "GET", "code": "200"}},
		{"writes a status", "DELETE /api/sessions/{id}", "DELETE",
			func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) },
			map[string]string{"route": "DELETE /api/sessions/{id}", "method": "DELETE", "code": "404"}},
		{"second status ignored", "POST /login/{$}", "POST",
			func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusSeeOther)
				w.WriteHeader(http.StatusOK) // superfluous, net/http ignores it too
			},
			map[string]string{"route": "POST /login/{$}", "method": "POST", "code": "303"}},
		{"informational then final", "POST /api/login", "POST",
			func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusEarlyHints)
				w.WriteHeader(http.StatusCreated)
			},
			map[string]string{"route": "POST /api/login", "method": "POST", "code": "201"}},
		{"panics", "GET /api/me", "GET",
			func(w http.ResponseWriter, r *http.Request) { panic("boom") },
			map[string]string{"route": "GET /api/me", "method": "GET", "code": "500"}},
		{"unknown method", "GET /api/me", "BREW",
			func(w http.ResponseWriter, r *http.Request) {},
			map[string]string{"route": "GET /api/me", "method": "other", "code": "200"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, _ := newTest(t, Options{})
			h := m.Middleware(tt.route, tt.handler)
			func() {
				defer func() { _ = recover() }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, "/raw/path/123", nil))
			}()
			fams := scrape(t, m)
			if n := len(fams["accounts_http_requests_total"].GetMetric()); n != 1 {
				t.Fatalf("%d request series, want 1", n)
			}
			if v, ok := sample(fams, "accounts_http_requests_total", tt.want); !ok || v != 1 {
				t.Errorf("requests%s = %v (exists %v), want 1", labelString(tt.want), v, ok)
			}
			delete(tt.want, "code")
			if v, ok := sample(fams, "accounts_http_request_duration_seconds", tt.want); !ok || v != 1 {
				t.Errorf("duration%s count = %v (exists %v), want 1", labelString(tt.want), v, ok)
			}
		})
	}
}

// TestMiddlewarePattern checks the empty route: the label is the pattern
// the mux matched, never the raw path.
func TestMiddlewarePattern(t *testing.T) {
	m, _, _ := newTest(t, Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("DELETE /api/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	h := m.Middleware("", mux)
	for _, target := range []string{"/api/sessions/abc", "/api/sessions/def", "/nowhere"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("DELETE", target, nil))
	}
	fams := scrape(t, m)
	for _, want := range []map[string]string{
		{"route": "DELETE /api/sessions/{id}", "method": "DELETE", "code": "204"},
		{"route": Unmatched, "method": "DELETE", "code": "404"},
	} {
		if _, ok := sample(fams, "accounts_http_requests_total", want); !ok {
			t.Errorf("no series requests%s", labelString(want))
		}
	}
	if n := len(fams["accounts_http_requests_total"].GetMetric()); n != 2 {
		t.Errorf("%d request series, want 2", n)
	}
}

// TestMiddlewareWriter checks that the wrapper keeps http.Flusher and,
// through Unwrap, http.ResponseController working on a real connection.
func TestMiddlewareWriter(t *testing.T) {
	m, _, _ := newTest(t, Options{})
	errs := make(chan error, 2)
	srv := httptest.NewServer(m.Middleware("GET /stream", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(http.Flusher); !ok {
			t.Error("wrapped writer is not an http.Flusher")
		}
		w.Write([]byte("part"))
		w.(http.Flusher).Flush()
		rc := http.NewResponseController(w)
		errs <- rc.SetWriteDeadline(time.Now().Add(time.Minute))
		errs <- rc.Flush()
	})))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("ResponseController through the wrapper: %v", err)
		}
	}
	// The client can read the flushed answer before the middleware, once
	// the handler returns, counts the request: wait for it a moment.
	want := map[string]string{"route": "GET /stream", "method": "GET", "code": "200"}
	var v float64
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if v, _ = sample(scrape(t, m), "accounts_http_requests_total", want); v == 1 || time.Now().After(deadline) {
			break
		}
	}
	if v != 1 {
		t.Errorf("requests%s = %v, want 1", labelString(want), v)
	}
}

func BenchmarkObserveRequest(b *testing.B) {
	m := New(Options{})
	m.ObserveRequest("GET /api/sessions/{id}", "GET", 200, time.Millisecond)
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("GET /api/sessions/{id}", "GET", 200, time.Millisecond)
	}
}

func BenchmarkObserveRequestParallel(b *testing.B) {
	m := New(Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest("GET /api/sessions/{id}", "GET", 200, time.Millisecond)
		}
	})
}

func BenchmarkMiddleware(b *testing.B) {
	m := New(Options{})
	h := m.Middleware("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	w, r := httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
