// Package password provides passlib-compatible password hashing and the
// scheme policy of Flask-Security as configured by Invenio-Accounts.
//
// It reads and writes the strings that Python's passlib stores in
// accounts_user.password: "pbkdf2_sha512" over Flask-Security's HMAC-SHA512
// pre-hash (the default for new hashes), Invenio 1's legacy
// "invenio_aes_encrypted_email", and the "sha256_crypt" and "hex_md5"
// schemes that Flask-Security also uses to hash token data.
//
// A [Hasher] applies a [Policy]: which schemes verify, which are deprecated
// and rehashed, which skip the pre-hash, the rounds of new hashes and the
// minimum password length. A Hasher is immutable and safe for concurrent use.
//
// Every verification compares checksums in constant time, never panics on a
// malformed stored string, and runs a dummy verification of the same cost
// when there is nothing to verify against, so that unknown users cost the
// same time as known ones.
//
// The package imports only the standard library.
package password
