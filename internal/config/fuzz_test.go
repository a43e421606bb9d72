package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30 minutes", "1 days", "1 day", "2 hours", "1 weeks", "45 seconds", "1800", "0.5",
		"30m", "1h30m", "1 hour 30 minutes", "-1", "1e300", "NaN", "9223372036 seconds", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d < 0 {
			t.Errorf("ParseDuration(%q) = %v, negative", s, d)
		}
	})
}

func FuzzParseBool(f *testing.F) {
	for _, s := range []string{"true", "False", "1", "0", "yes", "OFF", "", "maybe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBool(s)
		if err != nil {
			return
		}
		if again, _ := ParseBool(strings.ToUpper(s)); again != b {
			t.Errorf("ParseBool(%q) depends on case", s)
		}
	})
}

func FuzzParseList(f *testing.F) {
	for _, s := range []string{`["a.org", "b.org"]`, `['a', 'b']`, `('x',)`, "a, b,,c", "[::1]", `["a"`, `[1]`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := ParseList(s)
		if err != nil {
			return
		}
		for _, it := range items {
			if it == "" || it != strings.TrimSpace(it) {
				t.Errorf("ParseList(%q) gave item %q", s, it)
			}
		}
	})
}

func FuzzParseDict(f *testing.F) {
	for _, s := range []string{`{"x_for": 1, "x_proto": 1}`, `{'x_for': 2, 'x_host': 0,}`,
		`{"pbkdf2_sha512": {"rounds": 210000}}`, `{"a": "\ud83d\ude00\u00e9\x41"}`, `{'a': True, 'b': None, 'c': [1.5e3, -2]}`,
		`{"security.login": "10 per minute"}`, `{`, `{"a": [[[[]]]]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseDict(s)
		if err == nil && m == nil {
			t.Errorf("ParseDict(%q) = nil without error", s)
		}
		if err == nil && utf8.ValidString(s) {
			for k := range m {
				if !utf8.ValidString(k) && !strings.Contains(s, `\`) {
					t.Errorf("ParseDict(%q) made an invalid key %q", s, k)
				}
			}
		}
	})
}

func FuzzParseLimits(f *testing.F) {
	for _, s := range []string{"10 per minute", "5000 per hour;100 per minute", "5 per 15 minutes", "3/hour", "x per y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		limits, err := ParseLimits(s)
		for _, l := range limits {
			if err == nil && (l.Count <= 0 || l.Period <= 0) {
				t.Errorf("ParseLimits(%q) gave %+v", s, l)
			}
		}
	})
}

func FuzzLoadTOML(f *testing.F) {
	f.Add([]byte(`
SECURITY_PASSWORD_LENGTH_MIN = 12
PERMANENT_SESSION_LIFETIME = "14 days"
TRUSTED_HOSTS = ["accounts.example.org"]
SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://u:p@db/invenio"
[PROXYFIX_CONFIG]
x_for = 1
`))
	f.Add([]byte("ACCOUNTS_SESSION_IDLE_TIMEOUT = 1.5\nSECURITY_REGISTERABLE = \"False\"\n"))
	f.Add([]byte("[SECURITY_PASSWORD_HASH_OPTIONS.pbkdf2_sha512]\nrounds = 300000\n"))
	f.Add([]byte("RATELIMIT_PER_ENDPOINT = { \"security.login\" = \"3 per minute\" }\nX = 1979-05-27\n"))
	f.Add([]byte("ACCOUNTS_DEV = true\nSECRET_KEY = \"\"\nsecret_key = 1\n[[TRUSTED_HOSTS]]\n"))
	dir := f.TempDir()
	env := []string{"SECRET_KEY=" + strongKey, "SECURITY_PASSWORD_SALT=" + strongSalt, "ACCOUNTS_DATA_DIR=" + dir}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "accounts.toml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(Options{Environ: env, File: path})
		if err != nil {
			return
		}
		var b strings.Builder
		if err := c.WriteCheck(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), c.SecretKey) {
			t.Error("WriteCheck shows SECRET_KEY")
		}
	})
}
