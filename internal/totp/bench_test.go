package totp

import (
	"testing"
	"time"
)

// BenchmarkMatch measures checking a code: three HMAC-SHA1 over one
// decoded secret, whether the code matches or not.
func BenchmarkMatch(b *testing.B) {
	now := time.Unix(1111111111, 0)
	tests := []struct{ name, code string }{
		{"right", "050471"},
		{"wrong", "123456"},
	}
	for _, tc := range tests {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := Match(rfcSecret, tc.code, now); ok != (tc.name == "right") {
					b.Fatal(ok)
				}
			}
		})
	}
}

// BenchmarkSealerOpen measures opening a sealed secret, which every
// second-factor check does before Match.
func BenchmarkSealerOpen(b *testing.B) {
	s := newTestSealer(b, "CHANGE_ME")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(pySealed); err != nil {
			b.Fatal(err)
		}
	}
}
