package password

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SHA-crypt constants from Drepper's specification, as glibc and passlib's
// sha256_crypt use them.
const (
	sha256CryptIdent        = "$5$"
	sha256CryptRoundsPrefix = "rounds="
	sha256CryptMinRounds    = 1000
	sha256CryptMaxRounds    = 999_999_999
	// SHA256CryptDefaultRounds is the rounds count implied when a $5$ string
	// has no "rounds=" field.
	SHA256CryptDefaultRounds = 5000
	// SHA256CryptPasslibRounds is passlib's default rounds for new
	// sha256_crypt hashes.
	SHA256CryptPasslibRounds = 535000
	sha256CryptMaxSalt       = 16
	sha256CryptChecksumLen   = 43
	cryptAlphabet            = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// SHA256Crypt returns the SHA-crypt string of secret, "$5$salt$checksum" or
// "$5$rounds=N$salt$checksum", exactly as glibc's crypt and passlib's
// sha256_crypt make it. As Drepper's specification says, rounds are
// clamped to 1000..999999999 and the salt is cut at its first '$' and to
// 16 bytes; "rounds=" is left out when rounds is the implicit 5000, as
// passlib does. Salts should use only [./0-9A-Za-z]: VerifySHA256Crypt,
// like passlib, refuses others. Its cost grows with rounds times the
// secret's length: passlib's default 535000 takes on the order of 100 ms.
func SHA256Crypt(secret string, rounds int, salt string) string {
	rounds = min(max(rounds, sha256CryptMinRounds), sha256CryptMaxRounds)
	salt, _, _ = strings.Cut(salt, "$")
	if len(salt) > sha256CryptMaxSalt {
		salt = salt[:sha256CryptMaxSalt]
	}
	var b strings.Builder
	b.WriteString(sha256CryptIdent)
	if rounds != SHA256CryptDefaultRounds {
		b.WriteString(sha256CryptRoundsPrefix + strconv.Itoa(rounds) + "$")
	}
	b.WriteString(salt)
	b.WriteByte('$')
	b.WriteString(sha256CryptChecksum([]byte(secret), []byte(salt), rounds))
	return b.String()
}

// VerifySHA256Crypt reports whether secret matches stored, a sha256_crypt
// string. It applies passlib's parsing rules (rounds in 1000..999999999
// without leading zeros, at most 16 salt characters from [./0-9A-Za-z], a
// 43-character checksum) and returns false for anything else.
func VerifySHA256Crypt(secret, stored string) bool {
	rounds, salt, checksum, err := parseSHA256Crypt(stored)
	if err != nil {
		return false
	}
	sum := sha256CryptChecksum([]byte(secret), []byte(salt), rounds)
	return subtle.ConstantTimeCompare([]byte(sum), []byte(checksum)) == 1
}

// parseSHA256Crypt splits a $5$ string into rounds, salt and checksum.
func parseSHA256Crypt(s string) (rounds int, salt, checksum string, err error) {
	rest, ok := strings.CutPrefix(s, sha256CryptIdent)
	if !ok {
		return 0, "", "", errors.New("sha256_crypt: missing $5$ prefix")
	}
	fields := strings.Split(rest, "$")
	rounds = SHA256CryptDefaultRounds
	if r, ok := strings.CutPrefix(fields[0], sha256CryptRoundsPrefix); ok {
		if rounds, err = parseRounds(r, sha256CryptMinRounds, sha256CryptMaxRounds); err != nil {
			return 0, "", "", fmt.Errorf("sha256_crypt: %w", err)
		}
		fields = fields[1:]
	}
	if len(fields) != 2 {
		return 0, "", "", errors.New("sha256_crypt: want <salt>$<checksum>")
	}
	salt, checksum = fields[0], fields[1]
	if len(salt) > sha256CryptMaxSalt || !isCryptBase64(salt) {
		return 0, "", "", errors.New("sha256_crypt: salt must be at most 16 characters of [./0-9A-Za-z]")
	}
	if len(checksum) != sha256CryptChecksumLen || !isCryptBase64(checksum) {
		return 0, "", "", errors.New("sha256_crypt: checksum must be 43 characters of [./0-9A-Za-z]")
	}
	return rounds, salt, checksum, nil
}

// isCryptBase64 reports whether s uses only crypt's base64 alphabet.
func isCryptBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(cryptAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}
