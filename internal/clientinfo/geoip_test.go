package clientinfo

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// geoFixture describes a small .mmdb built by a test: metadata, file name,
// and the record of each network.
type geoFixture struct {
	name      string
	options   mmdbwriter.Options
	networks  map[string]mmdbtype.DataType
	licenseAt bool // write a DBIP-LICENSE file beside the database
}

// geolite2 is a record in the GeoLite2 Country layout.
func geolite2(country, registered string) mmdbtype.Map {
	m := mmdbtype.Map{}
	if country != "" {
		m["country"] = mmdbtype.Map{"iso_code": mmdbtype.String(country),
			"names": mmdbtype.Map{"en": mmdbtype.String("name of " + country)}}
	}
	if registered != "" {
		m["registered_country"] = mmdbtype.Map{"iso_code": mmdbtype.String(registered)}
	}
	return m
}

// ipLocationDB is a record in the ip-location-db layout.
func ipLocationDB(code string) mmdbtype.Map {
	return mmdbtype.Map{"country_code": mmdbtype.String(code)}
}

func geoLite2Fixture() geoFixture {
	return geoFixture{
		name: "GeoLite2-Country.mmdb",
		options: mmdbwriter.Options{DatabaseType: "GeoLite2-Country",
			Description:             map[string]string{"en": "GeoLite2 Country database"},
			IncludeReservedNetworks: true, RecordSize: 24},
		networks: map[string]mmdbtype.DataType{
			"81.2.69.0/24":   geolite2("GB", "GB"),
			"89.160.20.0/24": geolite2("", "SE"), // registered_country only
			"2.125.160.0/19": geolite2("EU", ""),
			"5.5.5.0/24":     geolite2("AP", ""),
			"37.0.0.0/24":    geolite2("XK", "XK"),
			"67.43.156.0/24": geolite2("bt", ""), // lower case
			"2001:218::/32":  geolite2("JP", "JP"),
			"2a02:cf40::/29": geolite2("UK", "UK"), // reserved, not ISO
			"10.0.0.0/8":     geolite2("US", "US"), // private: never asked
		},
	}
}

func dbipFixture() geoFixture {
	return geoFixture{
		name:    "dbip-country.mmdb",
		options: mmdbwriter.Options{DatabaseType: "country ipvAll", IncludeReservedNetworks: true},
		networks: map[string]mmdbtype.DataType{
			"188.184.0.0/16": ipLocationDB("CH"),
			"8.8.8.0/24":     ipLocationDB("US"),
			"2001:1458::/32": ipLocationDB("CH"),
			"1.0.0.0/24":     ipLocationDB("ZZ"),
			"1.0.1.0/24":     ipLocationDB("--"),
			"1.0.2.0/24":     ipLocationDB("EU"),
			"192.168.0.0/16": ipLocationDB("ZZ"),
			"100.64.0.0/10":  ipLocationDB("US"),
		},
	}
}

