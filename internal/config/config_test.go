package config

import (
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Secrets that pass the policy; tests check they never leak into output.
const (
	strongKey  = "Zq7x2MvK9pR4tW8yB3nC6fH1jL5sD0gA"
	strongSalt = "salt-1f7a9c3e5b2d4f6a8c0e1b3d5f7a9c2e"
)

// baseEnv is a production environment that gives no warning, plus extra.
func baseEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	return append([]string{
		"SECRET_KEY=" + strongKey,
		"SECURITY_PASSWORD_SALT=" + strongSalt,
		"ACCOUNTS_BASE_URL=https://accounts.example.org",
		"MAIL_SERVER=smtp.example.org",
		"ACCOUNTS_DATA_DIR=" + t.TempDir(),
	}, extra...)
}

// mustLoad loads opts and fails the test on error.
func mustLoad(t *testing.T, opts Options) *Config {
	t.Helper()
	c, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// writeFile writes a config file with mode 0600 and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accounts.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// hasWarning reports whether a warning contains substr.
func hasWarning(c *Config, substr string) bool {
	return slices.ContainsFunc(c.Warnings(), func(w string) bool { return strings.Contains(w, substr) })
}

func ptr[T any](v T) *T { return &v }

func TestKeyTable(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Keys() {
		if seen[k.Name] {
			t.Errorf("duplicate key %s", k.Name)
		}
		seen[k.Name] = true
		if k.Doc == "" || !strings.HasSuffix(k.Doc, ".") || strings.Contains(k.Doc, "\n") {
			t.Errorf("%s: the doc must be one sentence ending in a period: %q", k.Name, k.Doc)
		}
		if k.Group == "" {
			t.Errorf("%s: no group", k.Name)
		}
		if k.Name != strings.ToUpper(k.Name) {
			t.Errorf("%s: names are upper case", k.Name)
		}
		if _, ignored := ignoredKey(k.Name); ignored {
			t.Errorf("%s is both a key and ignored", k.Name)
		}
	}
	for _, name := range []string{
		"SECRET_KEY", "SECURITY_PASSWORD_SALT", "ACCOUNTS_JWT_SECRET_KEY", "SESSION_COOKIE_SAMESITE",
		"PERMANENT_SESSION_LIFETIME", "RECAPTCHA_VERIFY_URL", "MAIL_TIMEOUT", "APP_ALLOWED_HOSTS", "WSGI_PROXIES",
		"PROXYFIX_CONFIG", "RATELIMIT_STORAGE_URI", "SQLALCHEMY_DATABASE_URI", "BABEL_DEFAULT_TIMEZONE",
		"THEME_SITENAME", "ACCOUNTS_SESSION_ACTIVITY_UPDATE_INTERVAL", "ACCOUNTS_SCHEDULE_DELETE_IPS",
	} {
		if !seen[name] {
			t.Errorf("key %s missing", name)
		}
	}
}

// TestTwoFactorDefaults also checks the failed-login bound, which is on by
// default while Invenio's ACCOUNTS_LOGIN_RATELIMIT stays off.
func TestTwoFactorDefaults(t *testing.T) {
	c := mustLoad(t, Options{Environ: []string{"SECRET_KEY=" + strongKey, "ACCOUNTS_DATA_DIR=" + t.TempDir()}})
	got := []any{c.TwoFactor, c.TwoFactorRequired, c.TOTPIssuer, c.RecoveryCodesN, c.TwoFactorRatelimit,
		c.TwoFactorSetupURL, c.TwoFactorValidationURL, c.LoginFailuresRatelimit, c.LoginRatelimit}
	want := []any{true, false, "", 10, []Limit{{5, time.Minute}, {20, time.Hour}}, "/tf-setup", "/tf-validate",
		[]Limit{{100, 24 * time.Hour}}, []Limit(nil)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("two-factor defaults (-want +got):\n%s", diff)
	}
	c = mustLoad(t, Options{Environ: []string{"SECRET_KEY=" + strongKey, "ACCOUNTS_DATA_DIR=" + t.TempDir(),
		"ACCOUNTS_TWO_FACTOR_RATELIMIT=[]", "SECURITY_MULTI_FACTOR_RECOVERY_CODES_N=5"}})
	if len(c.TwoFactorRatelimit) != 0 || c.RecoveryCodesN != 5 {
		t.Errorf("settings not taken: %v %d", c.TwoFactorRatelimit, c.RecoveryCodesN)
	}
}

func TestLoadDefaults(t *testing.T) {
	dir := t.TempDir()
	c := mustLoad(t, Options{Environ: []string{"SECRET_KEY=" + strongKey, "ACCOUNTS_DATA_DIR=" + dir}})
	type subset struct {
		Addr, LogFormat, PasswordHash, Sitename, EmailSender, RecaptchaVerifyURL string
		Dev, SessionCookieSecure, SessionCookieHTTPOnly, Registerable            bool
		AutoLoginAfterReset                                                      bool
		PasswordLengthMin, PasswordHashRounds, HashQueue, HashConcurrency        int
		MailPort, ProxyFixXFor                                                   int
		SameSite                                                                 http.SameSite
		Lifetime, ConfirmWithin, Idle, CleanSessions                             time.Duration
		Schemes, Deprecated, SingleHash, TrustedHosts                            []string
		PasswordSalt, JWTSecretKey                                               string
		PerEndpoint                                                              map[string][]Limit
		Guest                                                                    []Limit
		DB                                                                       [2]string
	}
	driver, dsn := c.Database()
	got := subset{
		c.Addr, c.LogFormat, c.PasswordHash, c.Sitename, c.EmailSender, c.RecaptchaVerifyURL,
		c.Dev, c.SessionCookieSecure, c.SessionCookieHTTPOnly, c.Registerable, c.AutoLoginAfterReset,
		c.PasswordLengthMin, c.PasswordHashRounds, c.HashQueue, c.HashConcurrency, c.MailPort, c.ProxyFixXFor,
		c.SessionCookieSameSite, c.PermanentSessionLifetime, c.ConfirmEmailWithin, c.SessionIdleTimeout, c.ScheduleCleanSessions,
		c.PasswordSchemes, c.DeprecatedPasswordSchemes, c.PasswordSingleHash, c.TrustedHosts,
		c.PasswordSalt, c.JWTSecretKey, c.RatelimitPerEndpoint, c.RatelimitGuestUser, [2]string{driver, dsn},
	}
	minute := []Limit{{10, time.Minute}}
	want := subset{
		"127.0.0.1:5000", "json", "pbkdf2_sha512", "Invenio", "no-reply@localhost", "https://www.google.com/recaptcha/api/siteverify",
		false, true, true, true, false,
		8, 210000, 64, runtime.GOMAXPROCS(0), 25, 0,
		http.SameSiteLaxMode, 31 * 24 * time.Hour, 30 * time.Minute, 0, time.Hour,
		[]string{"pbkdf2_sha512", "invenio_aes_encrypted_email"}, []string{"invenio_aes_encrypted_email"}, []string{"invenio_aes_encrypted_email"}, nil,
		strongKey, strongKey,
		map[string][]Limit{"security.login": minute, "security.register": minute, "security.forgot_password": minute, "security.reset_password": minute, "security.two_factor_token_validation": minute},
		[]Limit{{1000, time.Hour}, {60, time.Minute}},
		[2]string{"sqlite", filepath.Join(dir, "accounts.db")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults mismatch (-want +got):\n%s", diff)
	}
	if c.UsernameRegex == nil || !c.UsernameRegex.MatchString("alice_1") || c.UsernameRegex.MatchString("1alice") {
		t.Errorf("UsernameRegex = %v", c.UsernameRegex)
	}
	if c.DefaultTimezone != time.UTC {
		t.Errorf("DefaultTimezone = %v", c.DefaultTimezone)
	}
	if v, ok := c.Get("SECURITY_PASSWORD_LENGTH_MIN"); !ok || v != "8" {
		t.Errorf(`Get("SECURITY_PASSWORD_LENGTH_MIN") = %q, %v`, v, ok)
	}
	if _, ok := c.Get("NO_SUCH_KEY"); ok {
		t.Error(`Get("NO_SUCH_KEY") reported a known key`)
	}
	if s := c.SourceOf("ACCOUNTS_ADDR"); s != SourceDefault {
		t.Errorf("SourceOf(ACCOUNTS_ADDR) = %q", s)
	}
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, `ACCOUNTS_ADDR = "127.0.0.1:1001"`)
	tests := []struct {
		name       string
		env        []string
		flags      map[string]string
		want       string
		wantSource Source
	}{
		{name: "default", want: "127.0.0.1:5000", wantSource: SourceDefault},
		{name: "file", env: []string{"ACCOUNTS_CONFIG=" + file}, want: "127.0.0.1:1001", wantSource: SourceFile},
		{name: "env over file", env: []string{"ACCOUNTS_CONFIG=" + file, "ACCOUNTS_ADDR=:1002"}, want: ":1002", wantSource: SourceEnv},
		{name: "empty env keeps file", env: []string{"ACCOUNTS_CONFIG=" + file, "ACCOUNTS_ADDR="}, want: "127.0.0.1:1001", wantSource: SourceFile},
		{name: "INVENIO_ env over env", env: []string{"ACCOUNTS_CONFIG=" + file, "INVENIO_ACCOUNTS_ADDR=:1003", "ACCOUNTS_ADDR=:1002"},
			want: ":1003", wantSource: SourceInvenioEnv},
		{name: "flag over all", env: []string{"ACCOUNTS_CONFIG=" + file, "INVENIO_ACCOUNTS_ADDR=:1003", "ACCOUNTS_ADDR=:1002"},
			flags: map[string]string{"ACCOUNTS_ADDR": ":1004"}, want: ":1004", wantSource: SourceFlag},
		{name: "last duplicate wins", env: []string{"ACCOUNTS_ADDR=:1", "ACCOUNTS_ADDR=:2"}, want: ":2", wantSource: SourceEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, Options{Environ: baseEnv(t, tt.env...), Flags: tt.flags})
			raw, _ := c.Get("ACCOUNTS_ADDR")
			if c.Addr != tt.want || raw != tt.want || c.SourceOf("ACCOUNTS_ADDR") != tt.wantSource {
				t.Errorf("Addr = %q, Get = %q, source %q; want %q from %q", c.Addr, raw, c.SourceOf("ACCOUNTS_ADDR"), tt.want, tt.wantSource)
			}
		})
	}
}

