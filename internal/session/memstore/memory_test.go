package memstore

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
)

// maxBytesPerSession is the memory budget of one typical stored session.
const maxBytesPerSession = 1024

// fillTypical stores n typical sessions (logged in, with a CSRF token, made
// by a real Manager) in s.
func fillTypical(tb testing.TB, s *Store, n int) {
	tb.Helper()
	m, err := session.New(s, session.Options{Secret: []byte("a secret of at least 32 bytes...")})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	r := httptest.NewRequest("GET", "/", nil)
	for i := range n {
		sess, err := m.Load(r)
		if err != nil {
			tb.Fatal(err)
		}
		sess.Login(int64(100000 + i))
		sess.SetCSRFToken(fmt.Sprintf("%040x", i)) // Flask-WTF: 40 hex digits
		if err := m.Save(ctx, httptest.NewRecorder(), sess); err != nil {
			tb.Fatal(err)
		}
	}
}

// heapBytesPer returns the heap growth per session of storing n typical
// sessions in a new store.
func heapBytesPer(tb testing.TB, n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := New(Options{})
	defer s.Close()
	fillTypical(tb, s, n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s.Len() != n {
		tb.Fatalf("Len = %d, want %d", s.Len(), n)
	}
	runtime.KeepAlive(s)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

func TestMemoryPerSession(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 100,000 sessions")
	}
	per := heapBytesPer(t, 100_000)
	t.Logf("memstore: %.0f bytes per typical session (100,000 sessions)", per)
	if per > maxBytesPerSession {
		t.Errorf("%.0f bytes per session, want at most %d", per, maxBytesPerSession)
	}
}

// BenchmarkMemoryPerSession reports bytes/session for 100,000 sessions.
func BenchmarkMemoryPerSession(b *testing.B) {
	var per float64
	for b.Loop() {
		per = heapBytesPer(b, 100_000)
	}
	b.ReportMetric(per, "bytes/session")
}

func BenchmarkGet(b *testing.B) {
	s := New(Options{})
	defer s.Close()
	ctx := context.Background()
	s.Put(ctx, "k", make([]byte, 200), time.Hour)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Get(ctx, "k"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
