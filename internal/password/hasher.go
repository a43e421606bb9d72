package password

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
)

// Hash returns a new pbkdf2_sha512 string for password: a 16-byte random
// salt, h.Rounds() rounds, over the pre-hash (over the password itself if
// the policy lists pbkdf2_sha512 in SingleHash, as Flask-Security does).
// It returns ErrInputTooLong for a password over MaxInput bytes, and an
// error if the system's random source fails. It does not check the
// password's length or content: that is ValidateLength's job.
func (h *Hasher) Hash(password string) (string, error) {
	if len(password) > MaxInput {
		return "", ErrInputTooLong
	}
	var salt [16]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	return PBKDF2SHA512(h.secret(SchemePBKDF2SHA512, password), salt[:], h.rounds), nil
}

// Verify reports whether password matches stored, a string as
// accounts_user.password holds it, and whether the stored string should be
// replaced by Hash(password): needsUpdate is true only when ok is true and
// the scheme is deprecated or is pbkdf2_sha512 with fewer rounds than
// h.Rounds(). A password over MaxInput bytes, and an empty, unknown,
// malformed or not accepted stored string, give (false, false) after a
// dummy verification that costs what verifying a new hash costs. Verify
// never panics.
func (h *Hasher) Verify(password, stored string) (ok, needsUpdate bool) {
	if len(password) > MaxInput {
		h.DummyVerify("")
		return false, false
	}
	scheme, found := h.Identify(stored)
	if !found {
		h.DummyVerify(password)
		return false, false
	}
	secret := h.secret(scheme, password)
	var err error
	switch scheme {
	case SchemePBKDF2SHA512:
		var rounds int
		ok, rounds, err = verifyPBKDF2SHA512(secret, stored)
		needsUpdate = ok && rounds < h.rounds
	case SchemeInvenioAES:
		ok, err = verifyInvenioAES(secret, stored)
	case SchemeSHA256Crypt:
		if _, _, _, err = parseSHA256Crypt(stored); err == nil {
			ok = VerifySHA256Crypt(secret, stored)
		}
	case SchemeHexMD5:
		ok = verifyHexMD5(secret, stored)
	}
	if err != nil {
		h.DummyVerify(password)
		return false, false
	}
	return ok, ok && (needsUpdate || slices.Contains(h.deprecated, scheme))
}

// DummyVerify verifies password against a pbkdf2_sha512 hash at h.Rounds()
// that nothing matches, and discards the result. Call it when there is no
// stored hash (unknown user, no password set) so that the response takes as
// long as a real verification.
func (h *Hasher) DummyVerify(password string) {
	if len(password) > MaxInput {
		password = ""
	}
	verifyPBKDF2SHA512(h.secret(SchemePBKDF2SHA512, password), h.dummy)
}

// Identify returns the name of the first accepted scheme that recognises
// stored, as passlib's CryptContext.identify does: by its prefix
// ("$pbkdf2-sha512$", "$invenio-aes$", "$5$"), or for hex_md5 by being 32
// hex digits. It does not check the rest of the string; ok is false for ""
// and for strings no accepted scheme recognises.
func (h *Hasher) Identify(stored string) (scheme string, ok bool) {
	for _, s := range h.schemes {
		if recognises(s, stored) {
			return s, true
		}
	}
	return "", false
}

// recognises reports whether stored looks like a string of scheme.
func recognises(scheme, stored string) bool {
	switch scheme {
	case SchemePBKDF2SHA512:
		return strings.HasPrefix(stored, pbkdf2Ident)
	case SchemeInvenioAES:
		return strings.HasPrefix(stored, invenioAESIdent)
	case SchemeSHA256Crypt:
		return strings.HasPrefix(stored, sha256CryptIdent)
	case SchemeHexMD5:
		return isHexMD5(stored)
	}
	return false
}

// secret returns what scheme hashes for password: the password itself for
// single-hash schemes, otherwise Flask-Security's pre-hash.
func (h *Hasher) secret(scheme, password string) string {
	if slices.Contains(h.single, scheme) {
		return password
	}
	return PreHash(h.salt, password)
}
