package telemetry

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestActiveSessionsCached(t *testing.T) {
	m, clk, _ := newTest(t, Options{CacheTTL: 15 * time.Second})
	var calls atomic.Int64
	m.OnActiveSessions(func() (float64, error) { return float64(100 + calls.Add(1)), nil })

	steps := []struct {
		advance   time.Duration
		wantCalls int64
		wantValue float64
	}{
		{0, 1, 101},
		{5 * time.Second, 1, 101}, // within the TTL: cached
		{9 * time.Second, 1, 101}, // 14 s after the read
		{time.Second, 2, 102},     // 15 s: read again
		{time.Second, 2, 102},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		v, ok := sample(scrape(t, m), "accounts_sessions_active", nil)
		if !ok || v != s.wantValue {
			t.Errorf("step %d: sessions = %v (exists %v), want %v", i, v, ok, s.wantValue)
		}
		if n := calls.Load(); n != s.wantCalls {
			t.Errorf("step %d: %d callback calls, want %d", i, n, s.wantCalls)
		}
	}
}

func TestHashPoolNotCached(t *testing.T) {
	m, _, _ := newTest(t, Options{HashPoolCapacity: 4})
	var running atomic.Int64
	m.OnHashPool(func() (int, int) { return int(running.Add(1)), 0 })
	for want := 1.0; want <= 2; want++ {
		if v, _ := sample(scrape(t, m), "accounts_hash_pool_running", nil); v != want {
			t.Errorf("running = %v, want %v", v, want)
		}
	}
}

// TestFailingCallback checks that a failing or panicking callback leaves
// the scrape 200 with every other metric, reports no sample for its own
// gauge, and is logged once per failed call.
func TestFailingCallback(t *testing.T) {
	ok := map[string]func(m *Metrics){
		"accounts_sessions_active":   func(m *Metrics) { m.OnActiveSessions(func() (float64, error) { return 7, nil }) },
		"accounts_hash_pool_running": func(m *Metrics) { m.OnHashPool(func() (int, int) { return 1, 0 }) },
		"accounts_mail_queue_depth": func(m *Metrics) {
			m.OnMailQueue(func() (float64, float64, error) { return 1, 0, nil })
		},
	}
	tests := []struct {
		name   string
		family string // the gauge that fails
		set    func(m *Metrics)
	}{
		{"sessions error", "accounts_sessions_active", func(m *Metrics) {
			m.OnActiveSessions(func() (float64, error) { return 0, errors.New("database is down") })
		}},
		{"sessions panic", "accounts_sessions_active", func(m *Metrics) {
			m.OnActiveSessions(func() (float64, error) { panic("nil store") })
		}},
		{"hash pool panic", "accounts_hash_pool_running", func(m *Metrics) {
			m.OnHashPool(func() (int, int) { panic("nil service") })
		}},
		{"mail queue error", "accounts_mail_queue_depth", func(m *Metrics) {
			m.OnMailQueue(func() (float64, float64, error) { return 0, 0, errors.New("database is down") })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, logs := newTest(t, Options{})
			for fam, set := range ok {
				if fam != tt.family {
					set(m)
				}
			}
			tt.set(m)
			m.Login(LoginSuccess)
			fams := scrape(t, m) // fails the test unless 200
			scrape(t, m)         // within the TTL: the failure is reused, not logged again
			if fams[tt.family] != nil {
				t.Errorf("failing %s has samples", tt.family)
			}
			for fam := range ok {
				if fam != tt.family && fams[fam] == nil {
					t.Errorf("no %s beside the failing callback", fam)
				}
			}
			for _, fam := range []string{"accounts_logins_total", "go_goroutines"} {
				if fams[fam] == nil {
					t.Errorf("no %s beside the failing callback", fam)
				}
			}
			if n := strings.Count(logs.String(), "metrics callback failed"); n != wantLogs(tt.family) {
				t.Errorf("%d log lines, want %d:\n%s", n, wantLogs(tt.family), logs)
			}
		})
	}
}

// wantLogs is how many failures two scrapes log: cached gauges call their
// callback once, the hash pool's is called on each scrape.
func wantLogs(family string) int {
	if family == "accounts_hash_pool_running" {
		return 2
	}
	return 1
}

// TestCallbackRecovers checks that a gauge reports again once its
// callback stops failing and the cached failure expires.
func TestCallbackRecovers(t *testing.T) {
	m, clk, _ := newTest(t, Options{})
	var fail atomic.Bool
	fail.Store(true)
	m.OnMailQueue(func() (float64, float64, error) {
		if fail.Load() {
			return 0, 0, errors.New("database is down")
		}
		return 3, 1, nil
	})
	if fams := scrape(t, m); fams["accounts_mail_queue_depth"] != nil {
		t.Fatal("samples from a failing callback")
	}
	fail.Store(false)
	clk.Advance(DefaultCacheTTL)
	fams := scrape(t, m)
	for state, want := range map[string]float64{"queued": 3, "dead": 1} {
		if v, _ := sample(fams, "accounts_mail_queue_depth", map[string]string{"state": state}); v != want {
			t.Errorf("mail queue %s = %v, want %v", state, v, want)
		}
	}
}
