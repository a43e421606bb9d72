package ratelimit

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestClientKey(t *testing.T) {
	tests := []struct {
		endpoint, ip, want string
	}{
		{"security.login", "192.0.2.1", "client/security.login/192.0.2.1"},
		{"security.login", " 192.0.2.1 ", "client/security.login/192.0.2.1"},
		{"security.login", "::ffff:192.0.2.1", "client/security.login/192.0.2.1"},
		{"security.login", "192.0.2.1:4711", "client/security.login/192.0.2.1"},
		{"security.login", "2001:db8:1:2:3:4:5:6", "client/security.login/2001:db8:1:2::/64"},
		{"security.login", "2001:DB8:1:2::ffff", "client/security.login/2001:db8:1:2::/64"},
		{"security.login", "[2001:db8:1:2::1]:443", "client/security.login/2001:db8:1:2::/64"},
		{"security.login", "fe80::1%eth0", "client/security.login/fe80::/64"},
		{"security.login", "", "client/security.login/?"},
		{"security.login", "unknown", "client/security.login/?unknown"},
		{"security.login", "2001:db8::/64", "client/security.login/?2001:db8::/64"},
		{"a/b c:d", "192.0.2.1", "client/a%2Fb+c%3Ad/192.0.2.1"},
	}
	for _, tt := range tests {
		if got := ClientKey(tt.endpoint, tt.ip); got != tt.want {
			t.Errorf("ClientKey(%q, %q) = %q, want %q", tt.endpoint, tt.ip, got, tt.want)
		}
	}
}

func TestGuestAndUserKeys(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"guest IPv4", GuestKey("192.0.2.1"), "guest/192.0.2.1"},
		{"guest IPv4-mapped", GuestKey("::ffff:192.0.2.1"), "guest/192.0.2.1"},
		{"guest ip:port", GuestKey("192.0.2.1:4711"), "guest/192.0.2.1"},
		{"guest IPv6 counts as its /64", GuestKey("2001:db8:1:2:3:4:5:6"), "guest/2001:db8:1:2::/64"},
		{"guest not an address", GuestKey("unknown"), "guest/?unknown"},
		{"user", UserKey(42), "user/42"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	// The general limits never share a window with a per-endpoint or a
	// per-account limit.
	keys := map[string]bool{GuestKey("192.0.2.1"): true, UserKey(1): true,
		ClientKey("guest", "192.0.2.1"): true, ClientKey("user", "1"): true, AccountKey("user", "1"): true}
	if len(keys) != 5 {
		t.Errorf("keys collide: %v", keys)
	}
}

func TestAccountKey(t *testing.T) {
	a := AccountKey("accounts.login", "ann@example.org")
	for _, email := range []string{"Ann@Example.org", "  ann@example.org\t", "ANN@EXAMPLE.ORG"} {
		if got := AccountKey("accounts.login", email); got != a {
			t.Errorf("AccountKey(%q) = %q, want %q", email, got, a)
		}
	}
	if !strings.HasPrefix(a, "account/accounts.login/") || len(a) != len("account/accounts.login/")+64 {
		t.Errorf("AccountKey = %q, want the prefix and a hex SHA-256", a)
	}
	if strings.Contains(a, "ann") || strings.Contains(a, "example") {
		t.Errorf("AccountKey = %q shows the address", a)
	}
	if AccountKey("accounts.fp_email", "ann@example.org") == a || AccountKey("accounts.login", "bob@example.org") == a {
		t.Error("different prefixes or addresses share a key")
	}
}

func TestValidate(t *testing.T) {
	if err := Validate("k", nil); err != nil {
		t.Errorf("Validate with no limits = %v", err)
	}
	if err := Validate("k", []Limit{{10, time.Minute}, {100, time.Hour}}); err != nil {
		t.Errorf("Validate = %v", err)
	}
	for _, l := range []Limit{{0, time.Minute}, {1, 0}, {-1, time.Minute}, {1, -time.Minute}} {
		if err := Validate("k", []Limit{l}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(%v) = %v, want ErrInvalid", l, err)
		}
	}
	if err := Validate("", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Validate of an empty key = %v, want ErrInvalid", err)
	}
}

// FuzzClientKey checks that ClientKey is one-to-one: two keys are equal
// only for the same endpoint and the same address (or /64 network).
func FuzzClientKey(f *testing.F) {
	f.Add("security.login", "192.0.2.1", "security.login", "::ffff:192.0.2.1")
	f.Add("security.login", "2001:db8::1", "security.login", "2001:db8::2")
	f.Add("a:b", "c", "a", "b:c")
	f.Add("a/b", "c", "a", "b/c")
	f.Add("x", "?y", "x", "y")
	f.Add("security.register", "[::1]:80", "security.register", "::1")
	f.Fuzz(func(t *testing.T, e1, ip1, e2, ip2 string) {
		k1, k2 := ClientKey(e1, ip1), ClientKey(e2, ip2)
		if k1 != ClientKey(e1, ip1) {
			t.Fatal("ClientKey is not deterministic")
		}
		if k1 == k2 && (e1 != e2 || clientNetwork(ip1) != clientNetwork(ip2)) {
			t.Fatalf("ClientKey(%q, %q) = ClientKey(%q, %q) = %q", e1, ip1, e2, ip2, k1)
		}
		if k1 != k2 && e1 == e2 && clientNetwork(ip1) == clientNetwork(ip2) {
			t.Fatalf("ClientKey(%q, %q) = %q, ClientKey(%q, %q) = %q", e1, ip1, k1, e2, ip2, k2)
		}
	})
}

// FuzzAccountKey checks that AccountKey ignores case and surrounding space
// and never shows the address.
func FuzzAccountKey(f *testing.F) {
	f.Add("accounts.login", "Ann@Example.org")
	f.Add("accounts.fp_email", " ünïcødé@exämple.org ")
	f.Add("a/b", "x@y")
	f.Fuzz(func(t *testing.T, prefix, email string) {
		k := AccountKey(prefix, email)
		if k != AccountKey(prefix, " "+strings.ToLower(email)+"\n") {
			t.Fatalf("AccountKey(%q, %q) depends on case or space", prefix, email)
		}
		_, hash, _ := strings.Cut(strings.TrimPrefix(k, "account/"), "/")
		if len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
			t.Fatalf("AccountKey(%q, %q) = %q, want a hex SHA-256 after the prefix", prefix, email, k)
		}
	})
}

func TestDeviceKey(t *testing.T) {
	k := DeviceKey("accounts.login", "c2VlZC1ub25jZS0xMjM0NQ")
	if k != "device/accounts.login/c2VlZC1ub25jZS0xMjM0NQ" {
		t.Errorf("DeviceKey = %q", k)
	}
	if k == AccountKey("accounts.login", "c2VlZC1ub25jZS0xMjM0NQ") || DeviceKey("a/b", "c") == DeviceKey("a", "b/c") {
		t.Error("DeviceKey collides")
	}
}
