package httpserver

import (
	"crypto/rand"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Token pages (reset, confirm) must not leak their URL; no page needs
		// to send one.
		h.Set("Referrer-Policy", "no-referrer")
		if s.set.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		// Every answer may depend on the session or CSRF cookie, and many set
		// one or carry a token (reset link, redirects): none is stored by a
		// cache unless its handler says so (stylesheets, OpenAPI document).
		h.Set("Vary", "Cookie")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// trustedHosts answers 400 to a request whose Host is not in TRUSTED_HOSTS
// (when set): entries match the host without its port; an entry starting
// with "." matches that domain and its subdomains.
func (s *Server) trustedHosts(next http.Handler) http.Handler {
	if len(s.set.TrustedHosts) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostAllowed(s.set.TrustedHosts, r.Host) {
			s.opts.Logger.Warn("untrusted Host header", "host", truncate(r.Host, 100), "path", r.URL.Path)
			http.Error(w, "Bad Request: the Host header is not a trusted host.", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func hostAllowed(trusted []string, hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" {
		return false
	}
	for _, t := range trusted {
		t = strings.ToLower(t)
		if strings.HasPrefix(t, ".") {
			if host == t[1:] || strings.HasSuffix(host, t) {
				return true
			}
		} else if host == t {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog gives each request an id (X-Request-ID, echoed) and logs it
// once it is answered: method, path (never the query, which may hold a
// token), status, duration.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			id = rand.Text()[:16]
		}
		w.Header().Set("X-Request-ID", id)
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return
		}
		s.opts.Logger.Info("request", "request_id", id, "method", r.Method, "path", truncate(r.URL.Path, 200),
			"status", rec.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// recoverer turns a panic into a plain 500, logging the stack instead of
// sending it.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.opts.Logger.Error("panic serving request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