func TestPrecedenceDevFlag(t *testing.T) {
	file := writeFile(t, "ACCOUNTS_DEV = true\n")
	tests := []struct {
		name string
		env  []string
		flag *bool
		want bool
	}{
		{name: "file", env: []string{"ACCOUNTS_CONFIG=" + file}, want: true},
		{name: "env over file", env: []string{"ACCOUNTS_CONFIG=" + file, "ACCOUNTS_DEV=no"}, want: false},
		{name: "INVENIO_ env over env", env: []string{"ACCOUNTS_DEV=0", "INVENIO_ACCOUNTS_DEV=True"}, want: true},
		{name: "flag false over env", env: []string{"ACCOUNTS_DEV=1"}, flag: ptr(false), want: false},
		{name: "flag true", flag: ptr(true), want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, Options{Environ: baseEnv(t, tt.env...), Dev: tt.flag})
			if c.Dev != tt.want {
				t.Errorf("Dev = %v, want %v", c.Dev, tt.want)
			}
		})
	}
}

func TestConfigFileChoice(t *testing.T) {
	a := writeFile(t, `ACCOUNTS_ADMIN_ROLE = "a"`)
	b := writeFile(t, `ACCOUNTS_ADMIN_ROLE = "b"`)
	f := writeFile(t, `ACCOUNTS_ADMIN_ROLE = "f"`)
	tests := []struct {
		name       string
		env        []string
		file       string
		flags      map[string]string
		want       string
		wantSource Source
	}{
		{name: "none", want: "", wantSource: SourceDefault},
		{name: "ACCOUNTS_CONFIG", env: []string{"ACCOUNTS_CONFIG=" + a}, want: a, wantSource: SourceEnv},
		{name: "INVENIO_ACCOUNTS_CONFIG wins", env: []string{"ACCOUNTS_CONFIG=" + a, "INVENIO_ACCOUNTS_CONFIG=" + b}, want: b, wantSource: SourceInvenioEnv},
		{name: "--config wins", env: []string{"INVENIO_ACCOUNTS_CONFIG=" + b}, file: f, want: f, wantSource: SourceFlag},
		{name: "as a flag", env: []string{"ACCOUNTS_CONFIG=" + a}, flags: map[string]string{"ACCOUNTS_CONFIG": f}, want: f, wantSource: SourceFlag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, Options{Environ: baseEnv(t, tt.env...), File: tt.file, Flags: tt.flags})
			wantRole := map[string]string{"": "admin", a: "a", b: "b", f: "f"}[tt.want]
			if c.AdminRole != wantRole || c.ConfigFile != tt.want || c.SourceOf("ACCOUNTS_CONFIG") != tt.wantSource {
				t.Errorf("AdminRole = %q, ConfigFile = %q from %q; want %q, %q from %q",
					c.AdminRole, c.ConfigFile, c.SourceOf("ACCOUNTS_CONFIG"), wantRole, tt.want, tt.wantSource)
			}
		})
	}
}

