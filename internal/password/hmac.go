package password

import (
	"crypto/sha512"
	"crypto/subtle"
)

// hmacSHA512 returns HMAC-SHA512(key, the concatenated msg) per RFC 2104.
// crypto/hmac would do, but panics under GODEBUG=fips140=only for keys
// shorter than 112 bits, and SECURITY_PASSWORD_SALT is the operator's to
// choose; tests check this against crypto/hmac.
func hmacSHA512(key []byte, msg ...[]byte) [sha512.Size]byte {
	block := hmacKeyBlock(key, 0x36)
	d := sha512.New()
	d.Write(block[:])
	for _, m := range msg {
		d.Write(m)
	}
	var inner, out [sha512.Size]byte
	d.Sum(inner[:0])
	for i := range block {
		block[i] ^= 0x36 ^ 0x5c
	}
	d.Reset()
	d.Write(block[:])
	d.Write(inner[:])
	d.Sum(out[:0])
	clear(block[:])
	return out
}

// hmacKeyBlock returns HMAC's key block for key (hashed first when longer
// than a block) XORed with pad: 0x36 for the inner hash, 0x5c for the outer.
func hmacKeyBlock(key []byte, pad byte) [sha512Block]byte {
	var block [sha512Block]byte
	if len(key) > sha512Block {
		sum := sha512.Sum512(key)
		copy(block[:], sum[:])
	} else {
		copy(block[:], key)
	}
	for i := range block {
		block[i] ^= pad
	}
	return block
}

// pbkdf2SHA512Plain is PBKDF2-HMAC-SHA512 with a 64-byte output written
// out plainly, one HMAC per iteration: the fallback of pbkdf2SHA512Key.
func pbkdf2SHA512Plain(secret string, salt []byte, rounds int) [sha512.Size]byte {
	key := []byte(secret)
	u := hmacSHA512(key, salt, []byte{0, 0, 0, 1})
	t := u
	for n := 2; n <= rounds; n++ {
		u = hmacSHA512(key, u[:])
		subtle.XORBytes(t[:], t[:], u[:])
	}
	return t
}
