package clientinfo

import "net/netip"

// isoCodes lists the 249 officially assigned ISO 3166-1 alpha-2 codes
// (Debian iso-codes 4.15.0, /usr/share/iso-codes/json/iso_3166-1.json) and
// XK, the user-assigned code GeoLite2 and DB-IP use for Kosovo. Every token
// is two letters followed by a space.
const isoCodes = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI " +
	"BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN " +
	"CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK " +
	"FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM " +
	"HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN " +
	"KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK " +
	"ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP " +
	"NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF " +
	"TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI " +
	"VN VU WF WS YE YT ZA ZM ZW " +
	"XK "

// isoCountry returns code in upper case when it names a country, and false
// for anything else: regions and placeholders databases use ("EU", "AP",
// "ZZ", "XX", "--", "A1"), reserved codes ("UK", "UN", "SU", "AN") and junk.
func isoCountry(code string) (string, bool) {
	if len(code) != 2 {
		return "", false
	}
	b := []byte{code[0] &^ 0x20, code[1] &^ 0x20} // ASCII upper case
	if b[0] < 'A' || b[0] > 'Z' || b[1] < 'A' || b[1] > 'Z' {
		return "", false
	}
	for i := 0; i+1 < len(isoCodes); i += 3 {
		if isoCodes[i] == b[0] && isoCodes[i+1] == b[1] {
			return string(b), true
		}
	}
	return "", false
}

// reservedPrefixes are the special-purpose networks (IANA IPv4 and IPv6
// Special-Purpose Address Registries) that netip's IsGlobalUnicast and
// IsPrivate let through but that no country owns; some databases map them to
// "ZZ" or to the country of whoever wrote the test data.
func reservedPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // carrier-grade NAT
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"240.0.0.0/4",     // reserved
		"100::/64",        // discard-only
		"2001:db8::/32",   // documentation
		"3fff::/20",       // documentation
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}
