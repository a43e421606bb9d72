package token

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// compat holds the parts of testdata/compat.json this package verifies.
type compat struct {
	SessionCookie []struct {
		SecretKey string `json:"secret_key"`
		SID       string `json:"sid_s"`
		Cookie    string `json:"cookie"`
	} `json:"session_cookie"`
	Tokens []struct {
		SecretKey  string `json:"secret_key"`
		Salt       string `json:"salt"`
		HashedData string `json:"hashed_data"`
		Token      string `json:"token"`
	} `json:"tokens"`
}

func loadCompat(t *testing.T) compat {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/compat.json")
	if err != nil {
		t.Fatal(err)
	}
	var c compat
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.SessionCookie) == 0 || len(c.Tokens) == 0 {
		t.Fatal("compat.json has no session_cookie or tokens vectors")
	}
	return c
}

// signerVectors were made with itsdangerous 2.2.0:
// Signer(secret, salt=salt).sign(value).
var signerVectors = []struct{ secret, salt, value, signed string }{
	{"CHANGE_ME", DefaultSalt, "1234abcd5678ef90_6553f100", "1234abcd5678ef90_6553f100.uDUSXMbUt5wuRvAIEOZbrJTZBqA"},
	{"s3cr3t", "", "h\u00e9llo.world", "h\u00e9llo.world.GaYM3AK1Njp46ToWKVoaPtb3BKM"},
	{"s3cr3t", "other", "", ".hHRF7rIvmotRrN2cXp5v4EQZyqk"},
}

func TestSignerVectors(t *testing.T) {
	for _, v := range signerVectors {
		s := NewSigner([]byte(v.secret), v.salt)
		if got := s.Sign(v.value); got != v.signed {
			t.Errorf("Sign(%q) = %q, want %q", v.value, got, v.signed)
		}
		got, err := s.Unsign(v.signed)
		if err != nil || got != v.value {
			t.Errorf("Unsign(%q) = %q, %v; want %q", v.signed, got, err, v.value)
		}
	}
}

func TestSignerSessionCookieVectors(t *testing.T) {
	for _, v := range loadCompat(t).SessionCookie {
		s := NewSigner([]byte(v.SecretKey), DefaultSalt)
		if got := s.Sign(v.SID); got != v.Cookie {
			t.Errorf("Sign(%q) = %q, want %q", v.SID, got, v.Cookie)
		}
		got, err := s.Unsign(v.Cookie)
		if err != nil || got != v.SID {
			t.Errorf("Unsign(%q) = %q, %v; want %q", v.Cookie, got, err, v.SID)
		}
	}
}

func TestUnsignRejects(t *testing.T) {
	s := NewSigner([]byte("CHANGE_ME"), DefaultSalt)
	good := s.Sign("1234abcd5678ef90_6553f100")
	sig := good[strings.LastIndex(good, ".")+1:]
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrMalformed},
		{"no separator", "1234abcd5678ef90_6553f100", ErrMalformed},
		{"empty signature", "1234abcd5678ef90_6553f100.", ErrMalformed},
		{"short signature", good[:len(good)-1], ErrMalformed},
		{"long signature", good + "A", ErrMalformed},
		{"padded signature", good + "=", ErrMalformed},
		{"standard base64", strings.NewReplacer("-", "+", "_", "/").Replace(good[:len(good)-27]) + strings.Repeat("+", 27), ErrMalformed},
		{"non canonical last char", good[:len(good)-1] + flipPadBit(sig[len(sig)-1]), ErrMalformed},
		{"tampered value", "1234abcd5678ef91_6553f100." + sig, ErrBadSignature},
		{"other salt", NewSigner([]byte("CHANGE_ME"), "x").Sign("1234abcd5678ef90_6553f100"), ErrBadSignature},
		{"other key", NewSigner([]byte("CHANGE_ME2"), DefaultSalt).Sign("1234abcd5678ef90_6553f100"), ErrBadSignature},
		{"signature only", "." + sig, ErrBadSignature},
		{"unicode", "é." + sig, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Unsign(tt.in)
			if !errors.Is(err, tt.want) || got != "" {
				t.Errorf("Unsign(%q) = %q, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// flipPadBit returns the base64url character c with the lowest of its six
// bits flipped: in a 27-character SHA-1 signature that bit is padding.
func flipPadBit(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return string(alphabet[strings.IndexByte(alphabet, c)^1])
}

func BenchmarkUnsign(b *testing.B) {
	s := NewSigner([]byte("a secret key of at least 32 bytes!"), DefaultSalt)
	signed := s.Sign("0123456789abcdef0123456789abcdef_6553f100")
	for b.Loop() {
		if _, err := s.Unsign(signed); err != nil {
			b.Fatal(err)
		}
	}
}
