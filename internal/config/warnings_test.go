package config

import (
	"os"
	"testing"
)

func TestWarnings(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		dev     bool
		want    string // "" = no warning at all
		without string // a warning that must not be given
	}{
		{name: "clean"},
		{name: "insecure cookie", env: []string{"SESSION_COOKIE_SECURE=false"},
			want: "SESSION_COOKIE_SECURE is false outside development mode"},
		{name: "insecure cookie in development", env: []string{"SESSION_COOKIE_SECURE=false", "SECURITY_PASSWORD_SALT=" + strongSalt},
			dev: true, without: "SESSION_COOKIE_SECURE"},
		{name: "SameSite None", env: []string{"SESSION_COOKIE_SAMESITE=None"}, dev: true,
			want: "SESSION_COOKIE_SAMESITE is None but SESSION_COOKIE_SECURE is false"},
		{name: "local login off", env: []string{"ACCOUNTS_LOCAL_LOGIN_ENABLED=false"},
			want: "ACCOUNTS_LOCAL_LOGIN_ENABLED is false, but at least one of SECURITY_REGISTERABLE, SECURITY_RECOVERABLE and SECURITY_CHANGEABLE is true"},
		{name: "local login off consistently", env: []string{"ACCOUNTS_LOCAL_LOGIN_ENABLED=false",
			"SECURITY_REGISTERABLE=false", "SECURITY_RECOVERABLE=false", "SECURITY_CHANGEABLE=false"}},
		{name: "no host settings", env: []string{"ACCOUNTS_BASE_URL="},
			want: "neither ACCOUNTS_BASE_URL nor TRUSTED_HOSTS is set"},
		{name: "trusted hosts only", env: []string{"ACCOUNTS_BASE_URL=", "TRUSTED_HOSTS=a.example.org"}},
		{name: "plain http base", env: []string{"ACCOUNTS_BASE_URL=http://a.example.org/"},
			want: "ACCOUNTS_BASE_URL uses http:// outside development mode"},
		{name: "APP_ALLOWED_HOSTS", env: []string{"APP_ALLOWED_HOSTS=a.example.org"},
			want: "APP_ALLOWED_HOSTS is deprecated: its value is used as TRUSTED_HOSTS"},
		{name: "WSGI_PROXIES", env: []string{"WSGI_PROXIES=1"},
			want: "WSGI_PROXIES is deprecated: set PROXYFIX_CONFIG"},
		{name: "reCAPTCHA public only", env: []string{"RECAPTCHA_PUBLIC_KEY=pub"},
			want: "only one of RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY is set"},
		{name: "reCAPTCHA private only", env: []string{"RECAPTCHA_PRIVATE_KEY=priv"},
			want: "only one of RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY is set"},
		{name: "generic responses with login at sign-up", env: []string{"SECURITY_RETURN_GENERIC_RESPONSES=true"},
			want: "SECURITY_RETURN_GENERIC_RESPONSES is true, but sign-up still reveals taken addresses"},
		{name: "generic responses with confirmation first", env: []string{"SECURITY_RETURN_GENERIC_RESPONSES=true",
			"SECURITY_LOGIN_WITHOUT_CONFIRMATION=false"}},
		{name: "two-factor required but off", env: []string{"SECURITY_TWO_FACTOR_REQUIRED=true", "SECURITY_TWO_FACTOR=false"},
			want: "SECURITY_TWO_FACTOR_REQUIRED is true but SECURITY_TWO_FACTOR is false"},
		{name: "two-factor required and on", env: []string{"SECURITY_TWO_FACTOR_REQUIRED=true"}},
		{name: "reCAPTCHA both", env: []string{"RECAPTCHA_PUBLIC_KEY=pub", "RECAPTCHA_PRIVATE_KEY=priv"}},
		{name: "few rounds", env: []string{`SECURITY_PASSWORD_HASH_OPTIONS={"pbkdf2_sha512": {"rounds": 25000}}`},
			want: "sets pbkdf2_sha512 rounds to 25000, below OWASP's 210000"},
		{name: "ignored hash option", env: []string{`SECURITY_PASSWORD_HASH_OPTIONS={"pbkdf2_sha512": {"rounds": 300000, "salt_size": 8}}`},
			want: "option pbkdf2_sha512.salt_size is ignored"},
		{name: "short passwords", env: []string{"SECURITY_PASSWORD_LENGTH_MIN=6"},
			want: "SECURITY_PASSWORD_LENGTH_MIN is 6, below the minimum of 8"},
		{name: "unknown scheme", env: []string{"SECURITY_PASSWORD_SCHEMES=pbkdf2_sha512,bcrypt"},
			want: "accounts cannot verify bcrypt hashes"},
		{name: "outbox", env: []string{"MAIL_SERVER="}, want: "MAIL_SERVER is not set: emails are only logged and written to"},
		{name: "outbox suppressed", env: []string{"MAIL_SERVER=", "MAIL_SUPPRESS_SEND=true"}},
		{name: "no rate limits", env: []string{"RATELIMIT_ENABLED=off"}, want: "RATELIMIT_ENABLED is false outside development mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, Options{Environ: baseEnv(t, tt.env...), Dev: &tt.dev})
			switch {
			case tt.want == "" && tt.without == "" && len(c.Warnings()) > 0:
				t.Errorf("unexpected warnings: %q", c.Warnings())
			case tt.want != "" && !hasWarning(c, tt.want):
				t.Errorf("no warning %q in %q", tt.want, c.Warnings())
			case tt.without != "" && hasWarning(c, tt.without):
				t.Errorf("unexpected warning about %s in %q", tt.without, c.Warnings())
			}
		})
	}
}

func TestWorldReadableConfigFile(t *testing.T) {
	path := writeFile(t, `MAIL_PASSWORD = "hunter2"`)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, Options{Environ: baseEnv(t), File: path})
	if !hasWarning(c, "holds secrets but every user may read it (mode 0644)") {
		t.Errorf("warnings = %q", c.Warnings())
	}

	path = writeFile(t, `MAIL_SERVER = "smtp.example.org"`)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if c := mustLoad(t, Options{Environ: baseEnv(t), File: path}); len(c.Warnings()) > 0 {
		t.Errorf("a file without secrets got warnings: %q", c.Warnings())
	}
}
