package password

import (
	"crypto/sha512"
	"crypto/subtle"
	"encoding"
	"encoding/binary"
	"hash"
)

// The PBKDF2 loop below is the hot path of every login. crypto/pbkdf2 spends
// about a fifth of its time outside the SHA-512 block function: each
// iteration restores the HMAC pads, copies the digest in Sum and pads the
// message there. Here every iteration is exactly two SHA-512 compressions,
// each driven through the digest's public state serialization:
//
//	inner = compress(ipad state, U || padding)
//	U'    = compress(opad state, inner || padding)
//
// With a 64-byte message after the 128-byte pad block, the final SHA-512
// block is U, 0x80, zeros and the bit length 192*8, so writing that one
// 128-byte block to a digest restored from the pad state runs the block
// function once, and the chaining value it leaves is the hash. The
// marshaled form of crypto/sha512's digest is "sha\x07", the eight
// big-endian state words, the 128-byte buffer and the length; Go keeps it
// compatible across releases (see package hash), and layoutOK checks
// it before use, falling back to pbkdf2SHA512Plain otherwise.

// sha512State is a SHA-512 digest whose chaining state can be saved and
// restored, as crypto/sha512's is.
type sha512State interface {
	hash.Hash
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

const (
	sha512Block     = 128
	marshaledSHA512 = 4 + 8*8 + sha512Block + 8 // magic, state, buffer, length
	stateStart      = 4
	stateEnd        = stateStart + sha512.Size
)

// pbkdf2SHA512Key returns PBKDF2-HMAC-SHA512(secret, salt, rounds) with a
// 64-byte output; rounds below 1 count as 1.
func pbkdf2SHA512Key(secret string, salt []byte, rounds int) [sha512.Size]byte {
	if key, ok := pbkdf2SHA512Fast(secret, salt, rounds); ok {
		return key
	}
	return pbkdf2SHA512Plain(secret, salt, rounds)
}

// pbkdf2SHA512Fast is pbkdf2SHA512Key through saved digest states; ok is
// false if crypto/sha512 does not save them as expected.
func pbkdf2SHA512Fast(secret string, salt []byte, rounds int) (key [sha512.Size]byte, ok bool) {
	inner, imar, ok1 := newSHA512State(secret, 0x36)
	outer, omar, ok2 := newSHA512State(secret, 0x5c)
	if !ok1 || !ok2 || !layoutOK() {
		return key, false
	}
	return key, pbkdf2Chain(&key, inner, outer, imar, omar, salt, rounds)
}

// newSHA512State returns a SHA-512 digest that has absorbed the HMAC key
// block for secret XORed with pad, and its marshaled state. ok is false if
// the digest cannot be marshaled in the expected layout.
func newSHA512State(secret string, pad byte) (d sha512State, marshaled []byte, ok bool) {
	d, ok = sha512.New().(sha512State)
	if !ok {
		return nil, nil, false
	}
	block := hmacKeyBlock([]byte(secret), pad)
	d.Write(block[:])
	clear(block[:])
	marshaled, err := d.AppendBinary(make([]byte, 0, marshaledSHA512))
	if err != nil || len(marshaled) != marshaledSHA512 {
		return nil, nil, false
	}
	return d, marshaled, true
}

// layoutOK reports whether a fresh digest marshals its first state word,
// the SHA-512 IV, where compress reads the chaining value.
func layoutOK() bool {
	d, ok := sha512.New().(sha512State)
	if !ok {
		return false
	}
	var buf [marshaledSHA512]byte
	b, err := d.AppendBinary(buf[:0])
	return err == nil && len(b) == marshaledSHA512 &&
		string(b[:4]) == "sha\x07" && binary.BigEndian.Uint64(b[stateStart:]) == 0x6a09e667f3bcc908
}

// pbkdf2Chain computes the single PBKDF2 block into out. It returns false,
// leaving out unspecified, if a digest refuses its saved state.
func pbkdf2Chain(out *[sha512.Size]byte, inner, outer sha512State, imar, omar, salt []byte, rounds int) bool {
	// U1 = HMAC(secret, salt || INT(1)), through the same saved pad states.
	if inner.UnmarshalBinary(imar) != nil || outer.UnmarshalBinary(omar) != nil {
		return false
	}
	inner.Write(salt)
	inner.Write([]byte{0, 0, 0, 1})
	var block [sha512Block]byte
	outer.Write(inner.Sum(block[:0]))
	outer.Sum(block[:0])
	copy(out[:], block[:sha512.Size])

	// From here on block holds U, then the fixed SHA-512 padding of a
	// 64-byte message that follows one 128-byte pad block.
	clear(block[sha512.Size:])
	block[sha512.Size] = 0x80
	binary.BigEndian.PutUint64(block[sha512Block-8:], (sha512Block+sha512.Size)*8)
	buf := make([]byte, 0, marshaledSHA512)
	for n := 2; n <= rounds; n++ {
		if !compress(inner, imar, &block, &buf) || !compress(outer, omar, &block, &buf) {
			return false
		}
		subtle.XORBytes(out[:], out[:], block[:sha512.Size])
	}
	return true
}

// compress restores d to the saved state, runs the block function once on
// block and writes the resulting chaining value over block's first 64 bytes.
func compress(d sha512State, saved []byte, block *[sha512Block]byte, buf *[]byte) bool {
	if d.UnmarshalBinary(saved) != nil {
		return false
	}
	d.Write(block[:])
	b, err := d.AppendBinary((*buf)[:0])
	if err != nil || len(b) != marshaledSHA512 {
		return false
	}
	copy(block[:sha512.Size], b[stateStart:stateEnd])
	*buf = b
	return true
}
