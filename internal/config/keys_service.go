package config

import (
	"path/filepath"
	"time"
)

// fallback returns a derive function that copies the value of another key,
// or def when that key is not set either.
func fallback(name, def string) func(c *Config) string {
	return func(c *Config) string {
		if v := c.values[name].raw; v != "" {
			return v
		}
		return def
	}
}

func serviceKeys() []Key {
	return group("Service",
		custom("ACCOUNTS_ADDR", String, "127.0.0.1:5000", "Address `accounts serve` listens on (`--addr`).", setAddr(func(c *Config) *string { return &c.Addr })),
		strKey("ACCOUNTS_DATA_DIR", "./data", "Directory for the default SQLite database, the development SECRET_KEY and the mail outbox.", func(c *Config) *string { return &c.DataDir }),
		boolKey("ACCOUNTS_DEV", "false", "Development mode (`--dev`): relaxed SECRET_KEY policy, cookies without Secure, text logs.", func(c *Config) *bool { return &c.Dev }),
		strKey("ACCOUNTS_CONFIG", "", "TOML file to read (`--config`); environment only.", func(c *Config) *string { return &c.ConfigFile }),
		custom("ACCOUNTS_BASE_URL", String, "", "Public URL of the service (`https://host[/prefix]`); links in emails are built from it.", setBaseURL),
		custom("ACCOUNTS_METRICS_ADDR", String, "", "Address of a separate listener for `/metrics` (e.g. `127.0.0.1:9090`), kept off the public address; empty: metrics are not served.", setAddr(func(c *Config) *string { return &c.MetricsAddr })),
		custom("ACCOUNTS_LOG_FORMAT", String, "", "Log format: `json` or `text`.", setLogFormat).
			derived("`text` in development mode, else `json`", func(c *Config) string {
				if c.Dev {
					return "text"
				}
				return "json"
			}),
		custom("ACCOUNTS_LOG_LEVEL", String, "info", "Log level: `debug`, `info`, `warn` or `error`.", setLogLevel),
		strKey("ACCOUNTS_GEOIP_DB", "", "MaxMind-format country database (GeoLite2, DB-IP Lite); empty: country unknown.", func(c *Config) *string { return &c.GeoIPDB }),
		strKey("ACCOUNTS_TEMPLATE_DIR", "", "Directory searched first for templates, by their relative names.", func(c *Config) *string { return &c.TemplateDir }),
		strKey("ACCOUNTS_ADMIN_ROLE", "admin", "Role whose members may use `/admin/` and `/api/admin/`.", func(c *Config) *string { return &c.AdminRole }),
		custom("ACCOUNTS_HASH_CONCURRENCY", Int, "0", "Password hashes computed at once; 0: the number of CPUs.", setHashConcurrency),
		intKey("ACCOUNTS_HASH_QUEUE", "64", "Requests waiting for a hash slot before logins get 503.", 0, 1<<20, func(c *Config) *int { return &c.HashQueue }),
		strKey("THEME_SITENAME", "", "Site name (invenio-theme).", func(c *Config) *string { return &c.ThemeSitename }),
		strKey("ACCOUNTS_SITENAME", "", "Site name shown in pages and emails.", func(c *Config) *string { return &c.Sitename }).
			derived("`THEME_SITENAME`, else `Invenio`", fallback("THEME_SITENAME", "Invenio")),
		strKey("BABEL_DEFAULT_LOCALE", "en", "Locale of pages and emails.", func(c *Config) *string { return &c.DefaultLocale }),
		custom("BABEL_DEFAULT_TIMEZONE", String, "UTC", "Time zone in which times are shown (IANA name).", setTimezone),
		custom("SQLALCHEMY_DATABASE_URI", String, "", "Database: `postgresql://user:password@host/db` or `sqlite:///path`.", setDatabase).
			urlSecret().
			derived("`sqlite:///<ACCOUNTS_DATA_DIR>/accounts.db`", func(c *Config) string {
				return "sqlite:///" + filepath.ToSlash(filepath.Join(c.DataDir, "accounts.db"))
			}),
	)
}

func secretKeys() []Key {
	fromSecretKey := func(c *Config) string { return c.values["SECRET_KEY"].raw }
	return group("Secrets",
		strKey("SECRET_KEY", "", "Signs session cookies and tokens; required outside development mode, at least 32 bytes.", func(c *Config) *string { return &c.SecretKey }).
			secret(),
		listKey("SECRET_KEY_FALLBACKS", "", "Previous SECRET_KEYs, still accepted when verifying signatures during a rotation, and still opening the two-factor secrets they sealed.", func(c *Config) *[]string { return &c.SecretKeyFallbacks }).
			secret(),
		strKey("SECURITY_PASSWORD_SALT", "", "HMAC key of the password pre-hash; changing it breaks every stored password.", func(c *Config) *string { return &c.PasswordSalt }).
			secret().derived("`SECRET_KEY`", fromSecretKey),
		strKey("ACCOUNTS_JWT_SECRET_KEY", "", "Key of the JWTs given to templates.", func(c *Config) *string { return &c.JWTSecretKey }).
			secret().derived("`SECRET_KEY`", fromSecretKey),
		strKey("ACCOUNTS_JWT_ALOGORITHM", "HS256", "JWT algorithm (Invenio's spelling).", func(c *Config) *string { return &c.JWTAlgorithm }),
		durKey("ACCOUNTS_JWT_EXPIRATION_DELTA", "1 days", "Lifetime of a JWT.", func(c *Config) *time.Duration { return &c.JWTExpirationDelta }),
		boolKey("ACCOUNTS_JWT_DOM_TOKEN", "true", "Templates may embed a JWT (hidden `authorized_token` input).", func(c *Config) *bool { return &c.JWTDOMToken }),
	)
}

