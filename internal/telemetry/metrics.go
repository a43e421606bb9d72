// Package telemetry provides the service's Prometheus metrics: HTTP requests
// and latency by route and status, logins by outcome, job runs, email
// events, and gauges read at scrape time (active sessions, hash-pool
// saturation, email queue depth), served by Handler from a registry of its
// own, together with the Go runtime and process collectors.
//
// Every method is safe on a nil *Metrics and then does nothing, so that
// wiring metrics is optional for the packages that report to it.
//
// It imports the standard library and github.com/prometheus/client_golang;
// no other package of this module, so that any of them may report to it.
package telemetry

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// namespace prefixes every metric name of the service.
const namespace = "accounts"

// DefaultCacheTTL is how long the values of the database-backed gauges
// (active sessions, email queue depth) are reused between scrapes.
const DefaultCacheTTL = 15 * time.Second

// Options configure Metrics. The zero value is usable.
type Options struct {
	// HashPoolCapacity is how many password hashes may run at once
	// (accounts_hash_pool_capacity); 0 leaves that gauge out.
	HashPoolCapacity int
	// CacheTTL is how long the values of OnActiveSessions and OnMailQueue
	// are reused, so that scrapes cannot hammer the database
	// (DefaultCacheTTL when 0; negative: read on every scrape).
	CacheTTL time.Duration
	// Now is the clock of the gauge cache (time.Now when nil).
	Now func() time.Time
	// Logger receives failing callbacks and scrape errors (discarded when
	// nil).
	Logger *slog.Logger
}

// Metrics holds the service's metrics and the registry serving them.
// Create it with New; a nil *Metrics is valid and records nothing.
type Metrics struct {
	reg  *prometheus.Registry
	opts Options

	requests *prometheus.CounterVec   // accounts_http_requests_total
	duration *prometheus.HistogramVec // accounts_http_request_duration_seconds
	reqCache sync.Map                 // requestKey -> *requestObservers

	logins      map[string]prometheus.Counter // by outcome, read-only after New
	twoFactor   map[string]prometheus.Counter // by outcome, read-only after New
	mail        map[string]prometheus.Counter // by event, read-only after New
	jobRuns     *prometheus.CounterVec
	jobRows     *prometheus.CounterVec
	jobDuration *prometheus.HistogramVec

	gauges *gauges
}

// New returns Metrics registered in a registry of their own (never the
// global default one), with the Go runtime and process collectors.
func New(opts Options) *Metrics {
	if opts.CacheTTL == 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry(), opts: opts}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.newHTTP()
	m.newEvents()
	m.gauges = newGauges(opts)
	m.reg.MustRegister(m.gauges)
	return m
}

// newHTTP creates the request metrics.
func (m *Metrics) newHTTP() {
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help: "Time to answer HTTP requests, by route pattern and method.",
		// 0.5 ms (a cached page) to 2 s (a login queued behind a saturated
		// hash pool); a PBKDF2 verification is 10 to 80 ms.
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2},
	}, []string{"route", "method"})
	m.reg.MustRegister(m.requests, m.duration)
}

// Handler returns the handler serving the registry in the Prometheus
// exposition formats. A failing collector is logged and left out of the
// answer, which stays 200; its error is never shown to the scraper.
// On a nil *Metrics it answers 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return newHandler(m.reg, m.opts.Logger)
}
