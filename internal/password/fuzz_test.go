package password

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha512"
	"strconv"
	"testing"
)

// maxFuzzRounds bounds the work one fuzz input may ask for: stored strings
// legitimately carry up to 2^32-1 rounds.
const maxFuzzRounds = 5000

// seedStored adds every stored string of compat.json, and the malformed
// ones of the table tests, to f's corpus through add.
func seedStored(f *testing.F, add func(stored string)) {
	v := loadCompat(f)
	for _, c := range v.PBKDF2 {
		add(c.Hash)
	}
	for _, c := range v.InvenioAES {
		add(c.Hash)
	}
	for _, c := range v.SHA256Crypt {
		add(c.Hash)
	}
	for _, s := range malformedPBKDF2() {
		add(s)
	}
}

func FuzzParsePBKDF2SHA512(f *testing.F) {
	seedStored(f, func(s string) { f.Add(s) })
	f.Fuzz(func(t *testing.T, s string) {
		rounds, salt, sum, err := ParsePBKDF2SHA512(s)
		if err != nil {
			return
		}
		if rounds < 1 || int64(rounds) > maxRounds || len(salt) == 0 || len(salt) > maxPBKDF2Salt || len(sum) != 64 {
			t.Fatalf("Parse(%q) accepted %d rounds, %d-byte salt, %d-byte checksum", s, rounds, len(salt), len(sum))
		}
		// What parses re-encodes to the same fields, up to '+' for '.' and
		// unused trailing bits.
		again := pbkdf2Ident + strconv.Itoa(rounds) + "$" + ab64Encode(salt) + "$" + ab64Encode(sum)
		r2, salt2, sum2, err := ParsePBKDF2SHA512(again)
		if err != nil || r2 != rounds || !bytes.Equal(salt2, salt) || !bytes.Equal(sum2, sum) {
			t.Fatalf("re-encoded %q does not parse back: %v", again, err)
		}
	})
}

func FuzzVerify(f *testing.F) {
	v := loadCompat(f)
	seedStored(f, func(s string) { f.Add("tester", s) })
	f.Add(v.InvenioAES[0].Password, v.InvenioAES[0].Hash)
	f.Add(v.SHA256Crypt[0].Data, v.SHA256Crypt[0].Hash)
	f.Add("x", "9dd4e461268c8034f5c8564e155c67a6")
	h, err := New(Policy{Salt: []byte(testSalt), Rounds: 1,
		Schemes:    []string{SchemePBKDF2SHA512, SchemeInvenioAES, SchemeSHA256Crypt, SchemeHexMD5},
		SingleHash: []string{SchemeInvenioAES, SchemeSHA256Crypt, SchemeHexMD5}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, password, stored string) {
		if tooCostly(stored) {
			t.Skip()
		}
		ok, upd := h.Verify(password, stored)
		if upd && !ok {
			t.Fatalf("Verify(%q, %q) = false, true", password, stored)
		}
		_ = h.ValidateLength(password)
		_, _ = h.Identify(stored)
		_ = VerifyInvenioAES(password, stored)
	})
}

// tooCostly reports stored strings whose verification would take long.
func tooCostly(stored string) bool {
	if r, _, _, err := ParsePBKDF2SHA512(stored); err == nil && r > maxFuzzRounds {
		return true
	}
	r, _, _, err := parseSHA256Crypt(stored)
	return err == nil && r > maxFuzzRounds
}

func FuzzVerifySHA256Crypt(f *testing.F) {
	for _, c := range loadCompat(f).SHA256Crypt {
		f.Add(c.Data, c.Hash)
	}
	for _, c := range shaCryptVectors {
		f.Add(c.password, c.want)
	}
	f.Fuzz(func(t *testing.T, secret, stored string) {
		if tooCostly(stored) {
			t.Skip()
		}
		if !VerifySHA256Crypt(secret, stored) {
			return
		}
		rounds, salt, _, err := parseSHA256Crypt(stored)
		if err != nil {
			t.Fatalf("VerifySHA256Crypt accepted unparsable %q", stored)
		}
		if VerifySHA256Crypt(secret+"x", stored) {
			t.Fatalf("%q verifies two secrets", stored)
		}
		_ = SHA256Crypt(secret, rounds, salt)
	})
}

func FuzzPBKDF2Key(f *testing.F) {
	f.Add("tester", []byte("salt"), uint16(1))
	f.Add(string(make([]byte, 129)), make([]byte, 112), uint16(2))
	f.Add(PreHash([]byte(testSalt), "tester"), []byte("0123456789abcdef"), uint16(100))
	f.Fuzz(func(t *testing.T, secret string, salt []byte, r uint16) {
		rounds := int(r%200) + 1
		want, err := pbkdf2.Key(sha512.New, secret, salt, rounds, 64)
		if err != nil {
			t.Skip(err)
		}
		if got := pbkdf2SHA512Key(secret, salt, rounds); !bytes.Equal(got[:], want) {
			t.Fatalf("pbkdf2SHA512Key(%q, %x, %d) = %x, crypto/pbkdf2 %x", secret, salt, rounds, got, want)
		}
	})
}
