package password

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// HexMD5 returns passlib's hex_md5 of s: the lowercase hex MD5 of its bytes.
// Like crypto/md5, it panics under GODEBUG=fips140=only.
func HexMD5(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// verifyHexMD5 compares HexMD5(secret) with stored, case-insensitively as
// passlib does, in constant time. stored must be 32 hex digits.
func verifyHexMD5(secret, stored string) bool {
	if !isHexMD5(stored) {
		return false
	}
	sum := HexMD5(secret)
	return subtle.ConstantTimeCompare([]byte(sum), []byte(strings.ToLower(stored))) == 1
}

// isHexMD5 reports whether s looks like a hex_md5 hash: 32 hex digits.
func isHexMD5(s string) bool {
	if len(s) != 2*md5.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
