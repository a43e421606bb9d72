package totp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

const (
	// sealInfo is the HKDF info of the sealing key; a new key (say, another
	// algorithm) takes a new version in both sealInfo and sealPrefix.
	sealInfo = "accounts totp secret v1"
	// sealPrefix starts every sealed string.
	sealPrefix = "v1."
	// sealKeyLen is the AES-256 key length.
	sealKeyLen = 32
	// maxSealed bounds the sealed strings Open reads; a sealed TOTP secret
	// is about 100 bytes.
	maxSealed = 1024
)

// sealEncoding is the base64 of sealed strings: URL alphabet, no padding.
var sealEncoding = base64.RawURLEncoding.Strict()

// Sealer encrypts TOTP secrets at rest: AES-256-GCM under a key derived
// from the app's SECRET_KEY by HKDF-SHA256 (no salt, info "accounts totp
// secret v1"), with a random 12-byte nonce for every Seal. A Sealer is safe
// for concurrent use.
//
// A key must seal fewer than 2^32 secrets, far more than enrolments.
type Sealer struct {
	aead cipher.AEAD
	// old opens what earlier keys sealed (SECRET_KEY_FALLBACKS).
	old []cipher.AEAD
}

// NewSealer returns a Sealer with the key derived from secretKey; what
// keys derived from fallbacks (the earlier values of SECRET_KEY, newest
// first) sealed, it opens too, so that rotating SECRET_KEY keeps every
// secret readable while the old value is listed. It returns an error for an
// empty key.
func NewSealer(secretKey []byte, fallbacks ...[]byte) (*Sealer, error) {
	aead, err := newAEAD(secretKey)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead}
	for _, k := range fallbacks {
		old, err := newAEAD(k)
		if err != nil {
			return nil, err
		}
		s.old = append(s.old, old)
	}
	return s, nil
}

// newAEAD derives the sealing key of secretKey.
func newAEAD(secretKey []byte) (cipher.AEAD, error) {
	if len(secretKey) == 0 {
		return nil, errors.New("new sealer: empty secret key")
	}
	key, err := hkdf.Key(sha256.New, secretKey, nil, sealInfo, sealKeyLen)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	// NewGCMWithRandomNonce draws a 12-byte nonce from crypto/rand on every
	// Seal and writes nonce || ciphertext || tag, the format of sealed
	// strings.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	return aead, nil
}

// Seal encrypts plain and returns "v1." followed by the unpadded base64url
// of nonce || ciphertext (the GCM tag included). It returns an error when
// plain is too long for Open to read back.
func (s *Sealer) Seal(plain string) (string, error) {
	if len(sealPrefix)+sealEncoding.EncodedLen(len(plain)+s.aead.Overhead()) > maxSealed {
		return "", fmt.Errorf("seal: %d bytes is too long", len(plain))
	}
	sealed := s.aead.Seal(nil, nil, []byte(plain), nil)
	return sealPrefix + sealEncoding.EncodeToString(sealed), nil
}

// Open returns the plain text of a string made by Seal with the same key,
// or with one of the fallbacks.
// It returns an error, and never panics, for anything else: a wrong prefix,
// bad base64, a short or over-long input (more than 1024 bytes), another
// key, altered bytes.
func (s *Sealer) Open(sealed string) (string, error) {
	if len(sealed) > maxSealed {
		return "", errors.New("open sealed secret: too long")
	}
	b64, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", errors.New("open sealed secret: unknown version")
	}
	// The decoder skips line breaks, so more than one string would decode
	// to the same bytes; refuse them to keep the encoding one-to-one.
	if strings.ContainsAny(b64, "\r\n") {
		return "", errors.New("open sealed secret: bad base64")
	}
	raw, err := sealEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("open sealed secret: %w", err)
	}
	if len(raw) < s.aead.Overhead() {
		return "", errors.New("open sealed secret: too short")
	}
	plain, err := s.aead.Open(nil, nil, raw, nil)
	for _, old := range s.old {
		if err == nil {
			break
		}
		plain, err = old.Open(nil, nil, raw, nil)
	}
	if err != nil {
		return "", fmt.Errorf("open sealed secret: %w", err)
	}
	return string(plain), nil
}
