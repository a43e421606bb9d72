package token

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// signedAt is the fixed signing time of serializerVectors.
var signedAt = time.Unix(1795476105, 0)

// serializerVectors were made with itsdangerous 2.2.0:
// URLSafeTimedSerializer(secret, salt=salt) with a TimestampSigner whose
// get_timestamp returns 1795476105.
var serializerVectors = []struct {
	secret, salt string
	payload      any
	token        string
	compressed   bool
}{
	{"CHANGE_ME", "confirm-salt", []any{"1", "$5$rounds=535000$abc$def"},
		"WyIxIiwiJDUkcm91bmRzPTUzNTAwMCRhYmMkZGVmIl0.awTKiQ.ZdlaIOUTyGRe-CSwzOR4qQclOzU", false},
	{"CHANGE_ME", "reset-salt", []any{"42", nil},
		"WyI0MiIsbnVsbF0.awTKiQ.BxTOPJGVE3LGQ7m4hr18Zs8UUwA", false},
	{"k0.123", "confirm-salt", []any{"7", "a\x7f\b\f\u2028é😀<>&\"\\\n\x01"},
		"WyI3IiwiYX9cYlxm4oCow6nwn5iAPD4mXCJcXFxuXHUwMDAxIl0.awTKiQ.qVlayZAFDIX3WyC_dA7rmkhyqsQ", false},
	{"CHANGE_ME", "confirm-salt", []any{strings.Repeat("x", 200)},
		".eJyLVqoYJkApFgDwcl69.awTKiQ.nZiNGz0EYvdZJeOmbTYyRnFnje0", true},
}

func TestSerializerVectors(t *testing.T) {
	for i, v := range serializerVectors {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			s := NewTimedSerializer([]byte(v.secret), v.salt)
			var got any
			issued, err := s.Loads(v.token, 30*time.Minute, signedAt.Add(time.Minute), &got)
			if err != nil || !issued.Equal(signedAt) {
				t.Fatalf("Loads = %v, %v; want %v, nil", issued, err, signedAt)
			}
			if diff := cmp.Diff(v.payload, got); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
			tok, err := s.DumpsAt(v.payload, signedAt)
			if err != nil {
				t.Fatal(err)
			}
			// Go's zlib output differs from Python's: compare only the
			// uncompressed tokens byte for byte.
			if !v.compressed && tok != v.token {
				t.Errorf("DumpsAt = %q, want %q", tok, v.token)
			}
			if v.compressed && !strings.HasPrefix(tok, ".") {
				t.Errorf("DumpsAt = %q, want a compressed payload", tok)
			}
		})
	}
}

// TestCompatTokens checks the Flask-Security tokens of compat.json: they
// verify and decode to [user id, sha256_crypt hash].
func TestCompatTokens(t *testing.T) {
	for _, v := range loadCompat(t).Tokens {
		s := NewTimedSerializer([]byte(v.SecretKey), v.Salt)
		var payload []string
		issued, err := s.Loads(v.Token, 0, time.Now(), &payload)
		if err != nil {
			t.Errorf("Loads(%s, %s) = %v", v.Salt, v.Token, err)
			continue
		}
		if issued.Before(time.Unix(1.7e9, 0)) {
			t.Errorf("issued = %v", issued)
		}
		if len(payload) != 2 {
			t.Fatalf("payload = %q, want [user id, hash]", payload)
		}
		if _, err := strconv.ParseInt(payload[0], 10, 64); err != nil {
			t.Errorf("user id %q: %v", payload[0], err)
		}
		if !strings.HasPrefix(payload[1], "$5$rounds=535000$") {
			t.Errorf("hash %q is not sha256_crypt", payload[1])
		}
		var other []string
		_, err = NewTimedSerializer([]byte(v.SecretKey), "other-salt").Loads(v.Token, 0, time.Now(), &other)
		if !errors.Is(err, ErrBadSignature) {
			t.Errorf("Loads with another salt = %v, want ErrBadSignature", err)
		}
	}
}

