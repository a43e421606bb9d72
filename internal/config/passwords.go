package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// DefaultPasswordHashRounds is the pbkdf2_sha512 rounds of new hashes when
// SECURITY_PASSWORD_HASH_OPTIONS does not set them (OWASP's figure for
// PBKDF2-HMAC-SHA512).
const DefaultPasswordHashRounds = 210000

// knownScheme reports whether accounts can verify hashes of the scheme.
func knownScheme(name string) bool {
	return name == "pbkdf2_sha512" || name == "invenio_aes_encrypted_email"
}

func setPasswordHash(c *Config, raw string) error {
	if raw != "pbkdf2_sha512" {
		return errors.New(`expected "pbkdf2_sha512", the only scheme accounts hashes new passwords with`)
	}
	c.PasswordHash = raw
	return nil
}

// setSingleHash reads a list of schemes, or as Flask-Security a boolean:
// true for every scheme of SECURITY_PASSWORD_SCHEMES, false for none.
func setSingleHash(c *Config, raw string) (err error) {
	if on, berr := ParseBool(raw); berr == nil {
		c.PasswordSingleHash = []string{} // none: not nil, which means "the default"
		if on {
			// An invalid SECURITY_PASSWORD_SCHEMES is reported by its own key.
			c.PasswordSingleHash, _ = ParseList(c.values["SECURITY_PASSWORD_SCHEMES"].raw)
		}
		return nil
	}
	c.PasswordSingleHash, err = ParseList(raw)
	return err
}

// setPasswordHashOptions reads {"pbkdf2_sha512": {"rounds": N}}; other
// options are ignored with a warning.
func setPasswordHashOptions(c *Config, raw string) error {
	c.PasswordHashRounds = DefaultPasswordHashRounds
	if raw == "" {
		return nil
	}
	m, err := ParseDict(raw)
	if err != nil {
		return err
	}
	for _, scheme := range sortedKeys(m) {
		opts, ok := m[scheme].(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %s, found %s", scheme, expectDict, typeName(m[scheme]))
		}
		for _, name := range sortedKeys(opts) {
			if scheme != "pbkdf2_sha512" || (name != "rounds" && name != "default_rounds") {
				c.warnf("SECURITY_PASSWORD_HASH_OPTIONS: option %s.%s is ignored (only pbkdf2_sha512.rounds is used)", scheme, name)
				continue
			}
			n, ok := literalInt(opts[name])
			if !ok || n < 1 || n > 1<<32-1 {
				return fmt.Errorf("%s.%s: expected a whole number from 1 to 4294967295", scheme, name)
			}
			c.PasswordHashRounds = int(n)
		}
	}
	return nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