func sessionKeys() []Key {
	return group("Sessions",
		strKey("ACCOUNTS_SESSION_REDIS_URL", "", "Redis URL for sessions (standalone, Sentinel or Cluster); empty: in memory, one node only.", func(c *Config) *string { return &c.SessionRedisURL }).
			urlSecret(),
		strKey("SESSION_COOKIE_NAME", "session", "Name of the session cookie (`__Host-session` needs `SESSION_COOKIE_SECURE`, `SESSION_COOKIE_PATH` `/` and no `SESSION_COOKIE_DOMAIN`).", func(c *Config) *string { return &c.SessionCookieName }),
		strKey("ACCOUNTS_CSRF_COOKIE_NAME", "csrftoken", "Name of the CSRF cookie that REST clients echo in `X-CSRFToken` (invenio-rest's `csrftoken`; Invenio's JavaScript reads it by that name). `__Host-csrftoken` keeps subdomains from setting it, under the same conditions as the session cookie's prefix.", func(c *Config) *string { return &c.CSRFCookieName }),
		strKey("SESSION_COOKIE_DOMAIN", "", "Domain attribute of the session cookie; empty: host only.", func(c *Config) *string { return &c.SessionCookieDomain }),
		strKey("SESSION_COOKIE_PATH", "/", "Path attribute of the session cookie.", func(c *Config) *string { return &c.SessionCookiePath }),
		boolKey("SESSION_COOKIE_SECURE", "", "Send the session cookie over HTTPS only.", func(c *Config) *bool { return &c.SessionCookieSecure }).
			derived("`true` (`false` in development mode)", func(c *Config) string {
				if c.Dev {
					return "false"
				}
				return "true"
			}),
		boolKey("SESSION_COOKIE_HTTPONLY", "true", "Hide the session cookie from scripts.", func(c *Config) *bool { return &c.SessionCookieHTTPOnly }),
		custom("SESSION_COOKIE_SAMESITE", String, "Lax", "SameSite attribute: `Lax`, `Strict` or `None`.", setSameSite),
		durKey("PERMANENT_SESSION_LIFETIME", "31 days", "Absolute lifetime of a session.", func(c *Config) *time.Duration { return &c.PermanentSessionLifetime }),
		durKey("ACCOUNTS_SESSION_IDLE_TIMEOUT", "0", "A session unused this long ends; 0: no idle timeout.", func(c *Config) *time.Duration { return &c.SessionIdleTimeout }),
		durKey("ACCOUNTS_SESSION_ACTIVITY_UPDATE_INTERVAL", "5 minutes", "How often a session's last activity is written back.", func(c *Config) *time.Duration { return &c.SessionActivityUpdateInterval }),
		boolKey("ACCOUNTS_SESSION_ACTIVITY_ENABLED", "true", "Record sessions (IP, browser, country), list them and allow revoking them.", func(c *Config) *bool { return &c.SessionActivityEnabled }),
		durKey("ACCOUNTS_USER_CACHE_TTL", "2 seconds", "How long a node answers an authenticated request's user and roles from memory; changes made by `accounts` itself reach every node at once (through Redis when the sessions are there), others within this time. 0: read the database on every request.", func(c *Config) *time.Duration { return &c.UserCacheTTL }),
		boolKey("ACCOUNTS_USERINFO_HEADERS", "false", "Add `X-Session-ID` and `X-User-ID` headers to responses.", func(c *Config) *bool { return &c.UserinfoHeaders }),
	)
}

func jobKeys() []Key {
	return group("Jobs and retention",
		durKey("ACCOUNTS_RETENTION_PERIOD", "30 days", "Age after which login and session IPs are deleted (`delete_ips`).", func(c *Config) *time.Duration { return &c.RetentionPeriod }),
		durKey("ACCOUNTS_AUDIT_RETENTION_PERIOD", "365 days", "Age after which audit records are deleted; 0: kept forever.", func(c *Config) *time.Duration { return &c.AuditRetentionPeriod }),
		durKey("ACCOUNTS_SCHEDULE_CLEAN_SESSIONS", "1 hours", "Interval of `clean_session_table` in `serve`; 0: off.", func(c *Config) *time.Duration { return &c.ScheduleCleanSessions }),
		durKey("ACCOUNTS_SCHEDULE_DELETE_IPS", "6 hours", "Interval of `delete_ips` in `serve`; 0: off.", func(c *Config) *time.Duration { return &c.ScheduleDeleteIPs }),
		durKey("ACCOUNTS_SCHEDULE_UPDATE_DOMAIN_STATUS", "4 hours", "Interval of `update_domain_status` in `serve`; 0: off.", func(c *Config) *time.Duration { return &c.ScheduleUpdateDomainStatus }),
	)
}