func TestLoadFileNativeTypes(t *testing.T) {
	file := writeFile(t, `
SECURITY_PASSWORD_LENGTH_MIN = 12
PERMANENT_SESSION_LIFETIME = 3600
ACCOUNTS_SESSION_IDLE_TIMEOUT = 1.5
SECURITY_RESET_PASSWORD_WITHIN = "2 hours"
SECURITY_CONFIRM_EMAIL_WITHIN = "1h30m"
TRUSTED_HOSTS = ["a.example.org", ".b.example.org"]
SECURITY_PASSWORD_SCHEMES = "pbkdf2_sha512, invenio_aes_encrypted_email"
SECURITY_REGISTERABLE = "False"
SECURITY_CONFIRMABLE = false
SESSION_COOKIE_SAMESITE = "strict"
ACCOUNTS_LOG_LEVEL = "WARNING"
ACCOUNTS_LOGIN_RATELIMIT = "5 per 15 minutes"
UNRELATED_INVENIO_SETTING = "ignored quietly"

[PROXYFIX_CONFIG]
x_for = 2
x_proto = 0

[SECURITY_PASSWORD_HASH_OPTIONS.pbkdf2_sha512]
rounds = 300000

[RATELIMIT_PER_ENDPOINT]
"security.login" = "3 per minute"
`)
	c := mustLoad(t, Options{Environ: baseEnv(t), File: file})
	type subset struct {
		LengthMin, Rounds, XFor, XProto int
		Lifetime, Idle, Reset, Confirm  time.Duration
		Hosts, Schemes                  []string
		Registerable, Confirmable       bool
		SameSite                        http.SameSite
		Level                           string
		Login                           []Limit
		PerEndpoint                     map[string][]Limit
	}
	got := subset{c.PasswordLengthMin, c.PasswordHashRounds, c.ProxyFixXFor, c.ProxyFixXProto,
		c.PermanentSessionLifetime, c.SessionIdleTimeout, c.ResetPasswordWithin, c.ConfirmEmailWithin,
		c.TrustedHosts, c.PasswordSchemes, c.Registerable, c.Confirmable, c.SessionCookieSameSite,
		c.LogLevel.String(), c.LoginRatelimit, c.RatelimitPerEndpoint}
	want := subset{12, 300000, 2, 0,
		time.Hour, 1500 * time.Millisecond, 2 * time.Hour, 90 * time.Minute,
		[]string{"a.example.org", ".b.example.org"}, []string{"pbkdf2_sha512", "invenio_aes_encrypted_email"},
		false, false, http.SameSiteStrictMode, "WARN", []Limit{{5, 15 * time.Minute}},
		map[string][]Limit{"security.login": {{3, time.Minute}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if got := c.Warnings(); len(got) != 0 {
		t.Errorf("unexpected warnings: %q", got)
	}
	if s := c.SourceOf("PROXYFIX_CONFIG"); s != SourceFile {
		t.Errorf("SourceOf(PROXYFIX_CONFIG) = %q", s)
	}
}
