package telemetry

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// OnActiveSessions sets the callback giving accounts_sessions_active, the
// number of live sessions (rows of accounts_user_session_activity). Its
// value, or its failure, is reused for Options.CacheTTL. A failing
// callback is logged and the gauge has no sample in that scrape.
func (m *Metrics) OnActiveSessions(fn func() (float64, error)) {
	if m == nil {
		return
	}
	m.gauges.sessions.set(fn)
}

// OnHashPool sets the callback giving accounts_hash_pool_running and
// accounts_hash_pool_waiting: the password hashes running and the requests
// waiting for a slot (accounts.Service.Saturation). It is read on every
// scrape, so it must be cheap.
func (m *Metrics) OnHashPool(fn func() (running, waiting int)) {
	if m == nil {
		return
	}
	m.gauges.hashPool.set(func() ([2]float64, error) {
		running, waiting := fn()
		return [2]float64{float64(running), float64(waiting)}, nil
	})
}

// OnMailQueue sets the callback giving accounts_mail_queue_depth by state
// (queued, dead): the messages waiting to be sent and the dead letters.
// Like OnActiveSessions, its result is reused for Options.CacheTTL, and a
// failure is logged and leaves the gauge without samples.
func (m *Metrics) OnMailQueue(fn func() (queued, dead float64, err error)) {
	if m == nil {
		return
	}
	m.gauges.mailQueue.set(func() ([2]float64, error) {
		queued, dead, err := fn()
		return [2]float64{queued, dead}, err
	})
}

// gauges is the collector of the values read through callbacks at scrape
// time.
type gauges struct {
	sessions  cached[float64]
	hashPool  cached[[2]float64]
	mailQueue cached[[2]float64]
	capacity  int

	sessionsDesc, runningDesc, waitingDesc, capacityDesc, mailDesc *prometheus.Desc
}

var _ prometheus.Collector = (*gauges)(nil)

// newGauges returns the collector, with no callbacks set.
func newGauges(opts Options) *gauges {
	name := func(n string) string { return prometheus.BuildFQName(namespace, "", n) }
	g := &gauges{
		capacity: opts.HashPoolCapacity,
		sessionsDesc: prometheus.NewDesc(name("sessions_active"),
			"Live sessions (rows of accounts_user_session_activity), read at most once per cache period.", nil, nil),
		runningDesc: prometheus.NewDesc(name("hash_pool_running"),
			"Password hashes running now.", nil, nil),
		waitingDesc: prometheus.NewDesc(name("hash_pool_waiting"),
			"Requests waiting for a password hashing slot.", nil, nil),
		capacityDesc: prometheus.NewDesc(name("hash_pool_capacity"),
			"Password hashes that may run at once.", nil, nil),
		mailDesc: prometheus.NewDesc(name("mail_queue_depth"),
			"Email queue messages by state (queued, dead), read at most once per cache period.", []string{"state"}, nil),
	}
	base := func(name string, ttl time.Duration) cachedBase {
		return cachedBase{name: name, ttl: ttl, now: opts.Now, log: opts.Logger}
	}
	g.sessions.cachedBase = base("accounts_sessions_active", opts.CacheTTL)
	g.mailQueue.cachedBase = base("accounts_mail_queue_depth", opts.CacheTTL)
	// The pool's state is cheap to read and only useful when current.
	g.hashPool.cachedBase = base("accounts_hash_pool", -1)
	return g
}

// Describe implements prometheus.Collector.
func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{g.sessionsDesc, g.runningDesc, g.waitingDesc, g.capacityDesc, g.mailDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. A gauge whose callback is unset
// or failed has no sample.
func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if v, ok := g.sessions.get(); ok {
		gauge(g.sessionsDesc, v)
	}
	if v, ok := g.hashPool.get(); ok {
		gauge(g.runningDesc, v[0])
		gauge(g.waitingDesc, v[1])
	}
	if g.capacity > 0 {
		gauge(g.capacityDesc, float64(g.capacity))
	}
	if v, ok := g.mailQueue.get(); ok {
		gauge(g.mailDesc, v[0], "queued")
		gauge(g.mailDesc, v[1], "dead")
	}
}

// cachedBase is the part of cached that does not depend on the value type.
type cachedBase struct {
	name string        // metric named in log lines
	ttl  time.Duration // negative: read on every call
	now  func() time.Time
	log  *slog.Logger
}

// cached is a value read through a callback and reused for ttl. Its mutex
// is held while the callback runs, so that concurrent scrapes after expiry
// call it once.
type cached[T any] struct {
	cachedBase
	mu   sync.Mutex
	fn   func() (T, error)
	read bool      // val and err hold a result
	at   time.Time // when they were read
	val  T
	err  error
}

// set replaces the callback and forgets the value read through the old one.
func (c *cached[T]) set(fn func() (T, error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fn, c.read = fn, false
}

// get returns the value, calling the callback when there is none younger
// than ttl. ok is false when no callback is set or it failed; a failure is
// logged once, when the callback returns it, and reused like a value.
func (c *cached[T]) get() (val T, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fn == nil {
		return val, false
	}
	now := c.now()
	if !c.read || c.ttl < 0 || now.Sub(c.at) >= c.ttl {
		c.val, c.err = call(c.fn)
		c.read, c.at = true, now
		if c.err != nil {
			c.log.Error("metrics callback failed", "metric", c.name, "error", c.err)
		}
	}
	return c.val, c.err == nil
}

// call runs fn, turning a panic into an error so that one broken callback
// cannot break the scrape.
func call[T any](fn func() (T, error)) (val T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("callback panicked: %v", p)
		}
	}()
	return fn()
}
