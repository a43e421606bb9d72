package totp

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

var recoveryFormat = regexp.MustCompile(`^[a-z2-7]{4}(-[a-z2-7]{4}){5}$`)

func TestNewRecoveryCodes(t *testing.T) {
	codes, err := NewRecoveryCodes(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("%d codes, want 10", len(codes))
	}
	seen := map[string]bool{}
	hashes := map[string]bool{}
	for _, c := range codes {
		if !recoveryFormat.MatchString(c) {
			t.Errorf("code %q is not six groups of four base32 characters", c)
		}
		n, ok := NormalizeRecoveryCode(c)
		if !ok || n != strings.ReplaceAll(c, "-", "") {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, %v", c, n, ok)
		}
		if seen[n] {
			t.Errorf("code %q twice", c)
		}
		seen[n] = true
		hashes[HashRecoveryCode(n)] = true
	}
	if len(hashes) != len(codes) {
		t.Errorf("%d distinct hashes for %d codes", len(hashes), len(codes))
	}
	// Every character of the alphabet turns up, in some code of a
	// hundred: the codes are not drawn from a smaller set.
	many, err := NewRecoveryCodes(100)
	if err != nil {
		t.Fatal(err)
	}
	if all := strings.Join(many, ""); strings.Trim("abcdefghijklmnopqrstuvwxyz234567", all) != "" {
		t.Errorf("characters never drawn: %q", strings.Trim("abcdefghijklmnopqrstuvwxyz234567", all))
	}
}

func TestNewRecoveryCodesDistinct(t *testing.T) {
	// Three draws, the first two alike: the second is drawn again.
	a := bytes.Repeat([]byte{0}, 15)
	b := bytes.Repeat([]byte{0xff}, 15)
	random := bytes.NewReader(bytes.Join([][]byte{a, a, b}, nil))
	codes, err := newRecoveryCodes(2, random)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"aaaa-aaaa-aaaa-aaaa-aaaa-aaaa", "7777-7777-7777-7777-7777-7777"}
	if strings.Join(codes, " ") != strings.Join(want, " ") {
		t.Errorf("codes = %q, want %q", codes, want)
	}
	if _, err := newRecoveryCodes(1, iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("no error from a failing reader")
	}
}

func TestNewRecoveryCodesCount(t *testing.T) {
	for _, n := range []int{-1, 0, 101} {
		if codes, err := NewRecoveryCodes(n); err == nil {
			t.Errorf("NewRecoveryCodes(%d) = %d codes, want an error", n, len(codes))
		}
	}
	for _, n := range []int{1, 100} {
		if codes, err := NewRecoveryCodes(n); err != nil || len(codes) != n {
			t.Errorf("NewRecoveryCodes(%d) = %d codes, %v", n, len(codes), err)
		}
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	const want = "abcdefghijklmnopqrstuvwx"
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"shown", "abcd-efgh-ijkl-mnop-qrst-uvwx", want, true},
		{"normalized", want, want, true},
		{"upper case", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX", want, true},
		{"mixed case", "aBcD-eFgH-iJkL-mNoP-qRsT-uVwX", want, true},
		{"spaces", " abcd efgh ijkl mnop qrst uvwx ", want, true},
		{"tabs and newline", "\tabcd-efgh-ijkl-mnop-qrst-uvwx\n", want, true},
		{"digits 2-7", "2345-67ab-cdef-ghij-klmn-opqr", "234567abcdefghijklmnopqr", true},
		{"regrouped", "abcdefgh-ijklmnop-qrstuvwx", want, true},
		{"digit 0", "0bcd-efgh-ijkl-mnop-qrst-uvwx", "", false},
		{"digit 1", "1bcd-efgh-ijkl-mnop-qrst-uvwx", "", false},
		{"digit 8", "8bcd-efgh-ijkl-mnop-qrst-uvwx", "", false},
		{"digit 9", "9bcd-efgh-ijkl-mnop-qrst-uvwx", "", false},
		{"underscore", "abcd_efgh_ijkl_mnop_qrst_uvwx", "", false},
		{"23 characters", "abcd-efgh-ijkl-mnop-qrst-uvw", "", false},
		{"25 characters", "abcd-efgh-ijkl-mnop-qrst-uvwxy", "", false},
		{"48 characters", want + want, "", false},
		{"empty", "", "", false},
		{"Kelvin sign", "\u212abcd-efgh-ijkl-mnop-qrst-uvwx", "", false},
		{"full-width", "\uff41bcd-efgh-ijkl-mnop-qrst-uvwx", "", false},
		{"NUL", "abcd-efgh-ijkl-mnop-qrst-uvwx\x00", "", false},
		{"128 bytes", strings.Repeat(" ", 128-24) + want, want, true},
		{"129 bytes", strings.Repeat(" ", 129-24) + want, "", false},
		{"huge", strings.Repeat("a", 1<<20), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NormalizeRecoveryCode(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("NormalizeRecoveryCode = %q, %v, want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestHashRecoveryCode(t *testing.T) {
	tests := []struct{ in, want string }{
		// printf %s abcdefghijklmnopqrstuvwx | sha256sum
		{"abcdefghijklmnopqrstuvwx", "93b0cabf8668e0c534c52a568957499e12a284f59d97dc9b2725ef836804875b"},
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tc := range tests {
		if got := HashRecoveryCode(tc.in); got != tc.want {
			t.Errorf("HashRecoveryCode(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	a, b := HashRecoveryCode("abcdefghijklmnopqrstuvwx"), HashRecoveryCode("abcdefghijklmnopqrstuvwy")
	if a == b {
		t.Error("two codes hash the same")
	}
}
