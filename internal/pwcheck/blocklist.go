package pwcheck

import (
	_ "embed"
	"strings"
	"unicode/utf8"
)

// commonPasswords is the common-passwords dictionary of the npm package
// @zxcvbn-ts/language-common 4.1.3 (MIT; Copyright (c) 2012-2016 Dan Wheeler
// and Dropbox, Inc., Copyright (c) 2021 @zxcvbn-ts): 49,233 lower-case ASCII
// entries, one a line, most common first. NOTICE: data/NOTICE records its
// source, checksums, extraction and licence text, and is embedded as well.
//
//go:embed data/common-passwords.txt
var commonPasswords string

//go:embed data/NOTICE
var notice string

// Notice returns the provenance and licence notice of the embedded
// blocklist, for a command that lists third-party notices.
func Notice() string { return notice }

// minRun is the shortest repeat or sequence that the blocklist refuses.
const minRun = 4

// sequences are rows of keys and runs of symbols. zxcvbn-ts drops the
// passwords that its pattern matchers catch, such as "aaaaaaaa", "87654321"
// and "abcdefgh", from its dictionary; NIST SP 800-63B names "repetitive or
// sequential characters" among what a blocklist holds, so every substring
// of at least minRun of these, forwards or backwards, is added back, and
// repeatedRune covers repetition.
func sequences() []string {
	return []string{
		"0123456789", "1234567890", "!@#$%^&*()",
		"abcdefghijklmnopqrstuvwxyz",
		"qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "azertyuiop",
	}
}

// normalize is the form in which passwords are compared with the
// blocklist: lower-case, without surrounding white space.
func normalize(password string) string {
	return strings.ToLower(strings.TrimSpace(password))
}

// blocklist returns the set of blocked normalized passwords, building it on
// first use. Its keys share the embedded data's memory.
func (c *Checker) blocklist() map[string]struct{} {
	c.once.Do(func() {
		c.blocked = buildBlocklist(commonPasswords, sequences())
	})
	return c.blocked
}

// buildBlocklist returns the set of the lines of list (entries are already
// normalized) and of the substrings of seqs, as sequences describes.
func buildBlocklist(list string, seqs []string) map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(list, "\n")+1024)
	for line := range strings.Lines(list) {
		if entry := normalize(line); entry != "" {
			set[entry] = struct{}{}
		}
	}
	for _, seq := range seqs {
		for _, s := range []string{seq, reverse(seq)} {
			for i := range len(s) {
				for j := i + minRun; j <= len(s); j++ {
					set[s[i:j]] = struct{}{}
				}
			}
		}
	}
	return set
}

// reverse returns the ASCII string s backwards.
func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// isCommon reports whether password, normalized, is on the blocklist or
// one character repeated at least minRun times.
func (c *Checker) isCommon(password string) bool {
	p := normalize(password)
	if _, ok := c.blocklist()[p]; ok {
		return true
	}
	return repeatedRune(p)
}

// repeatedRune reports whether s is one rune repeated at least minRun
// times, comparing bytes, so that distinct invalid bytes differ.
func repeatedRune(s string) bool {
	_, size := utf8.DecodeRuneInString(s)
	if size == 0 || len(s)%size != 0 || len(s)/size < minRun {
		return false
	}
	for i := size; i < len(s); i += size {
		if s[i:i+size] != s[:size] {
			return false
		}
	}
	return true
}
