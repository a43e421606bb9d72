package password

import (
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// pbkdf2Ident is the prefix of passlib's pbkdf2_sha512 strings.
const pbkdf2Ident = "$pbkdf2-sha512$"

const (
	maxRounds      = 1<<32 - 1 // passlib's and PBKDF2's upper bound
	maxPBKDF2Salt  = 1024      // passlib's pbkdf2 max_salt_size, in bytes
	pbkdf2KeyBytes = sha512.Size
)

// PreHash returns Flask-Security's get_hmac: the standard base64, with
// padding, of HMAC-SHA512 keyed with salt (SECURITY_PASSWORD_SALT) over the
// UTF-8 password. The result is always 88 ASCII characters.
func PreHash(salt []byte, password string) string {
	sum := hmacSHA512(salt, []byte(password))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// PBKDF2SHA512 returns passlib's pbkdf2_sha512 string
// "$pbkdf2-sha512$<rounds>$<ab64 salt>$<ab64 checksum>" for secret, where
// the checksum is PBKDF2-HMAC-SHA512(secret, salt, rounds, 64 bytes).
// Callers pass rounds in 1..2^32-1 and a salt of 1 to 1024 bytes, which
// is what ParsePBKDF2SHA512 accepts back; rounds below 1 are raised to 1
// (and the string says 1).
func PBKDF2SHA512(secret string, salt []byte, rounds int) string {
	rounds = max(rounds, 1)
	key := pbkdf2SHA512Key(secret, salt, rounds)
	return pbkdf2Ident + strconv.Itoa(rounds) + "$" + ab64Encode(salt) + "$" + ab64Encode(key[:])
}

// ParsePBKDF2SHA512 splits a passlib pbkdf2_sha512 string into its rounds,
// salt and 64-byte checksum. It returns an error, never panics, for a wrong
// prefix, a missing or empty field, rounds that are not a decimal in
// 1..2^32-1 without leading zeros, a salt longer than 1024 bytes, a field
// that is not adapted base64, or a checksum that is not 64 bytes.
func ParsePBKDF2SHA512(s string) (rounds int, salt, checksum []byte, err error) {
	rest, ok := strings.CutPrefix(s, pbkdf2Ident)
	if !ok {
		return 0, nil, nil, errors.New("pbkdf2_sha512: missing $pbkdf2-sha512$ prefix")
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return 0, nil, nil, fmt.Errorf("pbkdf2_sha512: want 3 fields after the prefix, have %d", len(fields))
	}
	if rounds, err = parseRounds(fields[0], 1, maxRounds); err != nil {
		return 0, nil, nil, fmt.Errorf("pbkdf2_sha512: %w", err)
	}
	if fields[1] == "" {
		return 0, nil, nil, errors.New("pbkdf2_sha512: empty salt")
	}
	if salt, err = ab64Decode(fields[1]); err != nil {
		return 0, nil, nil, fmt.Errorf("pbkdf2_sha512: salt: %w", err)
	}
	if len(salt) > maxPBKDF2Salt {
		return 0, nil, nil, fmt.Errorf("pbkdf2_sha512: salt of %d bytes, more than %d", len(salt), maxPBKDF2Salt)
	}
	if checksum, err = ab64Decode(fields[2]); err != nil {
		return 0, nil, nil, fmt.Errorf("pbkdf2_sha512: checksum: %w", err)
	}
	if len(checksum) != pbkdf2KeyBytes {
		return 0, nil, nil, fmt.Errorf("pbkdf2_sha512: checksum of %d bytes, want %d", len(checksum), pbkdf2KeyBytes)
	}
	return rounds, salt, checksum, nil
}

// parseRounds parses a rounds field as passlib writes it: ASCII decimal
// digits without sign or leading zeros, in lo..hi.
func parseRounds(s string, lo, hi uint64) (int, error) {
	if s == "" {
		return 0, errors.New("empty rounds")
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("rounds with leading zeros")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("rounds not a decimal number")
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n < lo || n > hi || n > math.MaxInt {
		return 0, fmt.Errorf("rounds out of range %d..%d", lo, hi)
	}
	return int(n), nil
}

// verifyPBKDF2SHA512 reports whether secret matches the pbkdf2_sha512
// string stored, and returns its rounds. The error is non-nil only when
// stored is malformed; then nothing was computed.
func verifyPBKDF2SHA512(secret, stored string) (ok bool, rounds int, err error) {
	rounds, salt, checksum, err := ParsePBKDF2SHA512(stored)
	if err != nil {
		return false, 0, err
	}
	key := pbkdf2SHA512Key(secret, salt, rounds)
	return subtle.ConstantTimeCompare(key[:], checksum) == 1, rounds, nil
}
