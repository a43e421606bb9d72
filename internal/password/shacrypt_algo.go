package password

import (
	"crypto/sha256"
	"hash"
	"strings"
)

// sha256CryptChecksum runs Drepper's SHA-crypt with SHA-256 and returns the
// 43-character encoded checksum.
func sha256CryptChecksum(key, salt []byte, rounds int) string {
	h := sha256.New()
	a := sha256CryptInitial(h, key, salt)
	p := sha256CryptP(h, key)
	// S (steps 17 to 20): the salt 16+A[0] times, digested, to salt length.
	var sbuf [sha256.Size]byte
	h.Reset()
	for range 16 + int(a[0]) {
		h.Write(salt)
	}
	s := sha256CryptRepeat(h.Sum(sbuf[:0]), len(salt))

	for i := range rounds {
		h.Reset()
		if i%2 == 1 {
			h.Write(p)
		} else {
			h.Write(a)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i%2 == 1 {
			h.Write(a)
		} else {
			h.Write(p)
		}
		a = h.Sum(a[:0])
	}
	return sha256CryptEncode(a)
}

// sha256CryptInitial computes digest A of the SHA-crypt specification
// (steps 1 to 12): key, salt, then digest B = SHA256(key salt key) in
// key-length pieces, then B or the key for each bit of the key's length.
func sha256CryptInitial(h hash.Hash, key, salt []byte) []byte {
	h.Reset()
	h.Write(key)
	h.Write(salt)
	h.Write(key)
	b := h.Sum(make([]byte, 0, sha256.Size))

	h.Reset()
	h.Write(key)
	h.Write(salt)
	h.Write(sha256CryptRepeat(b, len(key)))
	for n := len(key); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write(b)
		} else {
			h.Write(key)
		}
	}
	return h.Sum(make([]byte, 0, sha256.Size))
}

// sha256CryptP returns the P sequence (steps 13 to 16): the digest of the
// key repeated once per key byte, itself repeated to the key's length.
func sha256CryptP(h hash.Hash, key []byte) []byte {
	h.Reset()
	for range len(key) {
		h.Write(key)
	}
	return sha256CryptRepeat(h.Sum(nil), len(key))
}

// sha256CryptRepeat returns digest repeated to exactly n bytes.
func sha256CryptRepeat(digest []byte, n int) []byte {
	out := make([]byte, n)
	for i := 0; i < n; i += len(digest) {
		copy(out[i:], digest)
	}
	return out
}

// sha256CryptOrder lists the digest bytes in the order SHA-crypt encodes
// them for SHA-256: ten groups of three, then bytes 31 and 30.
var sha256CryptOrder = [10][3]int{
	{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
	{15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29},
}

// sha256CryptEncode encodes the final digest in crypt's base64, 43 chars.
func sha256CryptEncode(a []byte) string {
	var b strings.Builder
	b.Grow(sha256CryptChecksumLen)
	put := func(w uint32, n int) {
		for range n {
			b.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	for _, g := range sha256CryptOrder {
		put(uint32(a[g[0]])<<16|uint32(a[g[1]])<<8|uint32(a[g[2]]), 4)
	}
	put(uint32(a[31])<<8|uint32(a[30]), 3)
	return b.String()
}
