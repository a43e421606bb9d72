package config

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// masked replaces a secret in output.
const masked = "****"

// WriteCheck writes the effective configuration for `accounts config check`:
// one "NAME = value  (source)" line per key, sorted by name, with secrets and
// the passwords in URLs masked, then one "warning: ..." line per warning.
func (c *Config) WriteCheck(w io.Writer) error {
	names := make([]string, 0, len(c.keys))
	for _, k := range c.keys {
		names = append(names, k.Name)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name + " = " + c.display(name, c.values[name].raw) + "  (" + string(c.SourceOf(name)) + ")\n")
	}
	for _, warning := range c.warnings {
		b.WriteString("warning: " + warning + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// display formats a raw value for output: secrets masked, and quoted when
// empty, padded or holding control characters.
func (c *Config) display(name, raw string) string {
	if i, ok := c.index[name]; ok && raw != "" {
		switch k := c.keys[i]; {
		case k.Secret:
			return masked
		case k.SecretInURL:
			raw = maskURL(raw)
		}
	}
	if len(raw) > 200 {
		raw = raw[:200] + "..."
	}
	if raw == "" || raw != strings.TrimSpace(raw) || strings.IndexFunc(raw, unicode.IsControl) >= 0 {
		return strconv.Quote(raw)
	}
	return raw
}

// maskURL masks the password of a URL ("postgresql://user:****@host/db") and
// any password=... query parameter. Text that is not a URL but holds an "@"
// is masked whole, since it may carry credentials.
func maskURL(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		if strings.Contains(s, "@") {
			return masked
		}
		return s
	}
	head, rest := s[:i+3], s[i+3:]
	// The last "@" ends the user information even when the password holds
	// unescaped "/", "?" or "@"; masking too much is the safe mistake.
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, hasPassword := strings.Cut(rest[:at], ":"); hasPassword {
			rest = user + ":" + masked + rest[at:]
		}
	}
	return head + maskQueryPassword(rest)
}

// maskQueryPassword masks the values of password= parameters.
func maskQueryPassword(s string) string {
	const param = "password="
	var b strings.Builder
	for i := 0; i+len(param) <= len(s); i++ {
		if !strings.EqualFold(s[i:i+len(param)], param) {
			continue
		}
		start := i + len(param)
		end := strings.IndexAny(s[start:], "&#;")
		if end < 0 {
			end = len(s) - start
		}
		b.WriteString(s[:start] + masked)
		s, i = s[start+end:], -1
	}
	return b.String() + s
}
