package telemetry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Unmatched is the route label of a request no route pattern matched
// (see Middleware).
const Unmatched = "unmatched"

// requestKey identifies the series of one request.
type requestKey struct {
	route, method string
	code          int
}

// requestObservers are the resolved series of one requestKey, so that a
// request after the first one of its kind costs a map lookup and two
// atomic updates, without building label values.
type requestObservers struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// ObserveRequest records one answered request: route is the pattern it
// matched as registered, such as "GET /api/sessions/{id}" (never the raw
// path, so that the number of series stays bounded), method the request's
// method (methods outside RFC 9110's set are recorded as "other", as the
// client chooses them), status the code sent, d the time taken.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	o := m.observers(requestKey{route: route, method: knownMethod(method), code: status})
	o.count.Inc()
	o.duration.Observe(d.Seconds())
}

// observers returns the cached series of k, resolving them the first time.
func (m *Metrics) observers(k requestKey) *requestObservers {
	if v, ok := m.reqCache.Load(k); ok {
		return v.(*requestObservers)
	}
	o := &requestObservers{
		count:    m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.code)),
		duration: m.duration.WithLabelValues(k.route, k.method),
	}
	v, _ := m.reqCache.LoadOrStore(k, o)
	return v.(*requestObservers)
}

// knownMethod returns method when it is one of RFC 9110's, else "other".
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return other
}

// Middleware wraps next so that each request it answers is recorded by
// ObserveRequest with the given route label, the request's method, the
// status next wrote (200 when it wrote none; 500 when it panicked before
// writing one) and the time it took.
//
// With route "", the label is the pattern http.ServeMux matched
// (Request.Pattern, set when next is the mux), or Unmatched.
// On a nil *Metrics, Middleware returns next.
func (m *Metrics) Middleware(route string, next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		returned := false
		// Deferred without recover, so that a panic keeps its stack for
		// the server's own recovery while the request is still counted.
		defer func() {
			code := sw.status
			if code == 0 {
				code = http.StatusOK
				if !returned {
					code = http.StatusInternalServerError
				}
			}
			label := route
			if label == "" {
				label = r.Pattern
				if label == "" {
					label = Unmatched
				}
			}
			m.ObserveRequest(label, r.Method, code, time.Since(start))
		}()
		next.ServeHTTP(sw, r)
		returned = true
	})
}

// statusWriter remembers the final status a handler wrote. It implements
// http.Flusher and Unwrap, so that streaming and http.ResponseController
// (Hijack, deadlines, full-duplex) reach the writer it wraps.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader implements http.ResponseWriter. Informational codes (1xx,
// except 101 Switching Protocols) are not the final status and are not
// recorded.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher; it does nothing when the wrapped writers
// cannot flush.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
