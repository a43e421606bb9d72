package password

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// compatVectors is the part of testdata/compat.json this package verifies:
// strings made by passlib 1.7.4 and Invenio's hash.py.
type compatVectors struct {
	PBKDF2 []struct {
		Salt          string `json:"security_password_salt"`
		Password      string `json:"password"`
		Hash          string `json:"hash"`
		WrongPassword string `json:"wrong_password"`
	} `json:"pbkdf2_sha512"`
	InvenioAES []struct {
		Email         string `json:"email_salt"`
		Password      string `json:"password"`
		Hash          string `json:"hash"`
		WrongPassword string `json:"wrong_password"`
	} `json:"invenio_aes_encrypted_email"`
	SHA256Crypt []struct {
		Data   string `json:"data"`
		Hash   string `json:"hash"`
		HexMD5 string `json:"hex_md5"`
	} `json:"sha256_crypt"`
}

// loadCompat reads the shared vectors; every list must be non-empty.
func loadCompat(tb testing.TB) compatVectors {
	tb.Helper()
	b, err := os.ReadFile("../../testdata/compat.json")
	if err != nil {
		tb.Fatalf("read vectors: %v", err)
	}
	var v compatVectors
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("decode vectors: %v", err)
	}
	if len(v.PBKDF2) == 0 || len(v.InvenioAES) == 0 || len(v.SHA256Crypt) == 0 {
		tb.Fatalf("compat.json lacks vectors: %d pbkdf2, %d aes, %d sha256_crypt",
			len(v.PBKDF2), len(v.InvenioAES), len(v.SHA256Crypt))
	}
	return v
}

// newHasher returns a Hasher for tests, failing the test on error.
func newHasher(tb testing.TB, p Policy) *Hasher {
	tb.Helper()
	h, err := New(p)
	if err != nil {
		tb.Fatalf("New(%+v): %v", p, err)
	}
	return h
}

func TestCompatPBKDF2SHA512(t *testing.T) {
	for _, v := range loadCompat(t).PBKDF2 {
		t.Run(v.Hash[:30], func(t *testing.T) {
			h := newHasher(t, Policy{Salt: []byte(v.Salt), Rounds: 25000})
			rounds, salt, _, err := ParsePBKDF2SHA512(v.Hash)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if ok, upd := h.Verify(v.Password, v.Hash); !ok || upd != (rounds < 25000) {
				t.Errorf("Verify(password) = %v, %v; want true, %v", ok, upd, rounds < 25000)
			}
			if ok, upd := h.Verify(v.WrongPassword, v.Hash); ok || upd {
				t.Errorf("Verify(wrong password) = %v, %v; want false, false", ok, upd)
			}
			// Byte for byte: the same salt and rounds give passlib's string.
			if got := PBKDF2SHA512(PreHash([]byte(v.Salt), v.Password), salt, rounds); got != v.Hash {
				t.Errorf("PBKDF2SHA512 = %s\nwant             %s", got, v.Hash)
			}
		})
	}
}

func TestCompatInvenioAES(t *testing.T) {
	h := newHasher(t, Policy{Salt: []byte("unused by this scheme"), Rounds: 1000})
	for _, v := range loadCompat(t).InvenioAES {
		t.Run(v.Email+"/"+v.Password[:min(8, len(v.Password))], func(t *testing.T) {
			if !VerifyInvenioAES(v.Password, v.Hash) {
				t.Error("VerifyInvenioAES(password) = false")
			}
			if VerifyInvenioAES(v.WrongPassword, v.Hash) {
				t.Error("VerifyInvenioAES(wrong password) = true")
			}
			if ok, upd := h.Verify(v.Password, v.Hash); !ok || !upd {
				t.Errorf("Verify(password) = %v, %v; want true, true (deprecated)", ok, upd)
			}
			if ok, upd := h.Verify(v.WrongPassword, v.Hash); ok || upd {
				t.Errorf("Verify(wrong password) = %v, %v; want false, false", ok, upd)
			}
			if got, err := InvenioAES(v.Email, v.Password); err != nil || got != v.Hash {
				t.Errorf("InvenioAES = %q, %v; want %q", got, err, v.Hash)
			}
		})
	}
}

func TestCompatSHA256Crypt(t *testing.T) {
	for _, v := range loadCompat(t).SHA256Crypt {
		t.Run(v.Hash, func(t *testing.T) {
			if !VerifySHA256Crypt(v.Data, v.Hash) {
				t.Error("VerifySHA256Crypt(data) = false")
			}
			if VerifySHA256Crypt(v.Data+"x", v.Hash) {
				t.Error("VerifySHA256Crypt(other data) = true")
			}
			rounds, salt, _, err := parseSHA256Crypt(v.Hash)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := SHA256Crypt(v.Data, rounds, salt); got != v.Hash {
				t.Errorf("SHA256Crypt = %s, want %s", got, v.Hash)
			}
			if got := HexMD5(v.Data); got != v.HexMD5 {
				t.Errorf("HexMD5 = %s, want %s", got, v.HexMD5)
			}
		})
	}
}

// TestSpecVectors checks the vectors quoted in the spec, §3.2 and §3.3.
func TestSpecVectors(t *testing.T) {
	const wantHMAC = "5MMjA+76wdly1WIVM5pUwzM4DpiD4B8Gt+upckxnRTYLu7h+U7xrDp+fjR9mBZvMdmYSLncNQyMu8SxgR0c+uQ=="
	pre := PreHash([]byte("CHANGE_ME_ALSO"), "tester")
	if pre != wantHMAC {
		t.Errorf("PreHash = %s, want %s", pre, wantHMAC)
	}
	salt := make([]byte, 16)
	for i := range salt {
		salt[i] = byte(i)
	}
	const want = "$pbkdf2-sha512$25000$AAECAwQFBgcICQoLDA0ODw$6h.zDoJC3OlI23whk1BDUXS/6Il7bI216kPBu92ThA2l7k8shWndxwq9yqZD9toqfUrFdQwxU.4RAevgPckEYg"
	if got := PBKDF2SHA512(pre, salt, 25000); got != want {
		t.Errorf("PBKDF2SHA512 = %s\nwant %s", got, want)
	}
	ct, err := mysqlAESEncrypt("test", "key")
	if got := hex.EncodeToString(ct); err != nil || got != "9e9ce44cd9df2b201f51947e03bccbe2" {
		t.Errorf(`mysql_aes_encrypt("test", "key") = %s, %v`, got, err)
	}
	const aes = "$invenio-aes$test@test.org$d7eccd13e3987258607f67942184e24d77d85a299ea7a6f412e86627666d6d8c"
	if got, err := InvenioAES("test@test.org", "qwert1234"); err != nil || got != aes {
		t.Errorf("InvenioAES = %s, %v; want %s", got, err, aes)
	}
	if !strings.HasPrefix(want, pbkdf2Ident) || len(want) != 130 {
		t.Errorf("spec vector is %d chars, the spec says 130", len(want))
	}
}
