package redislimit

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/ratelimit"
)

var benchLimits = []ratelimit.Limit{{Count: 100, Period: time.Minute}, {Count: 5000, Period: time.Hour}}

// BenchmarkAllow is one client at its limit, one attempt at a time: a round
// trip and a script run each.
func BenchmarkAllow(b *testing.B) {
	l := newTestLimiter(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := l.Allow(ctx, "client/security.login/192.0.2.1", benchLimits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllowParallel is many clients (10,000 keys) at once, mostly
// allowed.
func BenchmarkAllowParallel(b *testing.B) {
	l := newTestLimiter(b)
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = "client/security.login/" + strconv.Itoa(i)
	}
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for i := 0; pb.Next(); i++ {
			if _, err := l.Allow(ctx, keys[i%len(keys)], benchLimits); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
