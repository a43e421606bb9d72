package config

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// warnf records a warning.
func (c *Config) warnf(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

// given reports whether a key was set by the operator (not a default).
func (c *Config) given(name string) bool {
	v, ok := c.values[name]
	return ok && v.source != SourceDefault && v.source != SourceGenerated
}

// validate returns the errors that involve several keys.
func (c *Config) validate() []error {
	var errs []error
	if c.MailUseTLS && c.MailUseSSL {
		errs = append(errs, errors.New("MAIL_USE_TLS and MAIL_USE_SSL are both true: choose STARTTLS (MAIL_USE_TLS) or implicit TLS (MAIL_USE_SSL)"))
	}
	if !slices.Contains(c.PasswordSchemes, c.PasswordHash) {
		errs = append(errs, fmt.Errorf("SECURITY_PASSWORD_SCHEMES must include SECURITY_PASSWORD_HASH (%s)", c.PasswordHash))
	}
	if c.PermanentSessionLifetime <= 0 {
		errs = append(errs, errors.New("PERMANENT_SESSION_LIFETIME must be longer than 0"))
	}
	for name, d := range map[string]bool{
		"SECURITY_CONFIRM_EMAIL_WITHIN":  c.ConfirmEmailWithin <= 0,
		"SECURITY_RESET_PASSWORD_WITHIN": c.ResetPasswordWithin <= 0,
		"ACCOUNTS_RETENTION_PERIOD":      c.RetentionPeriod <= 0,
	} {
		if d {
			errs = append(errs, fmt.Errorf("%s must be longer than 0", name))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}

// checkSettings records the warnings about combinations of settings.
func (c *Config) checkSettings() {
	if !c.Dev && !c.SessionCookieSecure {
		c.warnf("SESSION_COOKIE_SECURE is false outside development mode: session cookies may travel over plain HTTP")
	}
	if c.SessionCookieSameSite == http.SameSiteNoneMode && !c.SessionCookieSecure {
		c.warnf("SESSION_COOKIE_SAMESITE is None but SESSION_COOKIE_SECURE is false: browsers reject such cookies")
	}
	if !c.LocalLoginEnabled && (c.Registerable || c.Changeable || c.Recoverable) {
		c.warnf("ACCOUNTS_LOCAL_LOGIN_ENABLED is false, but at least one of SECURITY_REGISTERABLE, " +
			"SECURITY_RECOVERABLE and SECURITY_CHANGEABLE is true")
	}
	if c.BaseURL == "" && len(c.TrustedHosts) == 0 {
		c.warnf("neither ACCOUNTS_BASE_URL nor TRUSTED_HOSTS is set: any Host header is accepted " +
			"and links in emails follow it; set one of them")
	}
	if !c.Dev && strings.HasPrefix(c.BaseURL, "http://") {
		c.warnf("ACCOUNTS_BASE_URL uses http:// outside development mode")
	}
	c.checkDeprecated()
	c.checkPasswords()
	if (c.RecaptchaPublicKey == "") != (c.RecaptchaPrivateKey == "") {
		c.warnf("only one of RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY is set: reCAPTCHA stays off until both are")
	}
	if !c.Dev && c.MailServer == "" && !c.MailSuppressSend {
		c.warnf("MAIL_SERVER is not set: emails are only logged and written to %s/outbox/", c.DataDir)
	}
	if c.ReturnGenericResponses && (!c.Confirmable || c.LoginWithoutConfirmation) {
		c.warnf("SECURITY_RETURN_GENERIC_RESPONSES is true, but sign-up still reveals taken addresses: " +
			"it needs SECURITY_CONFIRMABLE true and SECURITY_LOGIN_WITHOUT_CONFIRMATION false")
	}
	if c.TwoFactorRequired && !c.TwoFactor {
		c.warnf("SECURITY_TWO_FACTOR_REQUIRED is true but SECURITY_TWO_FACTOR is false: two-factor authentication stays off")
	}
	if !c.Dev && !c.RatelimitEnabled {
		c.warnf("RATELIMIT_ENABLED is false outside development mode: logins and emails are not rate limited")
	}
}

// checkDeprecated warns about the deprecated host and proxy settings.
func (c *Config) checkDeprecated() {
	if c.given("APP_ALLOWED_HOSTS") {
		if c.given("TRUSTED_HOSTS") {
			c.warnf("APP_ALLOWED_HOSTS is deprecated and ignored because TRUSTED_HOSTS is set")
		} else {
			c.warnf("APP_ALLOWED_HOSTS is deprecated: its value is used as TRUSTED_HOSTS; rename it")
		}
	}
	if c.given("WSGI_PROXIES") {
		if m, _ := ParseDict(c.values["PROXYFIX_CONFIG"].raw); len(m) > 0 {
			c.warnf("WSGI_PROXIES is ignored because PROXYFIX_CONFIG is set")
		} else {
			c.warnf(`WSGI_PROXIES is deprecated: set PROXYFIX_CONFIG = {"x_for": %d} instead`, c.ProxyFixXFor)
		}
	}
}

// checkPasswords warns about weak or unusable password settings.
func (c *Config) checkPasswords() {
	for _, s := range c.PasswordSchemes {
		if !knownScheme(s) {
			c.warnf("SECURITY_PASSWORD_SCHEMES: accounts cannot verify %s hashes; logins with them fail", s)
		}
	}
	if c.Dev {
		return
	}
	if c.PasswordHashRounds < DefaultPasswordHashRounds {
		c.warnf("SECURITY_PASSWORD_HASH_OPTIONS sets pbkdf2_sha512 rounds to %d, below OWASP's %d",
			c.PasswordHashRounds, DefaultPasswordHashRounds)
	}
	if c.PasswordLengthMin < 8 {
		c.warnf("SECURITY_PASSWORD_LENGTH_MIN is %d, below the minimum of 8 of NIST SP 800-63B and OWASP ASVS", c.PasswordLengthMin)
	}
}

// suggest returns ": did you mean X?" for the known key closest to name,
// or "" when none is close.
func (c *Config) suggest(name string) string {
	best, bestDist := "", min(4, len(name)/6+1)
	for _, k := range c.keys {
		if d := editDistance(name, k.Name); d < bestDist {
			best, bestDist = k.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return ": did you mean " + best + "?"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
