package config

import (
	"fmt"
	"time"
)

// Kind is the type of a key's value, which decides how it is parsed.
type Kind int

// The kinds of values.
const (
	String   Kind = iota // any text
	Bool                 // see ParseBool
	Int                  // see ParseInt
	Duration             // see ParseDuration
	List                 // see ParseList
	Dict                 // see ParseDict
	Limits               // see ParseLimits
)

// String names the kind as the docs show it.
func (k Kind) String() string {
	switch k {
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Duration:
		return "duration"
	case List:
		return "list"
	case Dict:
		return "dict"
	case Limits:
		return "rate limits"
	}
	return "string"
}

// Key declares one configuration key.
type Key struct {
	Name        string // Invenio's name, e.g. "SECURITY_PASSWORD_LENGTH_MIN"
	Kind        Kind
	Default     string // in the same string form as the environment; "" = unset
	DefaultText string // shown instead of Default when the default is derived
	Secret      bool   // the whole value is masked in output
	SecretInURL bool   // the value is a URL whose password is masked
	Group       string // section of the docs
	Doc         string // one line

	// derive gives the default when the key is not set and the default
	// depends on other keys; the result's raw "" keeps the key unset.
	derive func(c *Config) string
	// set parses raw (possibly "") into the Config's field; nil for a key
	// without a field of its own.
	set func(c *Config, raw string) error
}

// Keys returns the key table, in the order of the docs.
func Keys() []Key {
	return keyTable()
}

// keyTable builds the table; it is built on each call so that no package
// state can be changed.
func keyTable() []Key {
	var keys []Key
	for _, part := range [][]Key{
		serviceKeys(), secretKeys(), sessionKeys(), featureKeys(),
		passwordKeys(), urlKeys(), templateKeys(), mailKeys(),
		hostKeys(), recaptchaKeys(), ratelimitKeys(), jobKeys(),
	} {
		keys = append(keys, part...)
	}
	return keys
}

// group sets the docs section of keys.
func group(name string, keys ...Key) []Key {
	for i := range keys {
		keys[i].Group = name
	}
	return keys
}

// secret marks the key's value as secret.
func (k Key) secret() Key { k.Secret = true; return k }

// urlSecret marks the key's value as a URL that may hold a password.
func (k Key) urlSecret() Key { k.SecretInURL = true; return k }

// note sets the text shown as the default in the docs.
func (k Key) note(text string) Key { k.DefaultText = text; return k }

// derived gives the key a default computed from other keys, described by text.
func (k Key) derived(text string, f func(c *Config) string) Key {
	k.DefaultText, k.derive = text, f
	return k
}

// custom declares a key parsed by set, which is also called for ""; a nil set
// only keeps the raw value.
func custom(name string, kind Kind, def, doc string, set func(c *Config, raw string) error) Key {
	return Key{Name: name, Kind: kind, Default: def, Doc: doc, set: set}
}

func strKey(name, def, doc string, field func(c *Config) *string) Key {
	return custom(name, String, def, doc, func(c *Config, raw string) error {
		*field(c) = raw
		return nil
	})
}

func boolKey(name, def, doc string, field func(c *Config) *bool) Key {
	return custom(name, Bool, def, doc, func(c *Config, raw string) (err error) {
		if raw != "" {
			*field(c), err = ParseBool(raw)
		}
		return err
	})
}

// intKey declares an integer key whose value must lie in [lo, hi].
func intKey(name, def, doc string, lo, hi int, field func(c *Config) *int) Key {
	return custom(name, Int, def, doc, func(c *Config, raw string) error {
		if raw == "" {
			return nil
		}
		n, err := ParseInt(raw)
		if err == nil && (n < lo || n > hi) {
			err = fmt.Errorf("expected a whole number from %d to %d", lo, hi)
		}
		*field(c) = n
		return err
	})
}

func durKey(name, def, doc string, field func(c *Config) *time.Duration) Key {
	return custom(name, Duration, def, doc, func(c *Config, raw string) (err error) {
		if raw != "" {
			*field(c), err = ParseDuration(raw)
		}
		return err
	})
}

func listKey(name, def, doc string, field func(c *Config) *[]string) Key {
	return custom(name, List, def, doc, func(c *Config, raw string) (err error) {
		if raw != "" {
			*field(c), err = ParseList(raw)
		}
		return err
	})
}

func limitsKey(name, def, doc string, field func(c *Config) *[]Limit) Key {
	return custom(name, Limits, def, doc, func(c *Config, raw string) (err error) {
		*field(c), err = ParseLimits(raw)
		return err
	})
}

// indexKeys maps key names to their position in keys.
func indexKeys(keys []Key) map[string]int {
	m := make(map[string]int, len(keys))
	for i, k := range keys {
		m[k.Name] = i
	}
	return m
}
