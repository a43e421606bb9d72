package httpserver

import (
	"strings"
	"testing"
)

func TestCheckCookieName(t *testing.T) {
	secure := Settings{SecureCookies: true, CookiePath: "/"}
	tests := []struct {
		name string
		set  Settings
		ok   bool
	}{
		{"csrftoken", Settings{CookiePath: "/"}, true},
		{"__Host-csrftoken", secure, true},
		{"__Host-csrftoken", Settings{CookiePath: "/"}, false},
		{"__Host-csrftoken", Settings{SecureCookies: true, CookiePath: "/x/"}, false},
		{"__Host-csrftoken", Settings{SecureCookies: true, CookiePath: "/", CookieDomain: "example.org"}, false},
		{"__Secure-csrftoken", Settings{SecureCookies: true, CookiePath: "/x/"}, true},
		{"__Secure-csrftoken", Settings{CookiePath: "/"}, false},
		{"", secure, false},
		{"csrf token", secure, false},
		{"csrf;token", secure, false},
		{"csrf=token", secure, false},
		{"csrftökén", secure, false},
		{"csrf\x00", secure, false},
	}
	for _, tt := range tests {
		if err := checkCookieName(tt.name, tt.set); (err == nil) != tt.ok {
			t.Errorf("checkCookieName(%q, %+v) = %v, want ok %v", tt.name, tt.set, err, tt.ok)
		}
	}
}

// FuzzCheckCookieName: any configured name is refused or is a name
// net/http sends as it is (ACCOUNTS_CSRF_COOKIE_NAME comes from the
// operator's configuration).
func FuzzCheckCookieName(f *testing.F) {
	for _, s := range []string{"csrftoken", "__Host-csrftoken", "__Secure-x", "", "a b", "é", "a\r\nb", "x=y"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, name string, secure bool) {
		set := Settings{SecureCookies: secure, CookiePath: "/"}
		if checkCookieName(name, set) != nil {
			return
		}
		if strings.HasPrefix(name, "__Host-") && !secure {
			t.Fatalf("%q accepted without Secure", name)
		}
		for i := 0; i < len(name); i++ {
			if c := name[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(";,=\"", c) >= 0 {
				t.Fatalf("%q accepted with byte %q", name, c)
			}
		}
	})
}