// writeFixture writes f into a new temporary directory and returns its path.
func writeFixture(t testing.TB, f geoFixture) string {
	t.Helper()
	tree, err := mmdbwriter.New(f.options)
	if err != nil {
		t.Fatal(err)
	}
	for cidr, rec := range f.networks {
		_, network, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(network, rec); err != nil {
			t.Fatalf("insert %s: %v", cidr, err)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, f.name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := tree.WriteTo(out); err != nil {
		t.Fatal(err)
	}
	if f.licenseAt {
		if err := os.WriteFile(filepath.Join(dir, "DBIP-LICENSE"), []byte("CC BY 4.0"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func openFixture(t testing.TB, f geoFixture) *GeoIP {
	t.Helper()
	g, err := OpenGeoIP(writeFixture(t, f))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func checkCountries(t *testing.T, g *GeoIP, want map[string]string) {
	t.Helper()
	for ip, code := range want {
		got := g.Country(ip)
		switch {
		case code == "" && got != nil:
			t.Errorf("Country(%q) = %q, want nil", ip, *got)
		case code != "" && (got == nil || *got != code):
			t.Errorf("Country(%q) = %v, want %q", ip, deref(got), code)
		}
	}
}

// garbage is input that must give nil whatever the database holds.
func garbage() map[string]string {
	return map[string]string{"": "", "not an ip": "", "81.2.69.1:80": "", "999.1.1.1": "",
		" 81.2.69.1": "", "81.2.69.1\x00": "", "[2001:218::1]": "", strings.Repeat("1", 10000): ""}
}

func TestCountryGeoLite2(t *testing.T) {
	g := openFixture(t, geoLite2Fixture())
	checkCountries(t, g, map[string]string{
		"81.2.69.142":         "GB",
		"::ffff:81.2.69.142":  "GB", // IPv4-mapped
		"89.160.20.112":       "SE", // from registered_country
		"2.125.160.216":       "",   // EU
		"5.5.5.5":             "",   // AP
		"37.0.0.1":            "XK",
		"67.43.156.1":         "BT",
		"2001:218::1":         "JP",
		"2001:218::1%eth0":    "JP", // zone ignored
		"2a02:cf40::1":        "",   // UK is not ISO 3166-1
		"10.1.2.3":            "",   // private, although the file has it
		"127.0.0.1":           "",
		"::1":                 "",
		"fe80::1":             "",
		"1.2.3.4":             "", // not in the file
		"2001:db8::1":         "",
		"224.0.0.1":           "",
		"255.255.255.255":     "",
		"2001:4860:4860::888": "",
	})
	checkCountries(t, g, garbage())
}

func TestCountryIPLocationDB(t *testing.T) {
	g := openFixture(t, dbipFixture())
	checkCountries(t, g, map[string]string{
		"188.184.9.234":  "CH",
		"8.8.8.8":        "US",
		"2001:1458::1":   "CH",
		"1.0.0.1":        "", // ZZ
		"1.0.1.1":        "", // --
		"1.0.2.1":        "", // EU
		"192.168.1.1":    "",
		"100.64.1.1":     "", // carrier-grade NAT, although the file has it
		"9.9.9.9":        "",
		"2606:4700::1":   "",
		"::ffff:8.8.8.8": "US",
	})
	checkCountries(t, g, garbage())
}

func TestCountryIPv4Database(t *testing.T) {
	f := dbipFixture()
	f.name = "dbip-country-ipv4.mmdb"
	f.options.IPVersion, f.options.DatabaseType = 4, "country ipv4"
	delete(f.networks, "2001:1458::/32")
	g := openFixture(t, f)
	checkCountries(t, g, map[string]string{"188.184.9.234": "CH", "2001:1458::1": "", "8.8.8.8": "US"})
}

func TestCountryNoDatabase(t *testing.T) {
	var nilGeo *GeoIP
	empty, err := OpenGeoIP("")
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]*GeoIP{"nil": nilGeo, "empty path": empty} {
		if got := g.Country("188.184.9.234"); got != nil {
			t.Errorf("%s: Country = %q, want nil", name, *got)
		}
		if text, url := g.Attribution(); text != "" || url != "" {
			t.Errorf("%s: Attribution = %q, %q, want empty", name, text, url)
		}
		if err := g.Close(); err != nil {
			t.Errorf("%s: Close: %v", name, err)
		}
	}
}

func TestCountryAfterClose(t *testing.T) {
	g := openFixture(t, dbipFixture())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if got := g.Country("188.184.9.234"); got != nil && *got != "CH" {
					t.Errorf("Country = %q, want CH or nil", *got)
				}
			}
		})
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := g.Country("188.184.9.234"); got != nil {
		t.Errorf("Country after Close = %q, want nil", *got)
	}
	if err := g.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestAttribution(t *testing.T) {
	geolite := "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com."
	cases := []struct {
		name              string
		f                 geoFixture
		wantText, wantURL string
	}{
		{"GeoLite2", geoLite2Fixture(), geolite, "https://www.maxmind.com"},
		{"ip-location-db dbip by name", dbipFixture(), "IP Geolocation by DB-IP", "https://db-ip.com"},
		{"ip-location-db dbip by licence file", geoFixture{name: "country.mmdb", licenseAt: true,
			options: mmdbwriter.Options{DatabaseType: "country ipvAll"}}, "IP Geolocation by DB-IP", "https://db-ip.com"},
		{"ip-location-db other", geoFixture{name: "iptoasn-country.mmdb",
			options: mmdbwriter.Options{DatabaseType: "country ipvAll"}},
			"IP geolocation by ip-location-db", "https://github.com/sapics/ip-location-db"},
		{"DB-IP's own mmdb", geoFixture{name: "x.mmdb", options: mmdbwriter.Options{DatabaseType: "DBIP-Country-Lite",
			Description: map[string]string{"en": "dbip-country-lite-2026-06 by DB-IP.com"}}},
			"IP Geolocation by DB-IP", "https://db-ip.com"},
		{"IPFire", geoFixture{name: "x.mmdb", options: mmdbwriter.Options{DatabaseType: "country",
			Description: map[string]string{"en": "IPFire Location database"}}},
			"IP-to-country data: IPFire Location, CC BY-SA 4.0", "https://location.ipfire.org"},
		{"unknown", geoFixture{name: "x.mmdb", options: mmdbwriter.Options{DatabaseType: "My-Country"}}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := openFixture(t, c.f)
			if text, url := g.Attribution(); text != c.wantText || url != c.wantURL {
				t.Errorf("Attribution = %q, %q, want %q, %q", text, url, c.wantText, c.wantURL)
			}
		})
	}
}
