package totp

import "strings"

// ParseCode normalizes user input for a TOTP code: it trims surrounding
// space and removes inner spaces, tabs and hyphens (apps show "123 456").
// ok is true only when the result is exactly 6 ASCII digits; other digits,
// such as Arabic-Indic or full-width ones, are refused. Input longer than
// 64 bytes is refused without reading it.
func ParseCode(input string) (code string, ok bool) {
	if len(input) > maxCodeInput {
		return "", false
	}
	var c [Digits]byte
	n, ok := collect(strings.TrimSpace(input), c[:], func(b byte) (byte, bool) {
		return b, '0' <= b && b <= '9'
	})
	if !ok || n != Digits {
		return "", false
	}
	return string(c[:]), true
}

// maxCodeInput bounds the input ParseCode reads.
const maxCodeInput = 64

// collect copies the bytes of s that keep accepts, mapped by keep, into
// dst, skipping spaces, tabs and hyphens. It reports false for any other byte
// (every non-ASCII one included) or when dst would overflow.
func collect(s string, dst []byte, keep func(byte) (byte, bool)) (n int, ok bool) {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b == ' ' || b == '-' || b == '\t' {
			continue
		}
		m, ok := keep(b)
		if !ok || n == len(dst) {
			return 0, false
		}
		dst[n] = m
		n++
	}
	return n, true
}
