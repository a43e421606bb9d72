package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ClientKey returns the key of a client at an endpoint (the per-endpoint
// limits such as "security.login"). ip is the trusted client IP (see
// internal/clientinfo), never a header the client controls:
//
//   - an IPv4 address (also IPv4-mapped IPv6) is keyed as itself;
//   - an IPv6 address is keyed by its /64 network, because one subscriber
//     gets a whole /64 and could otherwise rotate addresses to escape the
//     limit;
//   - "ip:port" (http.Request.RemoteAddr) is keyed by its IP, so a client
//     cannot escape by opening new connections;
//   - anything else is kept as given, marked so that it cannot collide
//     with an address.
//
// Distinct (endpoint, network) pairs give distinct keys.
func ClientKey(endpoint, ip string) string {
	return "client/" + url.QueryEscape(endpoint) + "/" + clientNetwork(ip)
}

// GuestKey returns the key of an anonymous client under the general limit
// (RATELIMIT_GUEST_USER), one for all the routes that have no per-endpoint
// limit. The address is normalised as in ClientKey (an IPv6 address counts
// as its /64); the key never equals a ClientKey or a UserKey.
func GuestKey(ip string) string {
	return "guest/" + clientNetwork(ip)
}

// UserKey returns the key of a logged-in user under the general limit
// (RATELIMIT_AUTHENTICATED_USER): by user id, not by address, so that users
// behind one address (a campus NAT) do not share a budget and a user does
// not get a new one by changing address. The key never equals a ClientKey
// or a GuestKey.
func UserKey(id int64) string {
	var b [32]byte // one allocation: it is built on every logged-in request
	return string(strconv.AppendInt(append(b[:0], "user/"...), id, 10))
}

// clientNetwork normalises ip as ClientKey describes.
func clientNetwork(ip string) string {
	s := strings.TrimSpace(ip)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return "?" + ip
		}
		a = ap.Addr()
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64) // cannot fail: 64 bits of an IPv6 address
	return p.String()
}

// AccountKey returns the key of an account's limit (ACCOUNTS_*_RATELIMIT)
// under prefix (ACCOUNTS_*_RATELIMIT_KEY_PREFIX, e.g. "accounts.login").
// The email is trimmed and lower-cased, so "Ann@Example.org " and
// "ann@example.org" share a limit, then hashed with SHA-256 so that keys do
// not show addresses to whoever reads Redis. (An unsalted hash hides an
// address from a casual reader, not from one who guesses it.) It needs no
// user id, so a caller may limit an address whether or not an account has
// it, which keeps the limit from telling the two apart.
func AccountKey(prefix, email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "account/" + url.QueryEscape(prefix) + "/" + hex.EncodeToString(sum[:])
}

// DeviceKey returns the key of a device's login limit under prefix
// (ACCOUNTS_LOGIN_RATELIMIT_KEY_PREFIX): the attempts of a browser that
// shows a device cookie of the account, by the cookie's nonce (random, and
// checked by the caller before it counts). The key never equals an
// AccountKey, a ClientKey, a GuestKey or a UserKey.
func DeviceKey(prefix, nonce string) string {
	return "device/" + url.QueryEscape(prefix) + "/" + url.QueryEscape(nonce)
}
