package password

import (
	"testing"
)

// Vectors from Drepper's SHA-crypt specification, as glibc/libxcrypt's
// crypt(3) renders them.
var shaCryptVectors = []struct {
	password, salt string
	rounds         int
	want           string
}{
	{"Hello world!", "saltstring", 5000,
		"$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"},
	{"Hello world!", "saltstringsaltstring", 10000,
		"$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"},
	{"a very much longer text to encrypt.  This one even stretches over morethan one line.", "anotherlongsaltstring", 1400,
		"$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1"},
	{"we have a short salt string but not a short password", "short", 77777,
		"$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/"},
	{"a short string", "asaltof16chars..", 123456,
		"$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD"},
	{"the minimum number is still observed", "roundstoolow", 10,
		"$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC"},
	{"empty salt", "", 5000,
		"$5$$qu3REWa/3sl1BuquQ3B23Cna49jUWzQNbVo5saPx3d1"},
	{"", "x", 1000,
		"$5$rounds=1000$x$kIBhdUvT3pHpfTjzR8s1XJu3y/HRJeFxMSffBtF8jx9"},
}

func TestSHA256CryptVectors(t *testing.T) {
	for _, v := range shaCryptVectors {
		t.Run(v.want, func(t *testing.T) {
			if got := SHA256Crypt(v.password, v.rounds, v.salt); got != v.want {
				t.Errorf("SHA256Crypt = %s, want %s", got, v.want)
			}
			if !VerifySHA256Crypt(v.password, v.want) {
				t.Error("VerifySHA256Crypt = false")
			}
			if VerifySHA256Crypt(v.password+" ", v.want) {
				t.Error("VerifySHA256Crypt(other password) = true")
			}
		})
	}
}

func TestSHA256CryptExplicitDefaultRounds(t *testing.T) {
	// glibc writes an explicit rounds=5000; passlib parses and verifies it.
	const glibc = "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5"
	if !VerifySHA256Crypt("This is just a test", glibc) {
		t.Error("explicit rounds=5000 does not verify")
	}
	const implicit = "$5$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5"
	if got := SHA256Crypt("This is just a test", 5000, "toolongsaltstring"); got != implicit {
		t.Errorf("SHA256Crypt = %s, want %s", got, implicit)
	}
}

func TestParseSHA256Crypt(t *testing.T) {
	const sum = "5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"$5$saltstring$" + sum, false},
		{"$5$rounds=1000$saltstring$" + sum, false},
		{"$5$rounds=999999999$s$" + sum, false},
		{"$5$rounds=999$saltstring$" + sum, true},
		{"$5$rounds=1000000000$s$" + sum, true},
		{"$5$rounds=01000$saltstring$" + sum, true},
		{"$5$rounds=$saltstring$" + sum, true},
		{"$5$rounds=-1000$saltstring$" + sum, true},
		{"$5$rounds=1000$" + sum, true},
		{"$5$saltstring", true},
		{"$5$saltstring$", true},
		{"$5$saltstring$" + sum[:42], true},
		{"$5$saltstring$" + sum + "$", true},
		{"$5$salt_string$" + sum, true},
		{"$5$0123456789abcdefg$" + sum, true},
		{"$5$saltstring$" + sum[:42] + "!", true},
		{"$6$saltstring$" + sum, true},
		{"", true},
	}
	for _, tt := range tests {
		_, _, _, err := parseSHA256Crypt(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseSHA256Crypt(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
		}
		if tt.wantErr && VerifySHA256Crypt("Hello world!", tt.in) {
			t.Errorf("VerifySHA256Crypt(%q) = true", tt.in)
		}
	}
}

func TestHexMD5(t *testing.T) {
	if got := HexMD5(""); got != "d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("HexMD5(\"\") = %s", got)
	}
	sum := HexMD5("x")
	for _, stored := range []string{sum, "9DD4E461268C8034F5C8564E155C67A6"} {
		if !verifyHexMD5("x", stored) {
			t.Errorf("verifyHexMD5(x, %s) = false", stored)
		}
	}
	for _, stored := range []string{"", sum[:31], sum + "0", sum[:31] + "g"} {
		if verifyHexMD5("x", stored) {
			t.Errorf("verifyHexMD5(x, %q) = true", stored)
		}
	}
}
