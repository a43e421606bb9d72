package password

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha512"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A valid pbkdf2_sha512 string and its parts, from the spec (§3.2).
const (
	specSalt = "AAECAwQFBgcICQoLDA0ODw"
	specSum  = "6h.zDoJC3OlI23whk1BDUXS/6Il7bI216kPBu92ThA2l7k8shWndxwq9yqZD9toqfUrFdQwxU.4RAevgPckEYg"
	specHash = "$pbkdf2-sha512$25000$" + specSalt + "$" + specSum
)

func TestParsePBKDF2SHA512(t *testing.T) {
	salt := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	rounds, gotSalt, sum, err := ParsePBKDF2SHA512(specHash)
	if err != nil || rounds != 25000 || !bytes.Equal(gotSalt, salt) || len(sum) != 64 {
		t.Fatalf("Parse(spec) = %d, %x, %d bytes, %v", rounds, gotSalt, len(sum), err)
	}
	// '+' is accepted wherever '.' is, as passlib does.
	_, _, sum2, err := ParsePBKDF2SHA512(strings.ReplaceAll(specHash, ".", "+"))
	if err != nil || !bytes.Equal(sum, sum2) {
		t.Errorf("Parse with '+' = %x, %v", sum2, err)
	}
	valid := []string{
		"$pbkdf2-sha512$1$" + specSalt + "$" + specSum,
		"$pbkdf2-sha512$4294967295$" + specSalt + "$" + specSum,
		"$pbkdf2-sha512$25000$AA$" + specSum,
	}
	for _, s := range valid {
		if _, _, _, err := ParsePBKDF2SHA512(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
}

func TestParsePBKDF2SHA512Errors(t *testing.T) {
	for name, s := range malformedPBKDF2() {
		t.Run(name, func(t *testing.T) {
			rounds, salt, sum, err := ParsePBKDF2SHA512(s)
			if err == nil {
				t.Fatalf("Parse(%q) = %d, %x, %x; want an error", s, rounds, salt, sum)
			}
			if !strings.HasPrefix(err.Error(), "pbkdf2_sha512: ") {
				t.Errorf("error %q lacks the scheme prefix", err)
			}
		})
	}
}

// malformedPBKDF2 returns pbkdf2_sha512 strings the parser must refuse.
func malformedPBKDF2() map[string]string {
	p := "$pbkdf2-sha512$"
	return map[string]string{
		"empty":             "",
		"prefix only":       p,
		"no checksum":       p + "25000$" + specSalt,
		"empty checksum":    p + "25000$" + specSalt + "$",
		"empty salt":        p + "25000$$" + specSum,
		"empty rounds":      p + "$" + specSalt + "$" + specSum,
		"extra field":       specHash + "$",
		"leading zero":      p + "025000$" + specSalt + "$" + specSum,
		"zero rounds":       p + "0$" + specSalt + "$" + specSum,
		"negative rounds":   p + "-1$" + specSalt + "$" + specSum,
		"plus rounds":       p + "+1$" + specSalt + "$" + specSum,
		"rounds 2^32":       p + "4294967296$" + specSalt + "$" + specSum,
		"huge rounds":       p + "99999999999999999999999$" + specSalt + "$" + specSum,
		"hex rounds":        p + "0x10$" + specSalt + "$" + specSum,
		"space rounds":      p + " 25000$" + specSalt + "$" + specSum,
		"bad salt base64":   p + "25000$!!!!$" + specSum,
		"salt padding":      p + "25000$AA==$" + specSum,
		"salt length 4n+1":  p + "25000$AAAAA$" + specSum,
		"salt newline":      p + "25000$AAEC\nAwQF$" + specSum,
		"salt too long":     p + "25000$" + strings.Repeat("A", 1368) + "$" + specSum,
		"short checksum":    p + "25000$" + specSalt + "$" + specSum[:85],
		"checksum 63 bytes": p + "25000$" + specSalt + "$" + specSum[:84],
		"long checksum":     specHash + "AA",
		"checksum NUL":      specHash[:len(specHash)-1] + "\x00",
		"NUL in rounds":     p + "25\x00000$" + specSalt + "$" + specSum,
		"non-ascii":         p + "25000$" + specSalt + "é$" + specSum,
		"other ident":       "$pbkdf2-sha256$25000$" + specSalt + "$" + specSum,
	}
}

func TestAB64(t *testing.T) {
	b := []byte{0xfb, 0xef, 0xbe, 0xff}
	if got := ab64Encode(b); got != "..../w" {
		t.Errorf("ab64Encode = %q, want %q", got, "..../w")
	}
	for _, s := range []string{"..../w", "++++/w", ".+.+/w"} {
		got, err := ab64Decode(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("ab64Decode(%q) = %x, %v", s, got, err)
		}
	}
}

// TestPBKDF2KeyMatchesStdlib checks the optimised PBKDF2 against
// crypto/pbkdf2 over the edges of both SHA-512 block layouts: keys around
// the 128-byte HMAC block, salts around the 112-byte padding boundary.
func TestPBKDF2KeyMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rounds := []int{1, 2, 3, 4, 5, 7, 8, 16, 63, 64, 65, 100, 1000, 2047}
	keyLens := []int{0, 1, 16, 88, 111, 112, 127, 128, 129, 200, 256, 4096}
	saltLens := []int{0, 1, 16, 107, 108, 111, 112, 128, 200, 1024}
	for i := range 300 {
		r := rounds[i%len(rounds)]
		key := randBytes(rng, keyLens[rng.IntN(len(keyLens))])
		salt := randBytes(rng, saltLens[rng.IntN(len(saltLens))])
		comparePBKDF2(t, string(key), salt, r)
	}
}

// comparePBKDF2 fails t if pbkdf2SHA512Key differs from crypto/pbkdf2.
func comparePBKDF2(t *testing.T, secret string, salt []byte, rounds int) {
	t.Helper()
	want, err := pbkdf2.Key(sha512.New, secret, salt, rounds, 64)
	if err != nil {
		t.Fatalf("crypto/pbkdf2: %v", err)
	}
	fast, ok := pbkdf2SHA512Fast(secret, salt, rounds)
	if !ok {
		t.Fatal("pbkdf2SHA512Fast fell back: crypto/sha512's saved state is not as expected")
	}
	for name, got := range map[string][64]byte{
		"fast":  fast,
		"plain": pbkdf2SHA512Plain(secret, salt, rounds),
		"key":   pbkdf2SHA512Key(secret, salt, rounds),
	} {
		if diff := cmp.Diff(want, got[:]); diff != "" {
			t.Fatalf("%s: key %d bytes, salt %d bytes, %d rounds (-stdlib +ours):\n%s", name, len(secret), len(salt), rounds, diff)
		}
	}
}

func TestHMACSHA512(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 14, 127, 128, 129, 300} {
		key, msg := randBytes(rng, n), randBytes(rng, 3*n)
		mac := hmac.New(sha512.New, key)
		mac.Write(msg)
		want := mac.Sum(nil)
		got := hmacSHA512(key, msg[:n], msg[n:])
		if !bytes.Equal(got[:], want) {
			t.Errorf("hmacSHA512 with a %d-byte key = %x, crypto/hmac %x", n, got, want)
		}
	}
}

// randBytes returns n bytes from rng.
func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func TestPBKDF2SHA512ClampsRounds(t *testing.T) {
	for _, r := range []int{0, -5} {
		s := PBKDF2SHA512("secret", []byte("salt"), r)
		rounds, _, sum, err := ParsePBKDF2SHA512(s)
		if err != nil || rounds != 1 {
			t.Fatalf("PBKDF2SHA512(rounds %d) = %s: %d, %v", r, s, rounds, err)
		}
		want, _ := pbkdf2.Key(sha512.New, "secret", []byte("salt"), 1, 64)
		if !bytes.Equal(sum, want) {
			t.Errorf("rounds %d: checksum is not the 1-round key", r)
		}
	}
}
