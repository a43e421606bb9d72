package password

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const testSalt = "CHANGE_ME_ALSO"

func TestNewErrors(t *testing.T) {
	salt := []byte(testSalt)
	tests := map[string]Policy{
		"empty salt":            {},
		"negative rounds":       {Salt: salt, Rounds: -1},
		"rounds over 2^32-1":    {Salt: salt, Rounds: 1 << 32},
		"negative min length":   {Salt: salt, MinLength: -1},
		"min length over 128":   {Salt: salt, MinLength: 129},
		"unknown scheme":        {Salt: salt, Schemes: []string{"pbkdf2_sha512", "bcrypt"}},
		"unknown deprecated":    {Salt: salt, Deprecated: []string{"md5_crypt"}},
		"unknown single hash":   {Salt: salt, SingleHash: []string{"plaintext"}},
		"no pbkdf2":             {Salt: salt, Schemes: []string{"invenio_aes_encrypted_email"}},
		"empty schemes":         {Salt: salt, Schemes: []string{}},
		"pbkdf2 deprecated":     {Salt: salt, Deprecated: []string{"pbkdf2_sha512"}},
		"passlib-style spacing": {Salt: salt, Schemes: []string{"pbkdf2-sha512"}},
	}
	for name, p := range tests {
		t.Run(name, func(t *testing.T) {
			if h, err := New(p); err == nil {
				t.Errorf("New(%+v) = %+v, want an error", p, h)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	h := newHasher(t, Policy{Salt: []byte(testSalt)})
	if h.Rounds() != 210000 || h.MinLength() != 8 {
		t.Errorf("Rounds, MinLength = %d, %d; want 210000, 8", h.Rounds(), h.MinLength())
	}
	identify := map[string]string{
		specHash: SchemePBKDF2SHA512,
		"$invenio-aes$a@b.c$161deac5c6505eb1abc2a56044d5e2883a70623db51963608348b4cc1df6656e": SchemeInvenioAES,
		"$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5":                           "",
		"9dd4e461268c8034f5c8564e155c67a6":                                                    "",
		"":                                                                                    "",
		"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW": "",
	}
	for stored, want := range identify {
		if got, ok := h.Identify(stored); got != want || ok != (want != "") {
			t.Errorf("Identify(%q) = %q, %v; want %q", stored, got, ok, want)
		}
	}
}

func TestHashVerify(t *testing.T) {
	h := newHasher(t, Policy{Salt: []byte(testSalt), Rounds: 1000})
	for _, pw := range []string{"", "tester", "κωδικός-пароль-密码", strings.Repeat("x", MaxInput)} {
		s, err := h.Hash(pw)
		if err != nil {
			t.Fatalf("Hash: %v", err)
		}
		if !strings.HasPrefix(s, "$pbkdf2-sha512$1000$") || len(s) != 20+22+1+86 {
			t.Errorf("Hash = %q, want $pbkdf2-sha512$1000$ + 22 + $ + 86 chars", s)
		}
		if ok, upd := h.Verify(pw, s); !ok || upd {
			t.Errorf("Verify(own hash) = %v, %v; want true, false", ok, upd)
		}
		if ok, _ := h.Verify(pw+"x", s); ok {
			t.Error("Verify(other password) = true")
		}
		// Another Hasher with another salt (SECRET_KEY) must not accept it.
		other := newHasher(t, Policy{Salt: []byte("other"), Rounds: 1000})
		if ok, _ := other.Verify(pw, s); ok {
			t.Error("Verify under another SECURITY_PASSWORD_SALT = true")
		}
	}
	a, _ := h.Hash("same")
	b, _ := h.Hash("same")
	if a == b {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestHashTooLong(t *testing.T) {
	h := newHasher(t, Policy{Salt: []byte(testSalt), Rounds: 1000})
	long := strings.Repeat("x", MaxInput+1)
	if s, err := h.Hash(long); !errors.Is(err, ErrInputTooLong) {
		t.Errorf("Hash(%d bytes) = %q, %v; want ErrInputTooLong", len(long), s, err)
	}
	// A hash of the same bytes made elsewhere still does not verify.
	s := PBKDF2SHA512(PreHash([]byte(testSalt), long), []byte("0123456789abcdef"), 1000)
	if ok, upd := h.Verify(long, s); ok || upd {
		t.Errorf("Verify(%d bytes) = %v, %v; want false, false", len(long), ok, upd)
	}
	h.DummyVerify(long)
}

func TestVerifyMalformed(t *testing.T) {
	h := newHasher(t, Policy{Salt: []byte(testSalt), Rounds: 1000,
		Schemes: []string{SchemePBKDF2SHA512, SchemeInvenioAES, SchemeSHA256Crypt, SchemeHexMD5}})
	stored := malformedPBKDF2()
	for k, v := range map[string]string{
		"aes bad checksum": "$invenio-aes$x$zz",
		"aes no checksum":  "$invenio-aes$x",
		"aes dollar":       "$invenio-aes$a$b$c",
		"aes NUL":          "$invenio-aes$a@b.c$\x00",
		"bcrypt":           "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"sha512_crypt":     "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
		"sha256 no salt":   "$5$",
		"sha256 bad":       "$5$rounds=0$x$y",
		"md5 31 hex":       "9dd4e461268c8034f5c8564e155c67a",
		"NUL bytes":        "\x00\x00\x00",
		"dollar":           "$",
		"plaintext":        "tester",
	} {
		stored[k] = v
	}
	for name, s := range stored {
		t.Run(name, func(t *testing.T) {
			for _, pw := range []string{"", "tester", "\x00"} {
				if ok, upd := h.Verify(pw, s); ok || upd {
					t.Errorf("Verify(%q, %q) = %v, %v; want false, false", pw, s, ok, upd)
				}
			}
		})
	}
}

func TestVerifyNeedsUpdate(t *testing.T) {
	salt := []byte(testSalt)
	h := newHasher(t, Policy{Salt: salt, Rounds: 25000})
	pre := PreHash(salt, "tester")
	aes, _ := InvenioAES("a@b.c", "tester")
	tests := []struct {
		name, password, stored string
		ok, needsUpdate        bool
	}{
		{"deprecated scheme", "tester", aes, true, true},
		{"deprecated scheme, wrong password", "wrong", aes, false, false},
		{"fewer rounds", "tester", PBKDF2SHA512(pre, []byte("saltsaltsaltsalt"), 24999), true, true},
		{"fewer rounds, wrong password", "wrong", PBKDF2SHA512(pre, []byte("saltsaltsaltsalt"), 1000), false, false},
		{"equal rounds", "tester", PBKDF2SHA512(pre, []byte("saltsaltsaltsalt"), 25000), true, false},
		{"more rounds", "tester", PBKDF2SHA512(pre, []byte("saltsaltsaltsalt"), 25001), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, upd := h.Verify(tt.password, tt.stored)
			if ok != tt.ok || upd != tt.needsUpdate {
				t.Errorf("Verify = %v, %v; want %v, %v", ok, upd, tt.ok, tt.needsUpdate)
			}
		})
	}
	// Nothing deprecated: the legacy hash verifies and stays.
	keep := newHasher(t, Policy{Salt: salt, Rounds: 25000, Deprecated: []string{}})
	if ok, upd := keep.Verify("tester", aes); !ok || upd {
		t.Errorf("Verify with nothing deprecated = %v, %v; want true, false", ok, upd)
	}
}

func TestSchemePolicy(t *testing.T) {
	salt := []byte(testSalt)
	aes, _ := InvenioAES("a@b.c", "tester")
	aesOverPreHash, _ := InvenioAES("a@b.c", PreHash(salt, "tester"))
	crypt := SHA256Crypt("tester", 1000, "saltstring")
	md5 := HexMD5("tester")
	tests := []struct {
		name     string
		policy   Policy
		password string
		stored   string
		ok       bool
	}{
		{"aes not accepted", Policy{Schemes: []string{SchemePBKDF2SHA512}}, "tester", aes, false},
		{"aes double hashed", Policy{SingleHash: []string{}}, "tester", aes, false},
		{"aes double hashed, made over the pre-hash", Policy{SingleHash: []string{}}, "tester", aesOverPreHash, true},
		{"sha256_crypt single", Policy{Schemes: []string{SchemePBKDF2SHA512, SchemeSHA256Crypt}, SingleHash: []string{SchemeSHA256Crypt}}, "tester", crypt, true},
		{"sha256_crypt double", Policy{Schemes: []string{SchemePBKDF2SHA512, SchemeSHA256Crypt}}, "tester", crypt, false},
		{"sha256_crypt not accepted", Policy{}, "tester", crypt, false},
		{"hex_md5 single", Policy{Schemes: []string{SchemePBKDF2SHA512, SchemeHexMD5}, SingleHash: []string{SchemeHexMD5}}, "tester", md5, true},
		{"hex_md5 upper case", Policy{Schemes: []string{SchemePBKDF2SHA512, SchemeHexMD5}, SingleHash: []string{SchemeHexMD5}}, "tester", strings.ToUpper(md5), true},
		{"hex_md5 double", Policy{Schemes: []string{SchemePBKDF2SHA512, SchemeHexMD5}, SingleHash: []string{SchemeHexMD5}}, "other", md5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.policy.Salt, tt.policy.Rounds = salt, 1000
			h := newHasher(t, tt.policy)
			if ok, _ := h.Verify(tt.password, tt.stored); ok != tt.ok {
				t.Errorf("Verify = %v, want %v", ok, tt.ok)
			}
		})
	}
}

func TestHashSingleHashPBKDF2(t *testing.T) {
	// SECURITY_PASSWORD_SINGLE_HASH = True: new hashes skip the pre-hash too.
	h := newHasher(t, Policy{Salt: []byte(testSalt), Rounds: 1000,
		SingleHash: []string{SchemePBKDF2SHA512, SchemeInvenioAES}})
	s, err := h.Hash("tester")
	if err != nil {
		t.Fatal(err)
	}
	_, salt, _, _ := ParsePBKDF2SHA512(s)
	if want := PBKDF2SHA512("tester", salt, 1000); s != want {
		t.Errorf("Hash = %s, want the raw password's %s", s, want)
	}
	if ok, _ := h.Verify("tester", s); !ok {
		t.Error("Verify(own single hash) = false")
	}
}

// TestDummyVerifyCost checks that nothing-to-verify paths cost about as
// much as a real verification (they would be ~1000 times cheaper without
// the dummy). The bound is loose so that a busy machine does not fail it.
func TestDummyVerifyCost(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	h := newHasher(t, Policy{Salt: []byte(testSalt), Rounds: 20000})
	real, err := h.Hash("tester")
	if err != nil {
		t.Fatal(err)
	}
	base := fastest(func() { h.Verify("wrong", real) })
	for name, f := range map[string]func(){
		"DummyVerify":   func() { h.DummyVerify("tester") },
		"empty stored":  func() { h.Verify("tester", "") },
		"unknown":       func() { h.Verify("tester", "$2b$12$x") },
		"malformed":     func() { h.Verify("tester", "$pbkdf2-sha512$025000$x$y") },
		"aes malformed": func() { h.Verify("tester", "$invenio-aes$x$zz") },
		"too long":      func() { h.Verify(strings.Repeat("x", MaxInput+1), real) },
	} {
		if d := fastest(f); d < base/4 {
			t.Errorf("%s took %v, a real verification %v", name, d, base)
		}
	}
}

// fastest returns the shortest of three runs of f.
func fastest(f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		f()
		best = min(best, time.Since(start))
	}
	return best
}
