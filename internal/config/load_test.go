package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		file  string   // file content; the error must then name the file
		want  []string // substrings of the error
		never string   // must not appear in the error
	}{
		{name: "int", env: []string{"SECURITY_PASSWORD_LENGTH_MIN=abc"},
			want: []string{"SECURITY_PASSWORD_LENGTH_MIN", `"abc"`, "(env SECURITY_PASSWORD_LENGTH_MIN)", "whole number"}},
		{name: "int range", env: []string{"SECURITY_PASSWORD_LENGTH_MIN=200"}, want: []string{"from 1 to 128"}},
		{name: "bool from INVENIO_", env: []string{"INVENIO_SESSION_COOKIE_HTTPONLY=maybe"},
			want: []string{"SESSION_COOKIE_HTTPONLY", "(env INVENIO_SESSION_COOKIE_HTTPONLY)", "expected a boolean"}},
		{name: "duration in file", file: `PERMANENT_SESSION_LIFETIME = "forever"`,
			want: []string{"PERMANENT_SESSION_LIFETIME", "accounts.toml:PERMANENT_SESSION_LIFETIME)", "expected a duration"}},
		{name: "zero lifetime", env: []string{"PERMANENT_SESSION_LIFETIME=0"}, want: []string{"PERMANENT_SESSION_LIFETIME must be longer than 0"}},
		{name: "list of numbers", file: `TRUSTED_HOSTS = [1, 2]`, want: []string{"TRUSTED_HOSTS", "JSON array of strings"}},
		{name: "broken JSON list", env: []string{`SECURITY_PASSWORD_SCHEMES=["pbkdf2_sha512"`}, want: []string{"SECURITY_PASSWORD_SCHEMES", "JSON array"}},
		{name: "dict", env: []string{"PROXYFIX_CONFIG=x_for=1"}, want: []string{"PROXYFIX_CONFIG", "JSON object"}},
		{name: "proxyfix option", env: []string{`PROXYFIX_CONFIG={"x_forwarded": 1}`}, want: []string{`unknown option "x_forwarded"`}},
		{name: "proxyfix value", env: []string{`PROXYFIX_CONFIG={"x_for": -1}`}, want: []string{"x_for: expected a number of proxies"}},
		{name: "wsgi proxies", env: []string{"WSGI_PROXIES=two"}, want: []string{"WSGI_PROXIES", "number of proxies"}},
		{name: "hash options", env: []string{`SECURITY_PASSWORD_HASH_OPTIONS={"pbkdf2_sha512": {"rounds": 0}}`},
			want: []string{"pbkdf2_sha512.rounds: expected a whole number from 1"}},
		{name: "hash options shape", env: []string{`SECURITY_PASSWORD_HASH_OPTIONS={"pbkdf2_sha512": 5}`}, want: []string{"found a number"}},
		{name: "hash scheme", env: []string{"SECURITY_PASSWORD_HASH=bcrypt"}, want: []string{"SECURITY_PASSWORD_HASH", "pbkdf2_sha512"}},
		{name: "hash not in schemes", env: []string{"SECURITY_PASSWORD_SCHEMES=invenio_aes_encrypted_email"},
			want: []string{"SECURITY_PASSWORD_SCHEMES must include SECURITY_PASSWORD_HASH"}},
		{name: "database", env: []string{"SQLALCHEMY_DATABASE_URI=mysql://app:hunter2secret@db/accounts"},
			want: []string{"SQLALCHEMY_DATABASE_URI", "mysql://app:****@db/accounts", "postgresql://"}, never: "hunter2secret"},
		{name: "tls and ssl", env: []string{"MAIL_USE_TLS=1", "MAIL_USE_SSL=yes"}, want: []string{"MAIL_USE_TLS and MAIL_USE_SSL"}},
		{name: "mail port", env: []string{"MAIL_PORT=70000"}, want: []string{"MAIL_PORT", "from 1 to 65535"}},
		{name: "samesite", env: []string{"SESSION_COOKIE_SAMESITE=Sometimes"}, want: []string{`"Lax", "Strict" or "None"`}},
		{name: "log format", env: []string{"ACCOUNTS_LOG_FORMAT=xml"}, want: []string{`"json" or "text"`}},
		{name: "log level", env: []string{"ACCOUNTS_LOG_LEVEL=loud"}, want: []string{"ACCOUNTS_LOG_LEVEL", `"debug"`}},
		{name: "timezone", env: []string{"BABEL_DEFAULT_TIMEZONE=Mars/Olympus_Mons"}, want: []string{"IANA time zone"}},
		{name: "base url", env: []string{"ACCOUNTS_BASE_URL=ftp://example.org"}, want: []string{"ACCOUNTS_BASE_URL", "http(s) URL"}},
		{name: "addr", env: []string{"ACCOUNTS_ADDR=localhost"}, want: []string{"ACCOUNTS_ADDR", "host:port"}},
		{name: "per endpoint", env: []string{`RATELIMIT_PER_ENDPOINT={"security.login": "lots"}`}, want: []string{"security.login:", "rate limits"}},
		{name: "per account limit", env: []string{"ACCOUNTS_LOGIN_RATELIMIT=often"}, want: []string{"ACCOUNTS_LOGIN_RATELIMIT", "rate limits"}},
		{name: "storage", env: []string{"RATELIMIT_STORAGE_URI=memcached://localhost"}, want: []string{"memory://"}},
		{name: "regex", env: []string{"ACCOUNTS_USERNAME_REGEX=(unclosed"}, want: []string{"regular expression"}},
		{name: "trusted hosts", env: []string{"TRUSTED_HOSTS=https://accounts.example.org/"}, want: []string{"TRUSTED_HOSTS", "expected host names"}},
		{name: "allowed hosts", env: []string{"APP_ALLOWED_HOSTS=['a.org', 'b.org/x']"}, want: []string{"APP_ALLOWED_HOSTS", `found "b.org/x"`}},
		{name: "sender", env: []string{"SECURITY_EMAIL_SENDER=not an address"}, want: []string{"SECURITY_EMAIL_SENDER", "email address"}},
		{name: "hash concurrency", env: []string{"ACCOUNTS_HASH_CONCURRENCY=-1"}, want: []string{"ACCOUNTS_HASH_CONCURRENCY"}},
		{name: "breached", env: []string{"SECURITY_PASSWORD_CHECK_BREACHED=sometimes"}, want: []string{`"strict"`}},
		{name: "secret list", env: []string{`SECRET_KEY_FALLBACKS=["old-key-4f2a9c7e1b3d5f60718293a4b5c6d7e"`},
			want: []string{"SECRET_KEY_FALLBACKS = ****"}, never: "old-key"},
		{name: "date in file", file: "ACCOUNTS_ADDR = 1979-05-27\n", want: []string{"ACCOUNTS_ADDR", "dates and times"}},
		{name: "bad TOML", file: "ACCOUNTS_ADDR = \n", want: []string{"config file", "accounts.toml", "line 1"}},
		{name: "several at once", env: []string{"MAIL_PORT=x", "SECURITY_CHANGEABLE=x"}, want: []string{"MAIL_PORT", "SECURITY_CHANGEABLE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Environ: baseEnv(t, tt.env...)}
			if tt.file != "" {
				opts.File = writeFile(t, tt.file)
			}
			_, err := Load(opts)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if tt.never != "" && strings.Contains(err.Error(), tt.never) {
				t.Errorf("error %q shows %q", err, tt.never)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(Options{Environ: baseEnv(t), File: filepath.Join(t.TempDir(), "nope.toml")})
	if err == nil || !strings.Contains(err.Error(), "read config file") {
		t.Errorf("Load error = %v", err)
	}
	_, err = Load(Options{Environ: baseEnv(t), Flags: map[string]string{"NO_SUCH_KEY": "1"}})
	if err == nil || !strings.Contains(err.Error(), "NO_SUCH_KEY") {
		t.Errorf("Load with an unknown flag: error = %v", err)
	}
}

func TestUnknownKeys(t *testing.T) {
	file := writeFile(t, `
ACCOUNTS_FOO = 1
SECURITY_REGISTERABEL = false
SESSION_COOKIE_SECUR = true
MAIL_SERVR = "smtp"
RECAPTCHA_KEY = "x"
RATELIMIT_STRATEGY = "fixed-window"
OTHER_INVENIO_KEY = "quiet"
secret_key = "lower case"
ACCOUNTS_USE_CELERY = true
ACCOUNTS_CONFIG = "other.toml"
`)
	env := baseEnv(t,
		"SECURITY_CONFIRMABEL=0", "INVENIO_ACCOUNTS_BAR=1", "MAIL_SERVR=quiet", "INVENIO_THEME_FOO=quiet",
		"ACCOUNTS_TEST_POSTGRES_URL=postgres://x", "SECURITY_MSG_LOGIN=Hi", "INVENIO_SECURITY_PASSWORD_CHECK_BREACHED=strict",
	)
	c := mustLoad(t, Options{Environ: env, File: file})
	want := []string{
		"file " + file + ": unknown key ACCOUNTS_FOO (typo?)",
		"file " + file + ": unknown key MAIL_SERVR (typo?): did you mean MAIL_SERVER?",
		"file " + file + ": unknown key RECAPTCHA_KEY (typo?)",
		"file " + file + ": unknown key SECURITY_REGISTERABEL (typo?): did you mean SECURITY_REGISTERABLE?",
		"file " + file + ": unknown key SESSION_COOKIE_SECUR (typo?): did you mean SESSION_COOKIE_SECURE?",
		"file " + file + ": unknown key secret_key (keys are upper case: SECRET_KEY?)",
		"file " + file + ": ACCOUNTS_CONFIG is ignored in a config file",
		"file " + file + ": ACCOUNTS_USE_CELERY is ignored: there is no Celery",
		"file " + file + ": RATELIMIT_STRATEGY is ignored: the limiter's algorithm is fixed",
		"env INVENIO_ACCOUNTS_BAR: unknown key ACCOUNTS_BAR (typo?)",
		"env SECURITY_CONFIRMABEL: unknown key SECURITY_CONFIRMABEL (typo?): did you mean SECURITY_CONFIRMABLE?",
		"env SECURITY_MSG_LOGIN is ignored: messages are Invenio's and not configurable",
	}
	got := c.Warnings()
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}
	if c.PasswordCheckBreached != "strict" || c.SecretKey != strongKey {
		t.Errorf("PasswordCheckBreached = %q; the lower-case secret_key must not apply", c.PasswordCheckBreached)
	}
}

func TestSingleHash(t *testing.T) {
	tests := []struct {
		value string
		want  []string
	}{
		{"True", []string{"pbkdf2_sha512", "invenio_aes_encrypted_email"}},
		{"false", []string{}},
		{"pbkdf2_sha512", []string{"pbkdf2_sha512"}},
		{`["invenio_aes_encrypted_email"]`, []string{"invenio_aes_encrypted_email"}},
	}
	for _, tt := range tests {
		c := mustLoad(t, Options{Environ: baseEnv(t, "SECURITY_PASSWORD_SINGLE_HASH="+tt.value)})
		if diff := cmp.Diff(tt.want, c.PasswordSingleHash); diff != "" {
			t.Errorf("SECURITY_PASSWORD_SINGLE_HASH=%s mismatch (-want +got):\n%s", tt.value, diff)
		}
	}
}

func TestProxies(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		want    [5]int // x_for, x_proto, x_host, x_port, x_prefix
		warning string
	}{
		{name: "none", want: [5]int{}},
		{name: "ProxyFix defaults", env: []string{`PROXYFIX_CONFIG={"x_host": 1}`}, want: [5]int{1, 1, 1, 0, 0}},
		{name: "ProxyFix Python form", env: []string{`PROXYFIX_CONFIG={'x_for': 2, 'x_proto': 0, 'x_prefix': 1}`}, want: [5]int{2, 0, 0, 0, 1}},
		{name: "WSGI_PROXIES", env: []string{"WSGI_PROXIES=2"}, want: [5]int{2, 0, 0, 0, 0},
			warning: `WSGI_PROXIES is deprecated: set PROXYFIX_CONFIG = {"x_for": 2} instead`},
		{name: "ProxyFix wins", env: []string{"WSGI_PROXIES=3", `PROXYFIX_CONFIG={"x_for": 1}`}, want: [5]int{1, 1, 0, 0, 0},
			warning: "WSGI_PROXIES is ignored because PROXYFIX_CONFIG is set"},
		{name: "empty ProxyFix is unset", env: []string{"WSGI_PROXIES=3", `PROXYFIX_CONFIG={}`}, want: [5]int{3, 0, 0, 0, 0},
			warning: "WSGI_PROXIES is deprecated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, Options{Environ: baseEnv(t, tt.env...)})
			got := [5]int{c.ProxyFixXFor, c.ProxyFixXProto, c.ProxyFixXHost, c.ProxyFixXPort, c.ProxyFixXPrefix}
			if got != tt.want {
				t.Errorf("hops = %v, want %v", got, tt.want)
			}
			if tt.warning != "" && !hasWarning(c, tt.warning) {
				t.Errorf("no warning %q in %q", tt.warning, c.Warnings())
			}
		})
	}
}

