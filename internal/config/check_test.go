package config

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestWriteCheckMasksSecrets(t *testing.T) {
	secrets := map[string]string{
		"SECRET_KEY":              "sk-7Hq2Vn9Xc4Lp1Rz8Kt5Wm3Bd6Fg0Js",
		"SECRET_KEY_FALLBACKS":    "fb-2Mx8Qw4Er6Ty1Ui9Op3As7Df5Gh0Jk",
		"SECURITY_PASSWORD_SALT":  "ps-9Lk3Jh7Gf1Ds5Ap8Oi2Uy6Tr4Ew0Qm",
		"ACCOUNTS_JWT_SECRET_KEY": "jw-4Nb8Vc2Xz6Lk0Jh3Gf7Ds1Ap5Oi9Uy",
		"MAIL_PASSWORD":           "mail-pw-Rt5Yu",
		"RECAPTCHA_PRIVATE_KEY":   "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe",
	}
	urls := map[string]string{
		"SQLALCHEMY_DATABASE_URI":    "postgresql+psycopg2://user:db-pw-Qz7@db.example/accounts",
		"ACCOUNTS_SESSION_REDIS_URL": "redis://:redis-pw-Wx3@cache:6379/1",
		"RATELIMIT_STORAGE_URI":      "redis://default:limit-pw-Ek2@cache:6379/2",
	}
	var env []string
	for name, v := range secrets {
		env = append(env, name+"="+v)
	}
	for name, v := range urls {
		env = append(env, "INVENIO_"+name+"="+v)
	}
	file := writeFile(t, "MAIL_USERNAME = \"mailer\"\nRECAPTCHA_PUBLIC_KEY = \"6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI\"\n")
	c := mustLoad(t, Options{Environ: append(env, "ACCOUNTS_DATA_DIR="+t.TempDir()), File: file,
		Flags: map[string]string{"ACCOUNTS_ADDR": ":8080"}})
	var b strings.Builder
	if err := c.WriteCheck(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, s := range []string{"sk-7Hq2", "fb-2Mx8", "ps-9Lk3", "jw-4Nb8", "mail-pw", "GG-vFI1", "db-pw", "redis-pw", "limit-pw"} {
		if strings.Contains(out, s) {
			t.Errorf("WriteCheck output shows a secret (%s)", s)
		}
	}
	for _, want := range []string{
		"SECRET_KEY = ****  (env)\n",
		"SECURITY_PASSWORD_SALT = ****  (env)\n",
		"MAIL_PASSWORD = ****  (env)\n",
		"SQLALCHEMY_DATABASE_URI = postgresql+psycopg2://user:****@db.example/accounts  (INVENIO_ env)\n",
		"ACCOUNTS_SESSION_REDIS_URL = redis://:****@cache:6379/1  (INVENIO_ env)\n",
		"RATELIMIT_STORAGE_URI = redis://default:****@cache:6379/2  (INVENIO_ env)\n",
		"MAIL_USERNAME = mailer  (file)\n",
		"ACCOUNTS_ADDR = :8080  (flag)\n",
		"ACCOUNTS_BASE_URL = \"\"  (default)\n",
		"RECAPTCHA_PUBLIC_KEY = 6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI  (file)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	checkFormat(t, c, out)
}

// checkFormat checks that out has one sorted line per key, then the warnings.
func checkFormat(t *testing.T, c *Config, out string) {
	t.Helper()
	line := regexp.MustCompile(`^([A-Z0-9_]+) = .*  \((default|file|env|INVENIO_ env|flag|generated)\)$`)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var names []string
	for _, l := range lines[:len(Keys())] {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("malformed line %q", l)
			continue
		}
		names = append(names, m[1])
	}
	if !slices.IsSorted(names) || len(names) != len(Keys()) {
		t.Errorf("%d lines, sorted %v", len(names), slices.IsSorted(names))
	}
	warnings := lines[len(Keys()):]
	if len(warnings) != len(c.Warnings()) {
		t.Errorf("%d warning lines for %d warnings", len(warnings), len(c.Warnings()))
	}
	for _, w := range warnings {
		if !strings.HasPrefix(w, "warning: ") {
			t.Errorf("warning line %q lacks its prefix", w)
		}
	}
}

func TestWriteCheckDevKey(t *testing.T) {
	c := mustLoad(t, Options{Environ: []string{"ACCOUNTS_DATA_DIR=" + t.TempDir()}, Dev: ptr(true)})
	var b strings.Builder
	if err := c.WriteCheck(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, c.SecretKey) || strings.Contains(out, c.SecretKey[:16]) {
		t.Error("WriteCheck output shows the generated key")
	}
	for _, want := range []string{
		"SECRET_KEY = ****  (generated)\n",
		"SECURITY_PASSWORD_SALT = ****  (default)\n",
		"ACCOUNTS_DEV = true  (flag)\n",
		"warning: SECURITY_PASSWORD_SALT is not set, so the password salt follows SECRET_KEY",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	checkFormat(t, c, out)
}

func TestDisplay(t *testing.T) {
	c := mustLoad(t, Options{Environ: baseEnv(t)})
	for _, tt := range []struct{ name, raw, want string }{
		{"ACCOUNTS_ADDR", ":80", ":80"},
		{"ACCOUNTS_ADDR", "", `""`},
		{"ACCOUNTS_ADMIN_ROLE", " padded ", `" padded "`},
		{"ACCOUNTS_ADMIN_ROLE", "line\nbreak", `"line\nbreak"`},
		{"SECRET_KEY", "anything", "****"},
		{"SECRET_KEY", "", `""`},
		{"SQLALCHEMY_DATABASE_URI", "sqlite:///x.db", "sqlite:///x.db"},
	} {
		if got := c.display(tt.name, tt.raw); got != tt.want {
			t.Errorf("display(%s, %q) = %q, want %q", tt.name, tt.raw, got, tt.want)
		}
	}
}
