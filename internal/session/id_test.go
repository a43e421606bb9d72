package session_test

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/token"
)

// compatCookies are the session_cookie vectors of testdata/compat.json:
// Flask-KVSession cookies made by itsdangerous.
type compatCookie struct {
	SecretKey string `json:"secret_key"`
	SID       string `json:"sid_s"`
	Cookie    string `json:"cookie"`
}

func loadCompatCookies(tb testing.TB) []compatCookie {
	tb.Helper()
	raw, err := os.ReadFile("../../testdata/compat.json")
	if err != nil {
		tb.Fatal(err)
	}
	var c struct {
		SessionCookie []compatCookie `json:"session_cookie"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		tb.Fatal(err)
	}
	if len(c.SessionCookie) == 0 {
		tb.Fatal("no session_cookie vectors")
	}
	return c.SessionCookie
}

var (
	tokenRE = regexp.MustCompile(`^[0-9a-f]{32}_[0-9a-f]{1,16}$`)
	idRE    = tokenRE // same shape, by design
)

func TestNewToken(t *testing.T) {
	now := time.Unix(0x6553f100, 0)
	seen := map[string]bool{}
	for range 1000 {
		tok := session.NewToken(now)
		if !tokenRE.MatchString(tok) || !strings.HasSuffix(tok, "_6553f100") {
			t.Fatalf("NewToken = %q", tok)
		}
		if seen[tok] {
			t.Fatalf("NewToken repeated %q", tok)
		}
		seen[tok] = true
	}
}

func TestParseToken(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want int64
	}{
		{"0123456789abcdef0123456789abcdef_6553f100", true, 0x6553f100},
		{"1234abcd5678ef90_6553f100", true, 0x6553f100}, // Invenio's 64 bits
		{"2069c7b84abb17f_6b044d45", true, 0x6b044d45},
		{"a_0", true, 0},
		{"", false, 0},
		{"_", false, 0},
		{"abc", false, 0},
		{"abc_", false, 0},
		{"_abc", false, 0},
		{"ABCD_1234", false, 0},
		{"abcd_12G4", false, 0},
		{"abcd_-123", false, 0},
		{"abcd_+123", false, 0},
		{"ab cd_123", false, 0},
		{"abcd_1234_5678", false, 0},
		{"abcd_ffffffffffffffff", false, 0}, // overflows int64
		{"abcd_11111111111111111", false, 0},
		{strings.Repeat("a", 65) + "_1", false, 0},
		{"é_1", false, 0},
	}
	for _, tt := range tests {
		_, created, err := session.ParseToken(tt.in)
		if (err == nil) != tt.ok || (tt.ok && created.Unix() != tt.want) {
			t.Errorf("ParseToken(%q) = %v, %v; want ok=%v, %d", tt.in, created, err, tt.ok, tt.want)
		}
		if err != nil && !errors.Is(err, session.ErrInvalidToken) {
			t.Errorf("ParseToken(%q) = %v, want ErrInvalidToken", tt.in, err)
		}
	}
}

// TestCompatCookies checks that Flask-KVSession's cookies parse and that
// their signatures verify through ParseCookie (the parser Manager.Load uses).
func TestCompatCookies(t *testing.T) {
	for _, v := range loadCompatCookies(t) {
		signer := token.NewSigner([]byte(v.SecretKey), token.DefaultSalt)
		tok, created, err := session.ParseCookie(signer, v.Cookie)
		if err != nil || tok != v.SID {
			t.Errorf("ParseCookie(%q) = %q, %v; want %q", v.Cookie, tok, err, v.SID)
			continue
		}
		if created.Year() < 2020 {
			t.Errorf("created = %v", created)
		}
		other := token.NewSigner([]byte(v.SecretKey+"x"), token.DefaultSalt)
		if _, _, err := session.ParseCookie(other, v.Cookie); !errors.Is(err, token.ErrBadSignature) {
			t.Errorf("ParseCookie with another key = %v, want ErrBadSignature", err)
		}
	}
}

func TestParseCookieRejects(t *testing.T) {
	signer := token.NewSigner([]byte("CHANGE_ME"), token.DefaultSalt)
	good := signer.Sign("0123456789abcdef0123456789abcdef_6553f100")
	for _, in := range []string{
		"", ".", good[:len(good)-1], good + "x", "x" + good,
		signer.Sign("not a token"), signer.Sign(""), signer.Sign("ABCDEF_1"),
		strings.Repeat("a", 300) + "_1." + "x",
	} {
		if tok, _, err := session.ParseCookie(signer, in); err == nil {
			t.Errorf("ParseCookie(%q) = %q, nil", in, tok)
		}
	}
}

func TestDeriveID(t *testing.T) {
	tok := session.NewToken(time.Now())
	id, err := session.DeriveID(tok)
	if err != nil {
		t.Fatal(err)
	}
	random, ts, _ := strings.Cut(tok, "_")
	switch {
	case !idRE.MatchString(id) || !session.IsID(id):
		t.Errorf("DeriveID = %q, not hex_hex", id)
	case id == tok || strings.Contains(id, random) || strings.Contains(tok, strings.Split(id, "_")[0]):
		t.Errorf("DeriveID(%q) = %q reveals the token", tok, id)
	case !strings.HasSuffix(id, "_"+ts):
		t.Errorf("DeriveID = %q does not keep the time %q", id, ts)
	}
	again, _ := session.DeriveID(tok)
	other, _ := session.DeriveID(session.NewToken(time.Now()))
	if again != id || other == id {
		t.Errorf("DeriveID is not a function of the token: %q %q %q", id, again, other)
	}
	// A fixed vector, so that the derivation cannot change by accident
	// (ids are stored in the database).
	id, err = session.DeriveID("0123456789abcdef0123456789abcdef_6553f100")
	if want := "3eb1bd439947eb762998e566ccc2e099_6553f100"; err != nil || id != want {
		t.Errorf("DeriveID(vector) = %q, %v; want %q", id, err, want)
	}
	if _, err := session.DeriveID("bad"); !errors.Is(err, session.ErrInvalidToken) {
		t.Errorf("DeriveID(bad) = %v", err)
	}
}

func TestIsID(t *testing.T) {
	for in, want := range map[string]bool{
		"7a0f1f9b2e3ce4f1b0e0fc8e5ea6ac77_6553f100": true,
		"7a0f1f9b2e3ce4f1b0e0fc8e5ea6ac7_6553f100":  false,
		"1234abcd5678ef90_6553f100":                 false, // Invenio's sid_s
		"7A0F1F9B2E3CE4F1B0E0FC8E5EA6AC77_6553F100": false,
		"7a0f1f9b2e3ce4f1b0e0fc8e5ea6ac77_":         false,
		"":                                          false,
	} {
		if got := session.IsID(in); got != want {
			t.Errorf("IsID(%q) = %v, want %v", in, got, want)
		}
	}
}
