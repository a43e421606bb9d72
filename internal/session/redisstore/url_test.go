package redisstore

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseURLStandalone(t *testing.T) {
	o, err := parseURL("redis://:pw@127.0.0.1:6380/2?read_timeout=3s")
	if err != nil {
		t.Fatal(err)
	}
	if o.simple == nil || o.failover != nil || o.cluster != nil {
		t.Fatalf("parseURL = %+v, want a standalone client", o)
	}
	s := o.simple
	got := []any{s.Addr, s.Password, s.DB, s.DialTimeout, s.ReadTimeout, s.WriteTimeout, s.MaxRetries, s.DialerRetries, s.ContextTimeoutEnabled, s.TLSConfig == nil}
	want := []any{"127.0.0.1:6380", "pw", 2, 2 * time.Second, 3 * time.Second, time.Second, 1, 1, true, true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	o, err = parseURL("rediss://localhost")
	if err != nil || o.simple.TLSConfig == nil || o.simple.Addr != "localhost:6379" {
		t.Errorf("rediss: %+v, %v", o.simple, err)
	}
}

func TestParseURLSentinel(t *testing.T) {
	o, err := parseURL("redis+sentinel://user:pw@s1:26380,s2,[::1]:26381/mymaster/3?sentinel_password=spw&dial_timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	f := o.failover
	if f == nil {
		t.Fatalf("parseURL = %+v, want a failover client", o)
	}
	got := []any{f.MasterName, f.SentinelAddrs, f.Username, f.Password, f.SentinelUsername, f.SentinelPassword, f.DB, f.DialTimeout, f.ReadTimeout, f.MaxRetries}
	want := []any{"mymaster", []string{"s1:26380", "s2:26379", "[::1]:26381"}, "user", "pw", "", "spw", 3, 5 * time.Second, time.Second, 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	o, err = parseURL("redis+sentinel://s1/mymaster")
	if err != nil || o.failover.DB != 0 || o.failover.Password != "" {
		t.Errorf("minimal sentinel URL: %+v, %v", o.failover, err)
	}
	o, err = parseURL("rediss+sentinel://s1/m")
	if err != nil || o.failover.TLSConfig == nil {
		t.Errorf("rediss+sentinel: %v", err)
	}
}

func TestParseURLCluster(t *testing.T) {
	o, err := parseURL("redis+cluster://:pw@n1:7000,n2:7001,n3?addr=n4:7003&max_redirects=5")
	if err != nil {
		t.Fatal(err)
	}
	c := o.cluster
	if c == nil {
		t.Fatalf("parseURL = %+v, want a cluster client", o)
	}
	got := []any{c.Addrs, c.Password, c.MaxRedirects, c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.MaxRetries}
	want := []any{[]string{"n1:7000", "n2:7001", "n3:6379", "n4:7003"}, "pw", 5, 2 * time.Second, time.Second, time.Second, 1}
	if diff := cmp.Diff(want, got, cmp.Transformer("sort", func(in []string) []string { return slices.Sorted(slices.Values(in)) })); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, raw := range []string{
		"",
		"localhost:6379",
		"http://localhost",
		"redis://:s3cr3tpw@localhost:notaport",
		"redis://localhost/notadb",
		"redis://localhost?unknown_option=1",
		"redis+sentinel://s1",
		"redis+sentinel://s1/",
		"redis+sentinel://:s3cr3tpw@s1,,s2/m",
		"redis+sentinel://s1/m/notadb",
		"redis+cluster://n1/0",
		"redis+cluster://n1:",
		"redis+cluster://n1?%zz",
		// Negative pool options: go-redis panicked (FuzzFromURI).
		"redis://:s3cr3tpw@localhost:6380/2?dial_timeout=1s&pool_size=-2",
		"redis://localhost?min_idle_conns=-1",
		"redis://localhost?max_active_conns=-1",
		"redis+sentinel://s1/m?pool_size=-1",
		"redis+cluster://n1,n2?pool_size=-1",
		"redis+cluster://n1?max_idle_conns=-3",
	} {
		_, err := parseURL(raw)
		if err == nil {
			t.Errorf("parseURL(%q) = nil error", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3tpw") {
			t.Errorf("parseURL(%q) error repeats the password: %v", raw, err)
		}
	}
}

func TestNewClientKinds(t *testing.T) {
	for _, raw := range []string{"redis://127.0.0.1:1", "redis+sentinel://127.0.0.1:1/m", "redis+cluster://127.0.0.1:1,127.0.0.1:2"} {
		c, err := NewClient(raw)
		if err != nil {
			t.Fatalf("NewClient(%q) = %v", raw, err)
		}
		c.Close()
	}
}
