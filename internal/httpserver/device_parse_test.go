package httpserver

import (
	"encoding/base64"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/token"
)

func deviceTestServer() *Server {
	// The per-account login limit on: the cookie is given only then.
	set := withDefaults(Settings{LoginAccountLimit: AccountLimit{Limits: []ratelimit.Limit{{Count: 3, Period: time.Minute}}}})
	return &Server{device: token.NewSigner([]byte("CHANGE_ME"), deviceSalt), set: set}
}

// deviceValue returns the value of a device cookie the server gives u.
func deviceValue(t testing.TB, s *Server, u *accounts.User) string {
	rec := httptest.NewRecorder()
	s.setDeviceCookie(rec, u)
	for _, c := range rec.Result().Cookies() {
		if c.Name == deviceCookie {
			return c.Value
		}
	}
	t.Fatal("no device cookie")
	return ""
}

// TestDeviceBinding: a device cookie holds for its user only, also for
// users whose password hashes are equal (none, for external logins), and
// only until the hash changes.
func TestDeviceBinding(t *testing.T) {
	s := deviceTestServer()
	hash, other := "$pbkdf2-sha512$25000$c2FsdA$aGFzaA", "$pbkdf2-sha512$25000$c2FsdA$b3RoZXI"
	jane := &accounts.User{ID: 1, Email: "jane@example.org", Password: &hash}
	v := deviceValue(t, s, jane)
	nonce, mac, ok := parseDevice(v)
	if !ok {
		t.Fatalf("parseDevice(%q) fails", v)
	}
	for _, tc := range []struct {
		name string
		u    *accounts.User
		want bool
	}{
		{"its user", jane, true},
		{"another user, same hash", &accounts.User{ID: 2, Password: &hash}, false},
		{"its user after a password change", &accounts.User{ID: 1, Password: &other}, false},
		{"its user without a password", &accounts.User{ID: 1}, false},
	} {
		if got := mac == s.deviceMAC(nonce, tc.u); got != tc.want {
			t.Errorf("%s: holds = %v, want %v", tc.name, got, tc.want)
		}
	}
	if s.deviceMAC(nonce, &accounts.User{ID: 1}) == s.deviceMAC(nonce, &accounts.User{ID: 2}) {
		t.Error("users without a password share device signatures")
	}
}

// FuzzParseDevice: parseDevice accepts exactly the canonical
// nonce.signature shape, and deviceOf (through a request's cookie) lets
// nothing but the server's own values hold.
func FuzzParseDevice(f *testing.F) {
	s := deviceTestServer()
	hash := "$pbkdf2-sha512$25000$c2FsdA$aGFzaA"
	jane := &accounts.User{ID: 1, Email: "jane@example.org", Password: &hash}
	// A fixed nonce, so that every fuzzing process has the same real value.
	real := "c2VlZC1ub25jZS0xMjM0NQ." + s.deviceMAC("c2VlZC1ub25jZS0xMjM0NQ", jane)
	if _, _, ok := parseDevice(deviceValue(f, s, jane)); !ok {
		f.Fatal("parseDevice fails on the server's own value")
	}
	for _, v := range []string{real, real[:49], real + "A", real[:22] + ":" + real[23:], "", ".",
		"jane@example.org", "6V4W-rtgpWGZqo2i8j6auA.jf9uUTEIrF9yk1m8RAxaabgGu7U", "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAB.AAAAAAAAAAAAAAAAAAAAAAAAAAB", "AAAAAAAAAAAAAAAAAAAA+/.AAAAAAAAAAAAAAAAAAAAAAAAAA="} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		nonce, mac, ok := parseDevice(v)
		if !ok {
			if nonce != "" || mac != "" {
				t.Fatalf("parseDevice(%q) failed but returned %q, %q", v, nonce, mac)
			}
		} else {
			n, err1 := base64.RawURLEncoding.DecodeString(nonce)
			m, err2 := base64.RawURLEncoding.DecodeString(mac)
			if err1 != nil || err2 != nil || len(n) != 16 || len(m) != 20 || nonce+"."+mac != v ||
				base64.RawURLEncoding.EncodeToString(n) != nonce || base64.RawURLEncoding.EncodeToString(m) != mac {
				t.Fatalf("parseDevice(%q) = %q, %q: not canonical", v, nonce, mac)
			}
		}
		// The same value in a request (as the cookie parser reads it).
		r := httptest.NewRequest("POST", "/login/", nil)
		r.Header.Set("Cookie", deviceCookie+"="+v)
		got := s.deviceOf(r, jane.Email, jane)
		if c, err := r.Cookie(deviceCookie); err == nil && c.Value == real {
			if got != real[:22] {
				t.Fatalf("deviceOf(%q) = %q, want the real nonce", v, got)
			}
		} else if got != "" {
			t.Fatalf("deviceOf accepts %q, which the server did not make", v)
		}
	})
}
