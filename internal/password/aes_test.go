package password

import (
	"strings"
	"testing"
)

func TestInvenioAESEmails(t *testing.T) {
	tests := []struct {
		name    string
		email   string
		wantErr bool
	}{
		{"ascii", "a@b.c", false},
		{"empty", "", false},
		{"exactly one block", "0123456789@ab.cd", false},
		{"non-ascii off a block", "é@example.org", true},
		// 16 two-byte code points: 32 bytes plus 16 of padding.
		{"non-ascii on a block", strings.Repeat("é", 16), false},
		{"invalid utf-8", "\xff@example.org", true},
		{"dollar", "a$b@example.org", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := InvenioAES(tt.email, "secret")
			if (err != nil) != tt.wantErr {
				t.Fatalf("InvenioAES(%q) = %q, %v; want error %v", tt.email, got, err, tt.wantErr)
			}
			if err == nil && !VerifyInvenioAES("secret", got) {
				t.Errorf("VerifyInvenioAES(%q) = false", got)
			}
		})
	}
}

func TestInvenioAESKeyFolding(t *testing.T) {
	// Keys of 16 bytes and more fold by XOR: "a"*16 twice cancels to zero,
	// the same key as the empty password.
	empty, err := InvenioAES("x@y.z", "")
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyInvenioAES(strings.Repeat("a", 32), empty) {
		t.Error("a 32-byte key of equal halves should fold to the zero key")
	}
	if VerifyInvenioAES(strings.Repeat("a", 16), empty) {
		t.Error("a 16-byte key should not fold to the zero key")
	}
}

func TestParseInvenioAES(t *testing.T) {
	const sum = "d7eccd13e3987258607f67942184e24d77d85a299ea7a6f412e86627666d6d8c"
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"$invenio-aes$test@test.org$" + sum, false},
		{"$invenio-aes$Test@Test.org$" + strings.ToUpper(sum), false}, // parses, never matches
		{"$invenio-aes$$" + sum, false},
		{"$invenio-aes$x$zz", true},
		{"$invenio-aes$test@test.org", true},
		{"$invenio-aes$a$b$" + sum, true},
		{"$invenio-aes$test@test.org$" + sum[:63] + "g", true},
		{"$invenio-aes$test@test.org$" + sum + "0", true},
		{"invenio-aes$test@test.org$" + sum, true},
	}
	for _, tt := range tests {
		_, _, err := parseInvenioAES(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseInvenioAES(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
		}
	}
	if VerifyInvenioAES("qwert1234", "$invenio-aes$test@test.org$"+strings.ToUpper(sum)) {
		t.Error("upper-case checksum verified; passlib compares with lowercase hex")
	}
}
