package clientinfo

import (
	"net/http/httptest"
	"testing"
)

func TestIP(t *testing.T) {
	cases := []struct {
		name   string
		remote string
		xff    []string
		hops   int
		want   string
	}{
		{"peer only", "192.0.2.1:5000", nil, 0, "192.0.2.1"},
		{"xff ignored without trusted proxies", "192.0.2.1:5000", []string{"203.0.113.9"}, 0, "192.0.2.1"},
		{"one proxy", "10.0.0.1:80", []string{"203.0.113.9"}, 1, "203.0.113.9"},
		{"spoofed left entries ignored", "10.0.0.1:80", []string{"1.1.1.1, 203.0.113.9"}, 1, "203.0.113.9"},
		{"two proxies", "10.0.0.1:80", []string{"6.6.6.6, 203.0.113.9, 10.0.0.2"}, 2, "203.0.113.9"},
		{"several headers", "10.0.0.1:80", []string{"6.6.6.6", "203.0.113.9"}, 1, "203.0.113.9"},
		{"too few entries", "10.0.0.1:80", []string{"203.0.113.9"}, 2, "10.0.0.1"},
		{"garbage entry", "10.0.0.1:80", []string{"not-an-ip"}, 1, "10.0.0.1"},
		{"ipv6", "[2001:db8::1]:443", nil, 0, "2001:db8::1"},
		{"mapped ipv4", "[::ffff:192.0.2.5]:443", nil, 0, "192.0.2.5"},
		{"no port", "192.0.2.1", nil, 0, "192.0.2.1"},
		{"garbage peer", "pipe", nil, 0, ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := IP(r, c.hops); got != c.want {
			t.Errorf("%s: IP = %q, want %q", c.name, got, c.want)
		}
	}
}

func FuzzIP(f *testing.F) {
	f.Add("10.0.0.1:80", "1.1.1.1, 203.0.113.9", 1)
	f.Add("[::1]:1", "", 0)
	f.Fuzz(func(t *testing.T, remote, xff string, hops int) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		IP(r, hops%8)
	})
}
