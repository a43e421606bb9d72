package totp

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash"
	"time"
)

// The TOTP parameters: the defaults of RFC 6238 and the only ones every
// authenticator app supports.
const (
	Digits = 6
	Period = 30 * time.Second
	Skew   = 1 // steps accepted on each side of the current one (ASVS 6.5.5: 30 s ±1 step)
)

const (
	// periodSeconds is Period in whole seconds.
	periodSeconds = int64(Period / time.Second)
	// digitsMod is 10^Digits.
	digitsMod = 1_000_000
)

// Step returns the time step (counter) of t: floor(unix(t)/30).
func Step(t time.Time) int64 {
	u := t.Unix()
	s := u / periodSeconds
	if u%periodSeconds < 0 {
		s--
	}
	return s
}

// Code returns the code of secret for step: the 6-digit HOTP (RFC 4226,
// HMAC-SHA1) of the step, zero padded. It returns an error for a secret
// that is not upper-case unpadded base32 of at most 64 bytes, or is empty,
// and for a negative step.
func Code(secret string, step int64) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	if step < 0 {
		return "", errors.New("totp code: negative step")
	}
	var c [Digits]byte
	newHOTP(key).code(step, &c)
	return string(c[:]), nil
}

// Match checks code against secret at now's step and Skew steps on either
// side, comparing every candidate in constant time without an early exit,
// and returns the step that matched (the earliest, in the one-in-a-million
// case that two do, so that a replayed code is refused whenever it can be).
//
// ok is false for a wrong code, for a code that is not exactly 6 ASCII
// digits after [ParseCode], and for an invalid secret. The caller refuses a
// step not greater than the last one it accepted (replay).
func Match(secret, code string, now time.Time) (step int64, ok bool) {
	code, ok = ParseCode(code)
	if !ok {
		return 0, false
	}
	key, err := decodeSecret(secret)
	if err != nil {
		return 0, false
	}
	h := newHOTP(key)
	now0 := Step(now)
	want := []byte(code)
	var found int
	var c [Digits]byte
	for s := now0 - Skew; s <= now0+Skew; s++ {
		if s < 0 {
			continue // before 1970: only a broken clock gets here
		}
		h.code(s, &c)
		take := subtle.ConstantTimeCompare(c[:], want) &^ found
		step |= s & -int64(take)
		found |= take
	}
	return step, found == 1
}

// hotp computes HOTP codes for one key, reusing its HMAC state.
type hotp struct {
	mac hash.Hash
}

// newHOTP returns an hotp for key.
func newHOTP(key []byte) hotp {
	return hotp{mac: hmac.New(sha1.New, key)}
}

// code writes the code of step into c (RFC 4226 section 5.3).
func (h hotp) code(step int64, c *[Digits]byte) {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	var sum [sha1.Size]byte
	h.mac.Reset()
	h.mac.Write(msg[:])
	h.mac.Sum(sum[:0])
	off := sum[len(sum)-1] & 0x0f
	v := (binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fff_ffff) % digitsMod
	for i := Digits - 1; i >= 0; i-- {
		c[i] = byte('0' + v%10)
		v /= 10
	}
}
