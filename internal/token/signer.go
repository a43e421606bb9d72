// Package token signs and verifies values exactly as the Python library
// itsdangerous (2.x) does, so that cookies and tokens issued by
// Invenio-Accounts and Flask-Security verify here and ours verify there:
//
//   - Signer is itsdangerous' Signer with the "django-concat" key
//     derivation and HMAC-SHA1 (Flask-KVSession's session cookie);
//   - TimedSerializer is itsdangerous' URLSafeTimedSerializer;
//   - AccountTokens are Flask-Security's confirmation and reset tokens on
//     top of it ([user id, sha256_crypt(email or password hash)]).
//
// It imports the standard library and internal/password. Errors never contain the value or
// token being checked, so they are safe to log.
package token

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"strings"
)

// DefaultSalt is itsdangerous' default Signer salt, the one Flask-KVSession
// uses to sign session cookies.
const DefaultSalt = "itsdangerous.Signer"

// Errors returned by Unsign and Loads. Each means "do not trust this value";
// they differ only so that callers can report them differently.
var (
	// ErrBadSignature: the value is well formed but its signature does not
	// match (wrong key, wrong salt or tampered data).
	ErrBadSignature = errors.New("token: bad signature")
	// ErrMalformed: the value is not in the signed format at all (missing
	// separator, bad base64, bad timestamp, undecodable payload, too long).
	ErrMalformed = errors.New("token: malformed")
	// ErrExpired: the signature is good but the timestamp is older than the
	// allowed age, or in the future.
	ErrExpired = errors.New("token: expired")
)

// sep separates the value from its signature (and the payload from its
// timestamp), as in itsdangerous.
const sep = "."

// sigLen is the length of an HMAC-SHA1 signature in unpadded base64url.
var sigLen = base64.RawURLEncoding.EncodedLen(sha1.Size)

// Signer signs strings as itsdangerous.Signer(secret_key, salt=salt,
// key_derivation="django-concat", digest_method=sha1) does. It is safe for
// concurrent use.
type Signer struct {
	key []byte // SHA1(salt + "signer" + secret)
}

// NewSigner returns a Signer for the secret key and salt. The salt is used as
// given ("" is a valid, distinct salt); Flask-KVSession uses DefaultSalt.
func NewSigner(secret []byte, salt string) *Signer {
	h := sha1.New()
	h.Write([]byte(salt))
	h.Write([]byte("signer"))
	h.Write(secret)
	return &Signer{key: h.Sum(nil)}
}

// Sign returns value + "." + base64url_nopad(HMAC-SHA1(derived key, value)).
func (s *Signer) Sign(value string) string {
	mac := s.mac(value)
	var b strings.Builder
	b.Grow(len(value) + len(sep) + sigLen)
	b.WriteString(value)
	b.WriteString(sep)
	b.WriteString(base64.RawURLEncoding.EncodeToString(mac))
	return b.String()
}

// Unsign verifies a value made by Sign and returns the value without its
// signature. It returns ErrMalformed when there is no separator or the
// signature is not canonical unpadded base64url of 20 bytes, and
// ErrBadSignature when the signature does not match. The comparison is in
// constant time.
func (s *Signer) Unsign(signed string) (string, error) {
	i := strings.LastIndex(signed, sep)
	if i < 0 {
		return "", ErrMalformed
	}
	value, enc := signed[:i], signed[i+len(sep):]
	if len(enc) != sigLen {
		return "", ErrMalformed
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return "", ErrMalformed
	}
	if !hmac.Equal(sig, s.mac(value)) {
		return "", ErrBadSignature
	}
	return value, nil
}

func (s *Signer) mac(value string) []byte {
	h := hmac.New(sha1.New, s.key)
	h.Write([]byte(value))
	return h.Sum(nil)
}
