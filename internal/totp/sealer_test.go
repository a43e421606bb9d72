package totp

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// pySealed is rfcSecret sealed under SECRET_KEY "CHANGE_ME" with the nonce
// 00 01 ... 0b by Python's cryptography (HKDF, AESGCM): the format is
// what the package documents, not only what it writes.
const pySealed = "v1.AAECAwQFBgcICQoLGPaJFipVso0WsISYuYL1EmZSDWv1bx74INBnwu6GQOAKPoyvpNYf8ruXC1apT2FN"

// sealWith seals plain as the package documents, independently of Sealer,
// with the given nonce.
func sealWith(t testing.TB, secretKey string, nonce []byte, plain string) string {
	t.Helper()
	key, err := hkdf.Key(sha256.New, []byte(secretKey), nil, "accounts totp secret v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return "v1." + base64.RawURLEncoding.EncodeToString(gcm.Seal(bytes.Clone(nonce), nonce, []byte(plain), nil))
}

func newTestSealer(t testing.TB, key string) *Sealer {
	t.Helper()
	s, err := NewSealer([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealerRoundTrip(t *testing.T) {
	s := newTestSealer(t, "CHANGE_ME")
	for _, plain := range []string{rfcSecret, "", "x", strings.Repeat("A", 103), "snow ☃"} {
		a, err := s.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		if a == b {
			t.Errorf("two seals of %q are both %s", plain, a)
		}
		if !strings.HasPrefix(a, "v1.") || strings.ContainsAny(a[3:], "+/=") {
			t.Errorf("sealed %q is not v1. and unpadded base64url", a)
		}
		if raw, err := base64.RawURLEncoding.DecodeString(a[3:]); err != nil || len(raw) != 12+len(plain)+16 {
			t.Errorf("sealed %q holds %d bytes, %v, want nonce, text and tag: %d", a, len(raw), err, 12+len(plain)+16)
		}
		for _, sealed := range []string{a, b} {
			if got, err := s.Open(sealed); err != nil || got != plain {
				t.Errorf("Open(Seal(%q)) = %q, %v", plain, got, err)
			}
		}
	}
}

// TestSealerFallbacks: after SECRET_KEY is rotated with the old value in
// SECRET_KEY_FALLBACKS, what the old key sealed still opens, new seals use
// the new key, and without the fallback the old seals do not open.
func TestSealerFallbacks(t *testing.T) {
	old, err := NewSealer([]byte("the old secret key"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal(rfcSecret)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := NewSealer([]byte("the new secret key"), []byte("an older one"), []byte("the old secret key"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed); err != nil || got != rfcSecret {
		t.Fatalf("the old key's seal with the fallback: %q, %v", got, err)
	}
	fresh, err := rotated.Seal(rfcSecret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Open(fresh); err == nil {
		t.Error("a new seal opens with the old key: it was not sealed with the new one")
	}
	alone, _ := NewSealer([]byte("the new secret key"))
	if _, err := alone.Open(sealed); err == nil {
		t.Error("the old key's seal opens without the fallback")
	}
	if _, err := NewSealer([]byte("k"), nil); err == nil {
		t.Error("an empty fallback was taken")
	}
}

func TestSealerOpenKnown(t *testing.T) {
	s := newTestSealer(t, "CHANGE_ME")
	tests := []struct{ name, sealed, want string }{
		{"Python", pySealed, rfcSecret},
		{"sealWith", sealWith(t, "CHANGE_ME", bytes.Repeat([]byte{0xff}, 12), "plain"), "plain"},
		{"empty plain text", sealWith(t, "CHANGE_ME", make([]byte, 12), ""), ""},
		{"1024 bytes", sealWith(t, "CHANGE_ME", make([]byte, 12), strings.Repeat("a", 737)), strings.Repeat("a", 737)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := s.Open(tc.sealed); err != nil || got != tc.want {
				t.Errorf("Open(%q) = %q, %v, want %q", tc.sealed, got, err, tc.want)
			}
		})
	}
}

func TestSealerOpenErrors(t *testing.T) {
	s := newTestSealer(t, "CHANGE_ME")
	good, err := s.Seal(rfcSecret)
	if err != nil {
		t.Fatal(err)
	}
	other, err := newTestSealer(t, "another key").Seal(rfcSecret)
	if err != nil {
		t.Fatal(err)
	}
	// A nonce of 0xff bytes encodes to '_', which the standard alphabet
	// writes '/'.
	ffNonce := sealWith(t, "CHANGE_ME", bytes.Repeat([]byte{0xff}, 12), rfcSecret)
	raw, err := base64.RawURLEncoding.DecodeString(good[3:])
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		return "v1." + base64.RawURLEncoding.EncodeToString(b)
	}
	// A sealed "x" is 29 bytes, 39 characters: the last one has 2 unused
	// bits, which a lax decoder ignores.
	short, err := s.Seal("x")
	if err != nil {
		t.Fatal(err)
	}
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(b64, short[len(short)-1])
	nonCanonical := short[:len(short)-1] + string(b64[last|1])
	tests := []struct{ name, sealed string }{
		{"empty", ""},
		{"prefix only", "v1."},
		{"no prefix", good[3:]},
		{"wrong prefix", "v2." + good[3:]},
		{"upper-case prefix", "V1." + good[3:]},
		{"other key", other},
		{"nonce altered", flip(0)},
		{"ciphertext altered", flip(12)},
		{"tag altered", flip(len(raw) - 1)},
		{"truncated", good[:len(good)-1]},
		{"truncated to a nonce", "v1." + base64.RawURLEncoding.EncodeToString(raw[:12])},
		{"shorter than nonce and tag", "v1." + base64.RawURLEncoding.EncodeToString(raw[:27])},
		{"extended", good + "AA"},
		{"padded", good + "="},
		{"standard alphabet", strings.ReplaceAll(ffNonce, "_", "/")},
		{"authentic but too long", sealWith(t, "CHANGE_ME", make([]byte, 12), strings.Repeat("a", 738))},
		{"bad base64", "v1.!!!!"},
		{"newline inside", good[:20] + "\n" + good[20:]},
		{"carriage return at the end", good + "\r"},
		{"space", good[:20] + " " + good[20:]},
		{"too long", "v1." + strings.Repeat("A", 1022)},
		{"non-canonical last character", nonCanonical},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := s.Open(tc.sealed); err == nil {
				t.Errorf("Open(%q) = %q, want an error", tc.sealed, got)
			}
		})
	}
}

func TestNewSealerEmptyKey(t *testing.T) {
	for _, k := range [][]byte{nil, {}} {
		if _, err := NewSealer(k); err == nil {
			t.Errorf("NewSealer(%q): no error", k)
		}
	}
}

func TestSealTooLong(t *testing.T) {
	s := newTestSealer(t, "CHANGE_ME")
	// 1024 bytes hold "v1." and 1021 base64 characters, 765 bytes: 12 of
	// nonce, 16 of tag and 737 of text.
	if _, err := s.Seal(strings.Repeat("a", 737)); err != nil {
		t.Errorf("737 bytes: %v", err)
	}
	if _, err := s.Seal(strings.Repeat("a", 738)); err == nil {
		t.Error("738 bytes: no error")
	}
}
