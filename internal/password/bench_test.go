package password

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// benchRounds are Invenio's historical default and ours (OWASP's figure).
var benchRounds = []int{25000, 210000}

// benchSecret and benchSalt are what a verification derives from: the
// 88-character pre-hash and a 16-byte salt.
var (
	benchSecret = PreHash([]byte(testSalt), "tester")
	benchSalt   = []byte("0123456789abcdef")
)

// BenchmarkVerifyPBKDF2 is a whole login verification: pre-hash, parse,
// PBKDF2 and the constant-time comparison.
func BenchmarkVerifyPBKDF2(b *testing.B) {
	for _, rounds := range benchRounds {
		b.Run(fmt.Sprintf("rounds=%d", rounds), func(b *testing.B) {
			h := newHasher(b, Policy{Salt: []byte(testSalt), Rounds: rounds})
			stored := PBKDF2SHA512(benchSecret, benchSalt, rounds)
			if ok, _ := h.Verify("tester", stored); !ok {
				b.Fatal("Verify = false")
			}
			for b.Loop() {
				h.Verify("tester", stored)
			}
		})
	}
}

// BenchmarkStdlibPBKDF2 is the same derivation through crypto/pbkdf2.
func BenchmarkStdlibPBKDF2(b *testing.B) {
	for _, rounds := range benchRounds {
		b.Run(fmt.Sprintf("rounds=%d", rounds), func(b *testing.B) {
			for b.Loop() {
				if _, err := pbkdf2.Key(sha512.New, benchSecret, benchSalt, rounds, 64); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpenSSLPBKDF2 runs the same derivation through OpenSSL's
// PKCS5_PBKDF2_HMAC in a C program built now, timed inside the program (its
// start-up is not counted), and reports that as ns/op.
func BenchmarkOpenSSLPBKDF2(b *testing.B) {
	prog := buildOpenSSLBench(b)
	for _, rounds := range benchRounds {
		b.Run(fmt.Sprintf("rounds=%d", rounds), func(b *testing.B) {
			ns, key := runOpenSSLBench(b, prog, rounds, b.N)
			if want := pbkdf2SHA512Key(benchSecret, benchSalt, rounds); key != hex.EncodeToString(want[:]) {
				b.Fatalf("OpenSSL derived %s, we %x: not the same work", key, want)
			}
			b.ReportMetric(float64(ns)/float64(b.N), "ns/op")
		})
	}
}

// buildOpenSSLBench compiles testdata/opensslbench/pbkdf2.c against
// libcrypto, skipping the benchmark when that is not possible.
func buildOpenSSLBench(b *testing.B) string {
	b.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		b.Skip("no C compiler (cc) to build the OpenSSL benchmark")
	}
	src, err := filepath.Abs("testdata/opensslbench/pbkdf2.c")
	if err != nil {
		b.Fatal(err)
	}
	prog := filepath.Join(b.TempDir(), "pbkdf2")
	out, err := exec.Command(cc, "-O2", "-o", prog, src, "-lcrypto").CombinedOutput()
	if err != nil {
		b.Skipf("cannot build the OpenSSL benchmark (apt-get install libssl-dev?): %v\n%s", err, out)
	}
	return prog
}

// runOpenSSLBench runs count derivations and returns the nanoseconds they
// took and the key, in hex.
func runOpenSSLBench(b *testing.B, prog string, rounds, count int) (int64, string) {
	b.Helper()
	out, err := exec.Command(prog, strconv.Itoa(rounds), strconv.Itoa(count),
		benchSecret, hex.EncodeToString(benchSalt)).Output()
	if err != nil {
		b.Fatalf("%s: %v", prog, err)
	}
	nsText, key, ok := strings.Cut(string(bytes.TrimSpace(out)), " ")
	ns, err := strconv.ParseInt(nsText, 10, 64)
	if !ok || err != nil {
		b.Fatalf("%s printed %q", prog, out)
	}
	return ns, key
}

// BenchmarkSHA256Crypt verifies a passlib-default sha256_crypt string, as
// Flask-Security's token checks do.
func BenchmarkSHA256Crypt(b *testing.B) {
	stored := SHA256Crypt("someone@example.org", SHA256CryptPasslibRounds, "kO3YaTAbUwf08Wdn")
	for b.Loop() {
		VerifySHA256Crypt("someone@example.org", stored)
	}
}

// BenchmarkVerifyInvenioAES verifies a legacy Invenio 1 hash.
func BenchmarkVerifyInvenioAES(b *testing.B) {
	stored, err := InvenioAES("test@test.org", "qwert1234")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		VerifyInvenioAES("qwert1234", stored)
	}
}
