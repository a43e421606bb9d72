package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/invenio-go/accounts/internal/token"
)

// ErrInvalidToken is returned by ParseToken, ParseCookie and DeriveID for a
// value that is not a session token in the "<hex>_<hex>" shape (ParseCookie
// returns token.ErrBadSignature or token.ErrMalformed, wrapped, for a bad
// signature).
var ErrInvalidToken = errors.New("session: invalid token")

const (
	// randomHexLen is the length of the random part of our tokens: 128
	// bits. Invenio's sid_s has 64 bits, up to 16 hex digits.
	randomHexLen = 32
	// maxRandomHex and maxTimeHex bound what ParseToken accepts.
	maxRandomHex = 64
	maxTimeHex   = 16
	// maxCookieLen is far above a real cookie (32+1+8+1+27 = 69 bytes).
	maxCookieLen = 256
)

// NewToken returns a new session token: 128 bits from crypto/rand in 32
// lowercase hex digits, "_", and the creation time as lowercase hex Unix
// seconds. It never fails (crypto/rand.Read cannot fail since Go 1.24).
func NewToken(now time.Time) string {
	var b [randomHexLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "_" + strconv.FormatInt(now.Unix(), 16)
}

// ParseToken checks that tok has the "<hex>_<hex>" shape of our tokens and of
// Invenio's sid_s (1 to 64 lowercase hex digits, "_", 1 to 16 lowercase hex
// digits of Unix seconds) and returns its random part and creation time. It
// returns ErrInvalidToken otherwise.
func ParseToken(tok string) (random string, created time.Time, err error) {
	random, ts, ok := strings.Cut(tok, "_")
	if !ok || !isHex(random, maxRandomHex) || !isHex(ts, maxTimeHex) {
		return "", time.Time{}, ErrInvalidToken
	}
	secs, err := strconv.ParseInt(ts, 16, 64)
	if err != nil {
		return "", time.Time{}, ErrInvalidToken
	}
	return random, time.Unix(secs, 0), nil
}

// ParseCookie verifies a session cookie's value, signed as itsdangerous'
// Signer signs (so Flask-KVSession cookies parse too), and returns the token
// inside and its creation time. It returns ErrInvalidToken for a value that
// is too long or holds no token, and token.ErrMalformed or
// token.ErrBadSignature (wrapped) for a bad signature. It never panics.
func ParseCookie(s *token.Signer, value string) (tok string, created time.Time, err error) {
	if len(value) > maxCookieLen {
		return "", time.Time{}, ErrInvalidToken
	}
	tok, err = s.Unsign(value)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("session cookie: %w", err)
	}
	if _, created, err = ParseToken(tok); err != nil {
		return "", time.Time{}, err
	}
	return tok, created, nil
}

// DeriveID returns the id a token is stored under: the first 16 bytes of
// SHA-256 of the token's random part in lowercase hex, "_", and the token's
// hex time. It has the "hex_hex" shape of Invenio's sid_s and cannot be
// turned back into the token, so neither a store dump nor a database row
// can be replayed as a cookie. It returns ErrInvalidToken for a malformed
// token.
func DeriveID(tok string) (string, error) {
	if _, _, err := ParseToken(tok); err != nil {
		return "", err
	}
	random, ts, _ := strings.Cut(tok, "_")
	sum := sha256.Sum256([]byte(random))
	return hex.EncodeToString(sum[:16]) + "_" + ts, nil
}

// IsID reports whether id has the shape of a derived id (32 lowercase hex
// digits, "_", 1 to 16 lowercase hex digits).
func IsID(id string) bool {
	h, ts, ok := strings.Cut(id, "_")
	return ok && len(h) == 32 && isHex(h, 32) && isHex(ts, maxTimeHex)
}

// isStrong reports whether a parsed token has our 128 random bits (and not
// the 64 of a Flask-KVSession sid).
func isStrong(tok string) bool {
	random, _, _ := strings.Cut(tok, "_")
	return len(random) == randomHexLen
}

// isHex reports whether s is 1 to maxLen lowercase hex digits.
func isHex(s string, maxLen int) bool {
	if len(s) == 0 || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
