package accounts

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxEmailLength is the longest address accepted, in octets (RFC 5321's
// path limit less the angle brackets).
const MaxEmailLength = 254

// Messages from Flask-Security's catalogue.
const (
	MsgEmailNotProvided    = "Email not provided"
	MsgInvalidEmailAddress = "Invalid email address"
)

// NormalizeEmail validates an address typed by a user and returns it as
// Invenio stores it (lower-cased, surrounding space trimmed) with its domain
// (lower-cased, trailing dot dropped). Errors are EInvalid on field "email".
func NormalizeEmail(raw string) (email, domain string, err error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "", FieldError("email", MsgEmailNotProvided)
	}
	if !validEmail(s) {
		return "", "", FieldError("email", MsgInvalidEmailAddress)
	}
	s = strings.ToLower(s)
	return s, EmailDomain(s), nil
}

// EmailDomain returns the domain of an address as Invenio's
// split_emailaddr does: the part after the last "@", lower-cased, stripped,
// without a trailing dot. It returns "" when there is no "@".
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	d := strings.ToLower(strings.TrimSpace(email[at+1:]))
	return strings.TrimSuffix(d, ".")
}

func validEmail(s string) bool {
	if len(s) > MaxEmailLength || !utf8.ValidString(s) {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	return validLocalPart(s[:at]) && validDomain(s[at+1:])
}

// validLocalPart accepts RFC 5322 dot-atoms, with UTF-8 letters as RFC 6531
// allows; quoted local parts are refused.
func validLocalPart(local string) bool {
	if len(local) > 64 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") ||
		strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		switch {
		case r < 0x80 && (isASCIIAlnum(r) || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)):
		case r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
		default:
			return false
		}
	}
	return true
}

// validDomain accepts host names with at least two labels (as Python's
// email_validator does), UTF-8 letters allowed in labels.
func validDomain(domain string) bool {
	domain = strings.TrimSuffix(domain, ".")
	labels := strings.Split(domain, ".")
	if len(domain) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if !(r == '-' || isASCIIAlnum(r) || (r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)))) {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	return !isAllDigits(last)
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isAllDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
