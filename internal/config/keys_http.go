package config

func hostKeys() []Key {
	return group("Hosts and proxies",
		custom("TRUSTED_HOSTS", List, "", "Hosts the service answers (without port; `.example.org` includes subdomains); others get 400. Empty: any host.", setTrustedHosts).
			derived("`APP_ALLOWED_HOSTS`, else any host", fallback("APP_ALLOWED_HOSTS", "")),
		custom("APP_ALLOWED_HOSTS", List, "", "Deprecated name of TRUSTED_HOSTS.", checkAllowedHosts),
		custom("PROXYFIX_CONFIG", Dict, "", "Trusted proxy hops per header, as werkzeug ProxyFix: `{\"x_for\": 1, \"x_proto\": 1}`.", setProxyFix),
		custom("WSGI_PROXIES", Int, "", "Deprecated: trusted `X-Forwarded-For` hops when PROXYFIX_CONFIG is not set.", setWSGIProxies),
	)
}

func recaptchaKeys() []Key {
	return group("reCAPTCHA",
		strKey("RECAPTCHA_PUBLIC_KEY", "", "Site key; with the private key, sign-up asks for a reCAPTCHA.", func(c *Config) *string { return &c.RecaptchaPublicKey }),
		strKey("RECAPTCHA_PRIVATE_KEY", "", "Secret key.", func(c *Config) *string { return &c.RecaptchaPrivateKey }).secret(),
		custom("RECAPTCHA_VERIFY_SERVER", String, "", "Flask-WTF's name of RECAPTCHA_VERIFY_URL.", nil),
		strKey("RECAPTCHA_VERIFY_URL", "", "Verification endpoint.", func(c *Config) *string { return &c.RecaptchaVerifyURL }).
			derived("`RECAPTCHA_VERIFY_SERVER`, else `https://www.google.com/recaptcha/api/siteverify`",
				fallback("RECAPTCHA_VERIFY_SERVER", "https://www.google.com/recaptcha/api/siteverify")),
	)
}

func ratelimitKeys() []Key {
	return group("Rate limits",
		boolKey("RATELIMIT_ENABLED", "true", "Rate limiting on or off.", func(c *Config) *bool { return &c.RatelimitEnabled }),
		custom("RATELIMIT_STORAGE_URI", String, "", "`memory://` or a Redis URL; empty: the session Redis if set, else memory.", setStorageURI).
			urlSecret(),
		boolKey("RATELIMIT_HEADERS_ENABLED", "true", "Send `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds) on every answer counted against a per-endpoint or general limit, allowed or refused, for the limit that binds (the fewest attempts left); never for the per-account limits.", func(c *Config) *bool { return &c.RatelimitHeadersEnabled }),
		custom("RATELIMIT_PER_ENDPOINT", Dict, `{"security.login": "10 per minute", "security.register": "10 per minute", "security.forgot_password": "10 per minute", "security.reset_password": "10 per minute", "security.two_factor_token_validation": "10 per minute"}`,
			"Per-client limits by Invenio endpoint name; a value replaces the whole default. A listed endpoint's form posts and REST calls count against its limit instead of the guest or authenticated one (none when the value is empty); an endpoint not listed counts against those.", setPerEndpoint),
		limitsKey("RATELIMIT_AUTHENTICATED_USER", "5000 per hour;100 per minute", "Limit per logged-in user (by user id), counted over every route without a per-endpoint limit; `[]`: none (an empty value counts as not set).", func(c *Config) *[]Limit { return &c.RatelimitAuthenticatedUser }),
		limitsKey("RATELIMIT_GUEST_USER", "1000 per hour;60 per minute", "Limit per anonymous client (its address; IPv6: its /64), counted over every route without a per-endpoint limit; `[]`: none (an empty value counts as not set).", func(c *Config) *[]Limit { return &c.RatelimitGuestUser }),
		limitsKey("ACCOUNTS_LOGIN_RATELIMIT", "", "Login attempts per account, e.g. `5 per 15 minutes`; empty: none. A browser showing a device cookie of the account (`accounts_device`, from an earlier login) counts against a limit of its own instead.", func(c *Config) *[]Limit { return &c.LoginRatelimit }),
		strKey("ACCOUNTS_LOGIN_RATELIMIT_KEY_PREFIX", "accounts.login", "Key prefix of that limit.", func(c *Config) *string { return &c.LoginRatelimitKeyPrefix }),
		strKey("ACCOUNTS_LOGIN_RATELIMIT_MSG", "Too many login attempts for this account. Please try again later.", "Message of that limit.", func(c *Config) *string { return &c.LoginRatelimitMsg }),
		limitsKey("ACCOUNTS_LOGIN_FAILURES_RATELIMIT", "100 per day", "Failed logins per account (wrong passwords, on the login form, REST login and the verify page), NIST SP 800-63B's bound on consecutive failures: once spent, the account's logins are refused with `ACCOUNTS_LOGIN_RATELIMIT_MSG` until the window moves on, except from browsers showing the account's device cookie (`accounts_device`, from an earlier login), which neither spend nor see it; a right password never spends it; `[]`: none.", func(c *Config) *[]Limit { return &c.LoginFailuresRatelimit }),
		limitsKey("ACCOUNTS_TWO_FACTOR_RATELIMIT", "5 per minute;20 per hour", "Two-factor codes tried per account (with `SECURITY_TWO_FACTOR`), counted besides the client's limit at `security.two_factor_token_validation`; `[]`: none. Only someone who has the password can spend it.", func(c *Config) *[]Limit { return &c.TwoFactorRatelimit }),
		limitsKey("ACCOUNTS_FORGOT_PASSWORD_EMAIL_RATELIMIT", "", "Reset emails per account; empty: none.", func(c *Config) *[]Limit { return &c.ForgotPasswordEmailRatelimit }),
		strKey("ACCOUNTS_FORGOT_PASSWORD_EMAIL_RATELIMIT_KEY_PREFIX", "accounts.fp_email", "Key prefix of that limit.", func(c *Config) *string { return &c.ForgotPasswordEmailRatelimitKeyPrefix }),
		strKey("ACCOUNTS_FORGOT_PASSWORD_EMAIL_RATELIMIT_MSG", "Too many password-reset requests for this account. Please try again later.", "Message of that limit.", func(c *Config) *string { return &c.ForgotPasswordEmailRatelimitMsg }),
		limitsKey("ACCOUNTS_SEND_CONFIRMATION_RATELIMIT", "", "Confirmation emails per account; empty: none.", func(c *Config) *[]Limit { return &c.SendConfirmationRatelimit }),
		strKey("ACCOUNTS_SEND_CONFIRMATION_RATELIMIT_KEY_PREFIX", "accounts.cf_email", "Key prefix of that limit.", func(c *Config) *string { return &c.SendConfirmationRatelimitKeyPrefix }),
		strKey("ACCOUNTS_SEND_CONFIRMATION_RATELIMIT_MSG", "Too many confirmation-email requests for this account. Please try again later.", "Message of that limit.", func(c *Config) *string { return &c.SendConfirmationRatelimitMsg }),
	)
}