func TestDerivedDefaults(t *testing.T) {
	c := mustLoad(t, Options{Environ: baseEnv(t,
		"THEME_SITENAME=Zenodo", "MAIL_DEFAULT_SENDER=('Zenodo', 'info@zenodo.org')",
		"RECAPTCHA_VERIFY_SERVER=http://127.0.0.1:9/verify", "INVENIO_APP_ALLOWED_HOSTS=['zenodo.org', 'www.zenodo.org']",
	)})
	got := []any{c.Sitename, c.EmailSender, c.MailDefaultSender, c.RecaptchaVerifyURL, c.TrustedHosts}
	want := []any{"Zenodo", `"Zenodo" <info@zenodo.org>`, `"Zenodo" <info@zenodo.org>`, "http://127.0.0.1:9/verify",
		[]string{"zenodo.org", "www.zenodo.org"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if !hasWarning(c, "APP_ALLOWED_HOSTS is deprecated: its value is used as TRUSTED_HOSTS") {
		t.Errorf("warnings = %q", c.Warnings())
	}

	c = mustLoad(t, Options{Environ: baseEnv(t, "TRUSTED_HOSTS=a.org", "APP_ALLOWED_HOSTS=b.org", "ACCOUNTS_SITENAME=Mine", "THEME_SITENAME=Theirs")})
	if diff := cmp.Diff([]string{"a.org"}, c.TrustedHosts); diff != "" || c.Sitename != "Mine" {
		t.Errorf("TrustedHosts = %q, Sitename = %q", c.TrustedHosts, c.Sitename)
	}
	if !hasWarning(c, "APP_ALLOWED_HOSTS is deprecated and ignored because TRUSTED_HOSTS is set") {
		t.Errorf("warnings = %q", c.Warnings())
	}
}

// ACCOUNTS_PASSWORD_CONTEXT_WORDS defaults to "invenio" and the site name,
// whichever key names it, and an explicit value, even "[]", replaces both.
func TestPasswordContextWords(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"no site name", nil, []string{"invenio"}},
		{"THEME_SITENAME", []string{"THEME_SITENAME=Zenodo"}, []string{"invenio", "Zenodo"}},
		{"ACCOUNTS_SITENAME wins", []string{"THEME_SITENAME=Theirs", "ACCOUNTS_SITENAME=CERN Document Server"}, []string{"invenio", "CERN Document Server"}},
		{"site name Invenio", []string{"THEME_SITENAME=InvenIO"}, []string{"invenio"}},
		{"quotes in the site name", []string{`ACCOUNTS_SITENAME=Bob's "Repo" \ 1`}, []string{"invenio", `Bob's "Repo" \ 1`}},
		{"explicit", []string{"THEME_SITENAME=Zenodo", "ACCOUNTS_PASSWORD_CONTEXT_WORDS=zenodo, cern"}, []string{"zenodo", "cern"}},
		{"explicit list", []string{`ACCOUNTS_PASSWORD_CONTEXT_WORDS=["openaire"]`}, []string{"openaire"}},
		{"none", []string{"THEME_SITENAME=Zenodo", "ACCOUNTS_PASSWORD_CONTEXT_WORDS=[]"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, Options{Environ: baseEnv(t, tt.env...)})
			if diff := cmp.Diff(tt.want, c.PasswordContextWords, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("PasswordContextWords mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDevModeDefaults(t *testing.T) {
	tests := []struct {
		name       string
		dev        bool
		env        []string
		wantSecure bool
		wantFormat string
	}{
		{name: "production", wantSecure: true, wantFormat: "json"},
		{name: "development", dev: true, wantSecure: false, wantFormat: "text"},
		{name: "explicit secure wins in development", dev: true, env: []string{"SESSION_COOKIE_SECURE=true", "ACCOUNTS_LOG_FORMAT=json"},
			wantSecure: true, wantFormat: "json"},
		{name: "explicit insecure wins in production", env: []string{"SESSION_COOKIE_SECURE=false"}, wantSecure: false, wantFormat: "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, Options{Environ: baseEnv(t, tt.env...), Dev: &tt.dev})
			if c.SessionCookieSecure != tt.wantSecure || c.LogFormat != tt.wantFormat {
				t.Errorf("SessionCookieSecure = %v, LogFormat = %q; want %v, %q", c.SessionCookieSecure, c.LogFormat, tt.wantSecure, tt.wantFormat)
			}
		})
	}
}

// RATELIMIT_GUEST_USER and RATELIMIT_AUTHENTICATED_USER: an empty value
// counts as not set (the default applies); "[]", in the environment or as a
// TOML array, switches one off without touching the other.
func TestGeneralRateLimits(t *testing.T) {
	guest := []Limit{{1000, time.Hour}, {60, time.Minute}}
	user := []Limit{{5000, time.Hour}, {100, time.Minute}}
	tests := []struct {
		name      string
		env       []string
		file      string
		wantGuest []Limit
		wantUser  []Limit
	}{
		{name: "defaults", wantGuest: guest, wantUser: user},
		{name: "empty is not set", env: []string{"RATELIMIT_GUEST_USER=", "RATELIMIT_AUTHENTICATED_USER="}, wantGuest: guest, wantUser: user},
		{name: "guest off", env: []string{"RATELIMIT_GUEST_USER=[]"}, wantUser: user},
		{name: "authenticated off", env: []string{"INVENIO_RATELIMIT_AUTHENTICATED_USER=[]"}, wantGuest: guest},
		{name: "set", env: []string{"RATELIMIT_GUEST_USER=5 per second"}, wantGuest: []Limit{{5, time.Second}}, wantUser: user},
		{name: "TOML array", file: "RATELIMIT_GUEST_USER = []\nRATELIMIT_AUTHENTICATED_USER = []\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Environ: baseEnv(t, tt.env...)}
			if tt.file != "" {
				opts.File = writeFile(t, tt.file)
			}
			c := mustLoad(t, opts)
			if diff := cmp.Diff(tt.wantGuest, c.RatelimitGuestUser, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("RatelimitGuestUser mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUser, c.RatelimitAuthenticatedUser, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("RatelimitAuthenticatedUser mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFreshness(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want time.Duration
	}{
		{"", 24 * time.Hour}, {"0", 0}, {"2 hours", 2 * time.Hour}, {"-1", -1}, {"-1 days", -1},
	} {
		env := baseEnv(t)
		if tc.raw != "" {
			env = append(env, "SECURITY_FRESHNESS="+tc.raw)
		}
		c, err := Load(Options{Environ: env})
		if err != nil {
			t.Fatalf("%q: %v", tc.raw, err)
		}
		if c.Freshness != tc.want || c.FreshnessGracePeriod != time.Hour {
			t.Errorf("%q: freshness %v grace %v, want %v and 1h", tc.raw, c.Freshness, c.FreshnessGracePeriod, tc.want)
		}
	}
	if _, err := Load(Options{Environ: append(baseEnv(t), "SECURITY_FRESHNESS=-soon")}); err == nil {
		t.Error("SECURITY_FRESHNESS=-soon was accepted")
	}
}
