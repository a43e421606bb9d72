// Package clientinfo tells who is on the other end of a request: the client
// address behind trusted proxies, the browser, OS and device of its user
// agent (uap-go with the uap-core regexes, as Python's ua-parser gives them)
// and the country of its address (maxminddb-golang). It imports those two
// and the standard library.
package clientinfo

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// IP returns the client address of r. With trustedHops = 0 it is the peer
// address and X-Forwarded-For is ignored (it is spoofable). With N > 0
// trusted proxies in front (Invenio's WSGI_PROXIES, PROXYFIX_CONFIG x_for),
// it is the N-th address of X-Forwarded-For counted from the right, as
// werkzeug's ProxyFix takes it; when the header has fewer entries the peer
// address is used. It returns "" when no valid address is found.
func IP(r *http.Request, trustedHops int) string {
	peer := peerIP(r.RemoteAddr)
	if trustedHops <= 0 {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, part := range strings.Split(h, ",") {
			hops = append(hops, strings.TrimSpace(part))
		}
	}
	if len(hops) < trustedHops {
		return peer
	}
	if addr, err := netip.ParseAddr(hops[len(hops)-trustedHops]); err == nil {
		return addr.Unmap().String()
	}
	return peer
}

func peerIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	return addr.Unmap().String()
}
