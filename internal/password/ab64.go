package password

import (
	"encoding/base64"
	"errors"
	"strings"
)

// errAB64 reports a field that is not passlib's adapted base64.
var errAB64 = errors.New("invalid adapted base64")

// ab64Encode returns passlib's "adapted base64" of b: the standard base64
// alphabet with '+' replaced by '.', and no padding.
func ab64Encode(b []byte) string {
	return strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(b), "+", ".")
}

// ab64Decode decodes passlib's adapted base64. It accepts both '.' and '+'
// (passlib does) and returns errAB64 for any other character outside the
// standard alphabet, for padding, and for an impossible length. Unlike
// encoding/base64 it does not skip newlines.
func ab64Decode(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if !isAB64Char(s[i]) {
			return nil, errAB64
		}
	}
	if len(s)%4 == 1 {
		return nil, errAB64
	}
	// Non-canonical trailing bits are accepted, as Python's a2b_base64 does.
	b, err := base64.RawStdEncoding.DecodeString(strings.ReplaceAll(s, ".", "+"))
	if err != nil {
		return nil, errAB64
	}
	return b, nil
}

// isAB64Char reports whether c may appear in adapted base64.
func isAB64Char(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return c == '.' || c == '/' || c == '+'
}
