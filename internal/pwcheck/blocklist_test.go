package pwcheck

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// The size and checksum of data/common-passwords.txt that data/NOTICE and
// docs/passwords.md state.
const (
	listEntries = 49233
	listSHA256  = "861b4d0bacb7ff670bd98e8f92260694f7d75e2267239ebd92c007357d1cfe2b"
)

func TestEmbeddedList(t *testing.T) {
	sum := sha256.Sum256([]byte(commonPasswords))
	if got := hex.EncodeToString(sum[:]); got != listSHA256 {
		t.Errorf("sha256(common-passwords.txt) = %s, want %s (update data/NOTICE and docs/passwords.md)", got, listSHA256)
	}
	lines := strings.Split(strings.TrimSuffix(commonPasswords, "\n"), "\n")
	if len(lines) != listEntries {
		t.Errorf("common-passwords.txt has %d lines, want %d", len(lines), listEntries)
	}
	seen := make(map[string]bool, len(lines))
	for i, line := range lines {
		if line == "" || line != normalize(line) || seen[line] {
			t.Fatalf("line %d %q: empty, not normalized or repeated", i+1, line)
		}
		seen[line] = true
	}
	if lines[0] != "123456" || lines[1] != "password" {
		t.Errorf("first entries %q, want the most common first", lines[:2])
	}
	c := New(Options{})
	if n := len(c.blocklist()); n < listEntries || n > listEntries+2000 {
		t.Errorf("blocklist has %d entries, want the list's %d plus about a thousand sequences", n, listEntries)
	}
}

func TestNotice(t *testing.T) {
	for _, want := range []string{"@zxcvbn-ts/language-common", "4.1.3", "MIT", listSHA256,
		"Permission is hereby granted", "Copyright (c) 2021 @zxcvbn-ts"} {
		if !strings.Contains(Notice(), want) {
			t.Errorf("Notice() lacks %q", want)
		}
	}
}

func TestCheckBlocklist(t *testing.T) {
	tests := []struct {
		password string
		blocked  bool
	}{
		{"password", true},
		{"PASSWORD", true},
		{"  Password1  ", true},
		{"12345678", true},
		{"iloveyou", true},
		{"TrustNo1", true},
		{"p@ssw0rd", true},
		{"zaq1xsw2", true},
		{"qwertyuiop", true},
		{"password\t", true},
		// Added back by sequences and repeatedRune.
		{"aaaaaaaa", true},
		{"AAAAAAAAAAAAAAAA", true},
		{"00000000", true},
		{"éééééééé", true},
		{"87654321", true},
		{"abcdefgh", true},
		{"ZYXWVUTSRQ", true},
		{"!@#$%^&*", true},
		{"lkjhgfdsa", true},
		// Not blocked.
		{"tr0ub4dor&3", false},
		{"correct horse battery staple", false},
		{"aaaaaaab", false},
		{"abcdefgi", false},
		{"pass word", false},
		{"password with more", false},
		{"letmein!", false},
		{"Xk9#mQ2!vL", false},
		{"pässwörd", false},
		{rand.Text(), false},
		{rand.Text() + rand.Text() + rand.Text(), false},
	}
	c := New(Options{Client: noNetwork(t)})
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			err := c.Check(context.Background(), tt.password)
			switch {
			case tt.blocked && !errors.Is(err, ErrCommon):
				t.Errorf("Check(%q) = %v, want ErrCommon", tt.password, err)
			case !tt.blocked && err != nil:
				t.Errorf("Check(%q) = %v, want nil", tt.password, err)
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	for err, want := range map[error]string{
		ErrCommon:                          "Password on common passwords list",
		ErrContext:                         "Password made of the site name, your email or your username",
		ErrBreached:                        "Password on breached list",
		ErrUnavailable:                     "Failed to contact breached passwords site",
		&unavailableError{errors.New("x")}: "Failed to contact breached passwords site",
	} {
		if err.Error() != want {
			t.Errorf("message %q, want %q", err.Error(), want)
		}
	}
}

func TestRepeatedRune(t *testing.T) {
	for s, want := range map[string]bool{
		"": false, "a": false, "aaa": false, "aaaa": true, "ßßßßß": true, "aaaab": false, "baaaa": false,
		"\xff\xff\xff\xff": true, "\xff\xfe\xff\xff": false,
	} {
		if got := repeatedRune(s); got != want {
			t.Errorf("repeatedRune(%q) = %v, want %v", s, got, want)
		}
	}
}

// noNetwork returns a client that fails the test if it is used.
func noNetwork(t *testing.T) *http.Client {
	t.Helper()
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request to %s", r.URL.Host)
		return nil, errors.New("no network in this test")
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func BenchmarkCheckBlocklist(b *testing.B) {
	c := New(Options{})
	c.blocklist() // built once per Checker, outside the measured loop
	for _, bm := range []struct{ name, password string }{
		{"hit", "Password1"},
		{"miss", "correct horse battery staple"},
		{"repeat", "aaaaaaaaaaaaaaaa"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.Check(context.Background(), bm.password)
			}
		})
	}
}

func BenchmarkBuildBlocklist(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = buildBlocklist(commonPasswords, sequences())
	}
}
