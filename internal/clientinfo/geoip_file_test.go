package clientinfo

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenGeoIPErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	valid, err := os.ReadFile(writeFixture(t, dbipFixture()))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "none.mmdb"), "no such file"},
		{"directory", dir, "is a directory"},
		{"empty", write("empty.mmdb", ""), "not a MaxMind DB"},
		// What Debian's tor-geoipdb installs: text, not mmdb.
		{"tor geoip text", write("geoip", "# IPFire Location\n16777216,16777471,AU\n"), "not a MaxMind DB"},
		{"truncated", write("truncated.mmdb", string(valid[:len(valid)/2])), "not a MaxMind DB"},
		{"metadata only", write("meta.mmdb", string(valid[len(valid)-200:])), "open GeoIP database"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := OpenGeoIP(c.path)
			if err == nil {
				g.Close()
				t.Fatalf("OpenGeoIP(%q) succeeded, want an error", c.path)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), filepath.Base(c.path)) {
				t.Errorf("OpenGeoIP(%q) = %v, want an error naming the file and saying %q", c.path, err, c.want)
			}
		})
	}
}

// TestOpenGeoIPCorrupt damages every byte of a small database in turn: each
// must give an error from OpenGeoIP or a database whose lookups return nil
// or a country code, never a panic.
func TestOpenGeoIPCorrupt(t *testing.T) {
	for _, f := range []geoFixture{geoLite2Fixture(), dbipFixture()} {
		valid, err := os.ReadFile(writeFixture(t, f))
		if err != nil {
			t.Fatal(err)
		}
		opened := 0
		for i := range valid {
			for _, mask := range []byte{0xff, 0x01, 0x80} {
				data := append([]byte(nil), valid...)
				data[i] ^= mask
				g, err := openGeoIP(data, f.name)
				if err != nil {
					if strings.Contains(err.Error(), "panicked") {
						t.Logf("byte %d ^ %#x: %v", i, mask, err)
					}
					continue
				}
				opened++
				for _, ip := range []string{"188.184.9.234", "81.2.69.142", "2001:218::1", "8.8.8.8", "1.0.0.1"} {
					if c := g.Country(ip); c != nil {
						if _, ok := isoCountry(*c); !ok {
							t.Errorf("byte %d ^ %#x: Country(%s) = %q", i, mask, ip, *c)
						}
					}
				}
			}
		}
		t.Logf("%s: %d bytes, %d of %d damaged copies still open", f.name, len(valid), opened, 3*len(valid))
	}
}

func TestISOCountry(t *testing.T) {
	if len(isoCodes) != 250*3 {
		t.Fatalf("isoCodes has %d bytes, want 250 codes of 3", len(isoCodes))
	}
	for _, code := range strings.Fields(isoCodes) {
		if got, ok := isoCountry(strings.ToLower(code)); !ok || got != code {
			t.Errorf("isoCountry(%q) = %q, %v", strings.ToLower(code), got, ok)
		}
	}
	for _, code := range []string{"", "C", "CHE", "EU", "AP", "ZZ", "XX", "--", "A1", "O1", "UK", "UN", "SU", "AN",
		"QM", "AA", "D\x00", "É"} {
		if got, ok := isoCountry(code); ok {
			t.Errorf("isoCountry(%q) = %q, want no country", code, got)
		}
	}
}

// TestCountryRealDatabase runs against a real database when
// ACCOUNTS_TEST_GEOIP_DB names one (see docs/geoip.md); real data changes,
// so it logs what it finds and checks only what must always hold.
func TestCountryRealDatabase(t *testing.T) {
	path := os.Getenv("ACCOUNTS_TEST_GEOIP_DB")
	if path == "" {
		t.Skip("ACCOUNTS_TEST_GEOIP_DB is not set")
	}
	g, err := OpenGeoIP(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	text, url := g.Attribution()
	t.Logf("attribution: %q %q", text, url)
	found := 0
	for _, ip := range []string{"188.184.9.234", "8.8.8.8", "1.1.1.1", "81.2.69.142", "193.0.6.139",
		"2001:1458:201:e4::100:1a6", "2001:4860:4860::8888", "2a00:1450:4001:80b::200e", "10.0.0.1", "127.0.0.1"} {
		c := g.Country(ip)
		t.Logf("%-28s %v", ip, deref(c))
		if c == nil {
			continue
		}
		found++
		if addr := netip.MustParseAddr(ip); addr.IsPrivate() || addr.IsLoopback() {
			t.Errorf("Country(%s) = %q for a non-public address", ip, *c)
		}
	}
	if found == 0 {
		t.Error("no public address found a country")
	}
}

func BenchmarkCountry(b *testing.B) {
	path := os.Getenv("ACCOUNTS_TEST_GEOIP_DB")
	if path == "" {
		path = writeFixture(b, dbipFixture())
	}
	g, err := OpenGeoIP(path)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	ips := []string{"188.184.9.234", "8.8.8.8", "2001:1458::1", "81.2.69.142"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		g.Country(ips[i%len(ips)])
	}
}

func FuzzCountry(f *testing.F) {
	for _, seed := range []string{"188.184.9.234", "8.8.8.8", "2001:1458::1", "::ffff:188.184.9.234", "10.0.0.1",
		"fe80::1%eth0", "1.0.0.1", "", "not an ip", "188.184.9.234:443", "[2001:1458::1]:443", "01.02.03.04"} {
		f.Add(seed)
	}
	g := openFixture(f, dbipFixture())
	f.Fuzz(func(t *testing.T, ip string) {
		c := g.Country(ip)
		if c == nil {
			return
		}
		if iso, ok := isoCountry(*c); !ok || iso != *c {
			t.Fatalf("Country(%q) = %q, not an upper-case ISO code", ip, *c)
		}
		if _, err := netip.ParseAddr(ip); err != nil {
			t.Fatalf("Country(%q) = %q for an unparsable address", ip, *c)
		}
	})
}
