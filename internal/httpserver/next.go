package httpserver

import (
	"net/url"
	"strings"
	"unicode"
)

// safeNext returns next when it is a path on this site, else "". It refuses
// what browsers may read as another host: scheme-relative URLs (//evil),
// backslashes (/\evil), any scheme or host, control or space characters
// (/%09/evil once decoded), and full-width or other look-alike slashes.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, "/") {
		return ""
	}
	decoded, err := url.PathUnescape(next)
	if err != nil {
		return ""
	}
	for _, s := range []string{next, decoded} {
		if strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
			return ""
		}
		for _, r := range s {
			if unicode.IsControl(r) || unicode.IsSpace(r) || r == '／' || r == '＼' || r == '⁄' || r == '∕' {
				return ""
			}
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	return next
}