func TestLoadsAge(t *testing.T) {
	s := NewTimedSerializer([]byte("key"), "confirm-salt")
	tok, err := s.DumpsAt([]string{"5", "h"}, signedAt)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		maxAge time.Duration
		now    time.Time
		want   error
	}{
		{"no age check", 0, signedAt.Add(1000 * time.Hour), nil},
		{"fresh", 30 * time.Minute, signedAt, nil},
		{"at the limit", 30 * time.Minute, signedAt.Add(30 * time.Minute), nil},
		{"one second late", 30 * time.Minute, signedAt.Add(30*time.Minute + time.Second), ErrExpired},
		{"future", 30 * time.Minute, signedAt.Add(-time.Second), ErrExpired},
		{"far future clock", time.Hour, time.Unix(1<<62, 0), ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			issued, err := s.Loads(tok, tt.maxAge, tt.now, &got)
			if !errors.Is(err, tt.want) && err != tt.want {
				t.Fatalf("Loads = %v, want %v", err, tt.want)
			}
			// The payload and time come back even when expired.
			if !issued.Equal(signedAt) || !cmp.Equal(got, []string{"5", "h"}) {
				t.Errorf("Loads = %v, %q", issued, got)
			}
		})
	}
}

func TestLoadsRejects(t *testing.T) {
	s := NewTimedSerializer([]byte("key"), "reset-salt")
	signer := NewSigner([]byte("key"), "reset-salt")
	tests := []struct {
		name, tok string
		want      error
	}{
		{"empty", "", ErrMalformed},
		{"garbage", "not a token", ErrMalformed},
		{"unsigned", "WyI0MiIsbnVsbF0.awTKiQ", ErrMalformed},
		{"wrong signature", "WyI0MiIsbnVsbF0.awTKiQ.ZdlaIOUTyGRe-CSwzOR4qQclOzU", ErrBadSignature},
		{"no timestamp", signer.Sign("WyI0MiIsbnVsbF0"), ErrMalformed},
		{"bad timestamp", signer.Sign("WyI0MiIsbnVsbF0.!!"), ErrMalformed},
		{"timestamp too long", signer.Sign("WyI0MiIsbnVsbF0.AAAAAAAAAAAA"), ErrMalformed},
		{"bad base64 payload", signer.Sign("W$.awTKiQ"), ErrMalformed},
		{"not json", signer.Sign("bm9wZQ.awTKiQ"), ErrMalformed},
		{"wrong json type", signer.Sign("eyJhIjoxfQ.awTKiQ"), ErrMalformed},
		{"bad zlib", signer.Sign(".bm9wZQ.awTKiQ"), ErrMalformed},
		{"huge", strings.Repeat("A", maxTokenLen+1), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			if _, err := s.Loads(tt.tok, 0, signedAt, &got); !errors.Is(err, tt.want) {
				t.Errorf("Loads = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestLoadsZlibBomb(t *testing.T) {
	s := NewTimedSerializer([]byte("key"), "salt")
	tok, err := s.DumpsAt([]string{strings.Repeat("a", maxPayloadLen+10)}, signedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) > 1000 {
		t.Fatalf("expected a compressed token, got %d bytes", len(tok))
	}
	var got []string
	if _, err := s.Loads(tok, 0, signedAt, &got); !errors.Is(err, ErrMalformed) {
		t.Errorf("Loads of a payload over the limit = %v, want ErrMalformed", err)
	}
}

func TestTimestampEncoding(t *testing.T) {
	for _, ts := range []int64{0, 1, 255, 256, 1795476105, 1<<62 + 7} {
		enc := encodeTimestamp(ts)
		got, ok := decodeTimestamp(enc)
		if !ok || got != ts {
			t.Errorf("decode(encode(%d)) = %d, %v", ts, got, ok)
		}
	}
	if enc := encodeTimestamp(1795476105); enc != "awTKiQ" {
		t.Errorf("encodeTimestamp = %q, want awTKiQ", enc)
	}
}

func BenchmarkLoads(b *testing.B) {
	s := NewTimedSerializer([]byte("CHANGE_ME"), "confirm-salt")
	tok := serializerVectors[0].token
	for b.Loop() {
		var got []string
		if _, err := s.Loads(tok, 0, signedAt, &got); err != nil {
			b.Fatal(err)
		}
	}
}
