package password

import (
	"cmp"
	"crypto/fips140"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
)

// Scheme names, as passlib and SECURITY_PASSWORD_SCHEMES spell them.
const (
	SchemePBKDF2SHA512 = "pbkdf2_sha512"
	SchemeInvenioAES   = "invenio_aes_encrypted_email"
	SchemeSHA256Crypt  = "sha256_crypt"
	SchemeHexMD5       = "hex_md5"
)

// Defaults applied by New to zero fields of a Policy.
const (
	DefaultRounds    = 210000 // OWASP's figure for PBKDF2-HMAC-SHA512
	DefaultMinLength = 8
	MaxLength        = 128 // code points, Flask-Security's fixed maximum
)

// MaxInput is the longest password, in bytes, that Hash accepts and Verify
// tries; longer ones are refused (passlib's MAX_PASSWORD_SIZE). It bounds
// the work an unauthenticated request can cause in the pre-hash.
const MaxInput = 4096

// ErrInputTooLong is returned by Hash for a password over MaxInput bytes.
var ErrInputTooLong = fmt.Errorf("password: longer than %d bytes", MaxInput)

// Policy mirrors Flask-Security's CryptContext configuration.
type Policy struct {
	Salt       []byte   // SECURITY_PASSWORD_SALT: HMAC-SHA512 key of the pre-hash
	Rounds     int      // rounds for new pbkdf2_sha512 hashes (0 → 210000)
	Schemes    []string // accepted schemes (nil → pbkdf2_sha512, invenio_aes_encrypted_email)
	Deprecated []string // schemes rehashed on success (nil → invenio_aes_encrypted_email)
	SingleHash []string // schemes verified without the pre-hash (nil → invenio_aes_encrypted_email)
	MinLength  int      // SECURITY_PASSWORD_LENGTH_MIN (0 → 8)
}

// Hasher hashes and verifies passwords under a Policy. It is immutable and
// safe for concurrent use.
type Hasher struct {
	salt       []byte
	rounds     int
	schemes    []string // in Policy order; Identify tries them in turn
	deprecated []string
	single     []string
	minLength  int
	dummy      string // a pbkdf2_sha512 string at rounds that nothing matches
}

// New checks p, applies its defaults and returns a Hasher. It returns an
// error for an empty Salt, a negative Rounds or one over 2^32-1, a
// MinLength outside 0..128, an unknown scheme name in any list, Schemes
// without pbkdf2_sha512 (the scheme of new hashes), pbkdf2_sha512 in
// Deprecated, or hex_md5 in Schemes under GODEBUG=fips140=only (where MD5
// panics). New does no hashing: it costs microseconds.
func New(p Policy) (*Hasher, error) {
	if len(p.Salt) == 0 {
		return nil, errors.New("password: empty salt (SECURITY_PASSWORD_SALT)")
	}
	if p.Rounds < 0 || int64(p.Rounds) > maxRounds {
		return nil, fmt.Errorf("password: rounds %d outside 1..%d (0 for %d)", p.Rounds, int64(maxRounds), DefaultRounds)
	}
	if p.MinLength < 0 || p.MinLength > MaxLength {
		return nil, fmt.Errorf("password: minimum length %d outside 1..%d (0 for %d)", p.MinLength, MaxLength, DefaultMinLength)
	}
	h := &Hasher{
		salt:       slices.Clone(p.Salt),
		rounds:     cmp.Or(p.Rounds, DefaultRounds),
		schemes:    orDefault(p.Schemes, SchemePBKDF2SHA512, SchemeInvenioAES),
		deprecated: orDefault(p.Deprecated, SchemeInvenioAES),
		single:     orDefault(p.SingleHash, SchemeInvenioAES),
		minLength:  cmp.Or(p.MinLength, DefaultMinLength),
	}
	for _, list := range [][]string{h.schemes, h.deprecated, h.single} {
		for _, s := range list {
			if !knownScheme(s) {
				return nil, fmt.Errorf("password: unknown scheme %q", s)
			}
		}
	}
	if !slices.Contains(h.schemes, SchemePBKDF2SHA512) {
		return nil, errors.New("password: schemes must include pbkdf2_sha512, the scheme of new hashes")
	}
	if slices.Contains(h.schemes, SchemeHexMD5) && fips140.Enforced() {
		return nil, errors.New("password: hex_md5 needs MD5, which GODEBUG=fips140=only forbids")
	}
	if slices.Contains(h.deprecated, SchemePBKDF2SHA512) {
		return nil, errors.New("password: pbkdf2_sha512, the scheme of new hashes, cannot be deprecated")
	}
	h.dummy = dummyHash(h.rounds)
	return h, nil
}

// orDefault returns a copy of list, or def when list is nil.
func orDefault(list []string, def ...string) []string {
	if list == nil {
		return def
	}
	return slices.Clone(list)
}

// knownScheme reports whether this package implements the scheme name.
func knownScheme(name string) bool {
	switch name {
	case SchemePBKDF2SHA512, SchemeInvenioAES, SchemeSHA256Crypt, SchemeHexMD5:
		return true
	}
	return false
}

// dummyHash returns a pbkdf2_sha512 string at rounds with a random salt and
// a random checksum: verifying against it costs what verifying a new hash
// costs, and no password matches it.
func dummyHash(rounds int) string {
	var b [16 + pbkdf2KeyBytes]byte
	rand.Read(b[:]) // never fails (crypto/rand crashes the program instead)
	return fmt.Sprintf("%s%d$%s$%s", pbkdf2Ident, rounds, ab64Encode(b[:16]), ab64Encode(b[16:]))
}

// Rounds returns the rounds of new pbkdf2_sha512 hashes.
func (h *Hasher) Rounds() int { return h.rounds }

// MinLength returns the minimum password length in code points.
func (h *Hasher) MinLength() int { return h.minLength }
