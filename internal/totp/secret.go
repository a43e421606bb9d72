package totp

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

const (
	// secretBytes is the length of a new secret: 160 bits, the HMAC-SHA1
	// output length RFC 4226 recommends.
	secretBytes = 20
	// maxSecretLen bounds the base32 secrets Code and Match accept (a
	// 512-bit key), so that a corrupt stored value costs no more than that.
	maxSecretLen = 103
)

// secretEncoding is the base32 of secrets: RFC 4648, upper case, no padding.
var secretEncoding = base32.NewEncoding(base32Alphabet).WithPadding(base32.NoPadding)

// NewSecret returns a new random secret: 20 bytes (160 bits) from
// crypto/rand, base32 (RFC 4648, upper case, no padding), 32 characters.
func NewSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new totp secret: %w", err)
	}
	return secretEncoding.EncodeToString(b), nil
}

// URI returns the otpauth://totp/ key URI that authenticator apps read
// (github.com/google/google-authenticator/wiki/Key-Uri-Format): label
// "issuer:account" and the parameters secret, issuer, algorithm=SHA1,
// digits=6 and period=30. Issuer and account are percent-encoded, a space
// as %20 and a colon as %3A, so that the one literal colon separates them.
// With an empty issuer the label is the account alone and there is no
// issuer parameter.
func URI(issuer, account, secret string) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	if issuer != "" {
		b.WriteString(escapeURIComponent(issuer))
		b.WriteByte(':')
	}
	b.WriteString(escapeURIComponent(account))
	b.WriteString("?secret=")
	b.WriteString(escapeURIComponent(secret))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escapeURIComponent(issuer))
	}
	b.WriteString("&algorithm=SHA1&digits=")
	b.WriteString(strconv.Itoa(Digits))
	b.WriteString("&period=")
	b.WriteString(strconv.FormatInt(periodSeconds, 10))
	return b.String()
}

// escapeURIComponent percent-encodes every byte of s but the unreserved
// characters of RFC 3986 and '@' (which emails keep readable). Unlike
// url.PathEscape it encodes ':', '&', '=' and '+', and unlike
// url.QueryEscape it writes a space as %20, which some apps would otherwise
// show as '+'.
func escapeURIComponent(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '@':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// decodeSecret decodes a secret of NewSecret's alphabet and form. It
// refuses what encoding/base32 would quietly accept: padding, lower case,
// the line breaks the decoder skips, lengths that leave a partial byte
// (the decoder drops it) and non-zero unused bits in the last character.
func decodeSecret(secret string) ([]byte, error) {
	if secret == "" || len(secret) > maxSecretLen {
		return nil, fmt.Errorf("totp secret: length %d out of range", len(secret))
	}
	for i := 0; i < len(secret); i++ {
		if c := secret[i]; !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return nil, errors.New("totp secret: not upper-case base32")
		}
	}
	// unused[n] is the number of unused low bits of the last character
	// when len%8 is n, -1 where n is not a valid length.
	unused := [8]int{0, -1, 2, -1, 4, 1, -1, 3}
	u := unused[len(secret)%8]
	if u < 0 {
		return nil, fmt.Errorf("totp secret: length %d is not valid base32", len(secret))
	}
	key, err := secretEncoding.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("totp secret: %w", err)
	}
	if last := strings.IndexByte(base32Alphabet, secret[len(secret)-1]); last&(1<<u-1) != 0 {
		return nil, errors.New("totp secret: not canonical base32")
	}
	return key, nil
}

// base32Alphabet is the alphabet of RFC 4648 base32.
const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
