// Package pwcheck refuses new passwords that are known to be weak: those on
// a blocklist of common passwords shipped inside the binary, those made of
// context-specific words (the site's name, the user's email address and
// username), and, when enabled, those that a breached-password service
// reports, looked up with the k-anonymity range protocol of Have I Been
// Pwned's Pwned Passwords API.
//
// A [Checker] is built once from [Options] and is safe for concurrent use.
// [Checker.Check] returns nil, [ErrCommon], [ErrContext], [ErrBreached] or
// an error that matches [ErrUnavailable]. Their messages are meant to be
// shown to users as they are, and callers report all four as an invalid
// password field.
// Check does not validate the length of a password: callers do that first
// (internal/password's ValidateLength), then call Check on every path that
// sets a password (registration, change, reset, users create), never on
// login.
//
// The blocklist is @zxcvbn-ts/language-common 4.1.3's common-passwords
// dictionary (MIT, 49,233 entries; provenance in data/NOTICE and
// docs/passwords.md), completed with repeated characters and keyboard,
// digit and alphabet sequences. Matching is exact after lower-casing and
// trimming surrounding white space.
//
// Context words: the password and the words are folded (lower case, letters
// and digits only), the digits at either end of the password are dropped,
// and the password is refused when what is left is more than half covered
// by words of 3 or more letters and digits: "Jane2024!" and "jane.doe.99"
// for jane.doe@example.org, "Invenio123" on any site with the default
// words. docs/passwords.md states the rule with its examples.
//
// The breached check sends only the first five hexadecimal digits of the
// password's SHA-1 hash; the password, its full hash and the prefix are
// never sent elsewhere or logged.
//
// The package imports only the standard library.
package pwcheck
