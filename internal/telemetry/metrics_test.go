package telemetry

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/invenio-go/accounts/internal/testenv"
)

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTest returns Metrics on a fake clock, logging into the returned buffer.
func newTest(t *testing.T, opts Options) (*Metrics, *testenv.Clock, *logBuffer) {
	t.Helper()
	c := testenv.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	logs := &logBuffer{}
	opts.Now = c.Now
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	return New(opts), c, logs
}

// scrape GETs the metrics handler and parses the text format.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: status %d, body %q", rec.Code, rec.Body.String())
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	return fams
}

// sample returns the value of the series of name with exactly the given
// labels (a histogram's sample count), and whether it exists.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if !cmp.Equal(got, labels, cmpopts.EquateEmpty()) {
			continue
		}
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue(), true
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue(), true
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func TestFamilies(t *testing.T) {
	m, _, _ := newTest(t, Options{HashPoolCapacity: 8})
	m.ObserveRequest("GET /api/sessions/{id}", "GET", 200, 3*time.Millisecond)
	m.ObserveRequest("GET /api/sessions/{id}", "GET", 200, 4*time.Millisecond)
	m.ObserveRequest("GET /api/sessions/{id}", "GET", 404, time.Millisecond)
	m.Login(LoginSuccess)
	m.Login(LoginRateLimited)
	m.Login(LoginRateLimited)
	m.Login("something new")
	m.Login(LoginTwoFactor)
	m.TwoFactor(TwoFactorFailed)
	m.TwoFactor(TwoFactorFailed)
	m.TwoFactor(TwoFactorPassed)
	m.TwoFactor("unheard of")
	m.JobRun("clean-sessions", 120, 2*time.Second, nil)
	m.JobRun("clean-sessions", 30, time.Second, errors.New("db down"))
	m.Mail(MailQueued)
	m.Mail(MailDead)
	m.OnActiveSessions(func() (float64, error) { return 42, nil })
	m.OnHashPool(func() (int, int) { return 3, 1 })
	m.OnMailQueue(func() (float64, float64, error) { return 5, 2, nil })
	fams := scrape(t, m)

	type l = map[string]string
	tests := []struct {
		name   string
		typ    dto.MetricType
		labels l
		want   float64
	}{
		{"accounts_http_requests_total", dto.MetricType_COUNTER, l{"route": "GET /api/sessions/{id}", "method": "GET", "code": "200"}, 2},
		{"accounts_http_requests_total", dto.MetricType_COUNTER, l{"route": "GET /api/sessions/{id}", "method": "GET", "code": "404"}, 1},
		{"accounts_http_request_duration_seconds", dto.MetricType_HISTOGRAM, l{"route": "GET /api/sessions/{id}", "method": "GET"}, 3},
		{"accounts_logins_total", dto.MetricType_COUNTER, l{"outcome": "success"}, 1},
		{"accounts_logins_total", dto.MetricType_COUNTER, l{"outcome": "rate_limited"}, 2},
		{"accounts_logins_total", dto.MetricType_COUNTER, l{"outcome": "busy"}, 0},
		{"accounts_logins_total", dto.MetricType_COUNTER, l{"outcome": "other"}, 1},
		{"accounts_logins_total", dto.MetricType_COUNTER, l{"outcome": "two_factor"}, 1},
		{"accounts_two_factor_total", dto.MetricType_COUNTER, l{"outcome": "failed"}, 2},
		{"accounts_two_factor_total", dto.MetricType_COUNTER, l{"outcome": "passed"}, 1},
		{"accounts_two_factor_total", dto.MetricType_COUNTER, l{"outcome": "recovery_code"}, 0},
		{"accounts_two_factor_total", dto.MetricType_COUNTER, l{"outcome": "rate_limited"}, 0},
		{"accounts_two_factor_total", dto.MetricType_COUNTER, l{"outcome": "other"}, 1},
		{"accounts_job_runs_total", dto.MetricType_COUNTER, l{"job": "clean-sessions", "result": "ok"}, 1},
		{"accounts_job_runs_total", dto.MetricType_COUNTER, l{"job": "clean-sessions", "result": "error"}, 1},
		{"accounts_job_rows_total", dto.MetricType_COUNTER, l{"job": "clean-sessions"}, 150},
		{"accounts_job_duration_seconds", dto.MetricType_HISTOGRAM, l{"job": "clean-sessions"}, 2},
		{"accounts_mail_total", dto.MetricType_COUNTER, l{"event": "queued"}, 1},
		{"accounts_mail_total", dto.MetricType_COUNTER, l{"event": "dead"}, 1},
		{"accounts_mail_total", dto.MetricType_COUNTER, l{"event": "sent"}, 0},
		{"accounts_sessions_active", dto.MetricType_GAUGE, nil, 42},
		{"accounts_hash_pool_running", dto.MetricType_GAUGE, nil, 3},
		{"accounts_hash_pool_waiting", dto.MetricType_GAUGE, nil, 1},
		{"accounts_hash_pool_capacity", dto.MetricType_GAUGE, nil, 8},
		{"accounts_mail_queue_depth", dto.MetricType_GAUGE, l{"state": "queued"}, 5},
		{"accounts_mail_queue_depth", dto.MetricType_GAUGE, l{"state": "dead"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name+labelString(tt.labels), func(t *testing.T) {
			f := fams[tt.name]
			if f == nil {
				t.Fatalf("no family %s", tt.name)
			}
			if f.GetType() != tt.typ {
				t.Errorf("type %v, want %v", f.GetType(), tt.typ)
			}
			got, ok := sample(fams, tt.name, tt.labels)
			if !ok {
				t.Fatalf("no series %s%s", tt.name, labelString(tt.labels))
			}
			if got != tt.want {
				t.Errorf("value %v, want %v", got, tt.want)
			}
		})
	}
}

func labelString(l map[string]string) string {
	if len(l) == 0 {
		return ""
	}
	var parts []string
	for _, k := range []string{"route", "method", "code", "outcome", "job", "result", "event", "state"} {
		if v, ok := l[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestRuntimeCollectors(t *testing.T) {
	m, _, _ := newTest(t, Options{})
	fams := scrape(t, m)
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total",
		"process_resident_memory_bytes", "promhttp_metric_handler_requests_total"} {
		if fams[name] == nil {
			t.Errorf("no family %s", name)
		}
	}
	// Unset callbacks and a zero capacity leave their gauges out.
	for _, name := range []string{"accounts_sessions_active", "accounts_hash_pool_capacity", "accounts_mail_queue_depth"} {
		if fams[name] != nil {
			t.Errorf("family %s without a source", name)
		}
	}
}

// TestOwnRegistry checks that each Metrics has its own registry: a second
// New would panic on a duplicate registration in a shared one.
func TestOwnRegistry(t *testing.T) {
	a, _, _ := newTest(t, Options{})
	b, _, _ := newTest(t, Options{})
	a.Login(LoginSuccess)
	if v, _ := sample(scrape(t, b), "accounts_logins_total", map[string]string{"outcome": "success"}); v != 0 {
		t.Errorf("b counted a's login: %v", v)
	}
}

func TestNil(t *testing.T) {
	var m *Metrics
	m.ObserveRequest("GET /", "GET", 200, time.Millisecond)
	m.Login(LoginSuccess)
	m.JobRun("delete-ips", 1, time.Second, nil)
	m.Mail(MailSent)
	m.OnActiveSessions(func() (float64, error) { return 1, nil })
	m.OnHashPool(func() (int, int) { return 1, 1 })
	m.OnMailQueue(func() (float64, float64, error) { return 1, 1, nil })

	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	rec := httptest.NewRecorder()
	m.Middleware("GET /", next).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusTeapot {
		t.Errorf("middleware on nil: status %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("handler on nil: status %d, want 404", rec.Code)
	}
}
