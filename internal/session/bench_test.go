package session_test

import (
	"net/http"
	"testing"

	"github.com/invenio-go/accounts/internal/session"
)

// BenchmarkLoadAuthenticated measures Manager.Load of a logged-in session:
// cookie check, one record read and one generation read.
func BenchmarkLoadAuthenticated(b *testing.B) {
	stores := map[string]func(b *testing.B) session.Store{
		"memstore":   func(b *testing.B) session.Store { return memStoreFor(b) },
		"redisstore": func(b *testing.B) session.Store { return newRedisStore(b) },
	}
	for _, name := range []string{"memstore", "redisstore"} {
		b.Run(name, func(b *testing.B) {
			m, err := session.New(stores[name](b), session.Options{Secret: testSecret})
			if err != nil {
				b.Fatal(err)
			}
			value := loginCookie(b, m)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := request("")
				r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: value})
				for pb.Next() {
					s, err := m.Load(r)
					if err != nil || s.UserID() != 1 {
						b.Fatalf("Load = user %d, %v", s.UserID(), err)
					}
				}
			})
		})
	}
}
