package totp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Recovery codes are single-use lookup secrets (ASVS 6.5.2). Each has 120
// bits of entropy, so a plain SHA-256 hash is enough to store it: there is
// nothing to brute-force that a slow hash would protect.
const (
	// recoveryLen is the length of a normalized recovery code: 24 base32
	// characters, 120 bits.
	recoveryLen = 24
	// recoveryGroup is the length of the groups a code is shown in.
	recoveryGroup = 4
	// maxRecoveryCodes bounds n in NewRecoveryCodes.
	maxRecoveryCodes = 100
	// maxRecoveryInput bounds the input NormalizeRecoveryCode reads.
	maxRecoveryInput = 128
)

// recoveryEncoding is the base32 of recovery codes, in lower case so that
// they are easier to read and type.
var recoveryEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewRecoveryCodes returns n distinct recovery codes from crypto/rand, each
// 24 base32 characters in lower case shown as six groups of four joined by
// "-" ("abcd-efgh-ijkl-mnop-qrst-uvwx"). n must be between 1 and 100.
func NewRecoveryCodes(n int) ([]string, error) {
	return newRecoveryCodes(n, rand.Reader)
}

// newRecoveryCodes is NewRecoveryCodes drawing from random.
func newRecoveryCodes(n int, random io.Reader) ([]string, error) {
	if n < 1 || n > maxRecoveryCodes {
		return nil, fmt.Errorf("new recovery codes: count %d out of range", n)
	}
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	var raw [recoveryLen * 5 / 8]byte
	for len(codes) < n {
		if _, err := io.ReadFull(random, raw[:]); err != nil {
			return nil, fmt.Errorf("new recovery codes: %w", err)
		}
		c := recoveryEncoding.EncodeToString(raw[:])
		if seen[c] {
			continue
		}
		seen[c] = true
		codes = append(codes, groupRecoveryCode(c))
	}
	return codes, nil
}

// groupRecoveryCode splits a normalized code into groups joined by "-".
func groupRecoveryCode(c string) string {
	var b strings.Builder
	b.Grow(len(c) + len(c)/recoveryGroup)
	for i := 0; i < len(c); i += recoveryGroup {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(c[i : i+recoveryGroup])
	}
	return b.String()
}

// NormalizeRecoveryCode returns the normalized form of a recovery code
// typed by a user: it trims surrounding space, drops inner spaces, tabs and
// hyphens and lowers the case (of ASCII letters only). ok is true only for
// exactly 24 characters of the base32 alphabet (a-z, 2-7). Input longer than
// 128 bytes is refused without reading it.
func NormalizeRecoveryCode(input string) (string, bool) {
	if len(input) > maxRecoveryInput {
		return "", false
	}
	var c [recoveryLen]byte
	n, ok := collect(strings.TrimSpace(input), c[:], func(b byte) (byte, bool) {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return b, 'a' <= b && b <= 'z' || '2' <= b && b <= '7'
	})
	if !ok || n != recoveryLen {
		return "", false
	}
	return string(c[:]), true
}

// HashRecoveryCode returns the lowercase hex SHA-256 of a normalized
// recovery code, the form in which it is stored. The caller normalizes
// first, with NormalizeRecoveryCode.
func HashRecoveryCode(normalized string) string {
	sum := sha256.Sum256([]byte(normalized))
	return hex.EncodeToString(sum[:])
}
