package pwcheck

import (
	"slices"
	"strings"
	"unicode"
)

// minContextWord is the length, in letters and digits, under which a
// context word is ignored: "jo" or "io" would refuse too much.
const minContextWord = 3

// contextWords returns the words that passwords are compared with, from
// inputs such as a site name or an email address: the letters and digits of
// the whole input, of each part around an "@" (an address' local part and
// domain) and of each run of letters and digits (a domain label, a name),
// each folded, with digits at either end dropped ("jane1985" is "jane").
// Words shorter than minContextWord are left out; the result holds no
// duplicates.
func contextWords(inputs ...string) []string {
	var words []string
	add := func(s string) {
		if w := trimDigits(fold(s)); len([]rune(w)) >= minContextWord && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	for _, in := range inputs {
		add(in)
		for part := range strings.SplitSeq(in, "@") {
			add(part)
		}
		for _, run := range strings.FieldsFunc(in, func(r rune) bool { return !isAlnum(r) }) {
			add(run)
		}
	}
	return words
}

// fold returns s in lower case with everything but letters and digits
// removed: "Jane_Doe-1987!" is "janedoe1987".
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if !isAlnum(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// trimDigits drops the digits at either end of s.
func trimDigits(s string) string { return strings.TrimFunc(s, unicode.IsDigit) }

// madeOfWords reports whether password is made mostly of words: its letters
// and digits, folded and without the digits at either end (its core), are
// more than half covered by occurrences of words. A core equal to a word
// is wholly covered; a password without a letter has no core and is never
// refused here.
func madeOfWords(password string, words []string) bool {
	core := []rune(trimDigits(fold(password)))
	if len(core) == 0 || len(words) == 0 {
		return false
	}
	covered := make([]bool, len(core))
	n := 0
	for _, w := range words {
		wr := []rune(w)
		for i := 0; i+len(wr) <= len(core); i++ {
			if !slices.Equal(core[i:i+len(wr)], wr) {
				continue
			}
			for j := i; j < i+len(wr); j++ {
				if !covered[j] {
					covered[j] = true
					n++
				}
			}
		}
	}
	return 2*n > len(core)
}
