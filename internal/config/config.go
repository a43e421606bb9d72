// Package config reads the accounts configuration: Invenio's setting names
// (ACCOUNTS_*, SECURITY_*, SESSION_COOKIE_*, MAIL_*, ...) plus our own, from
// built-in defaults, an optional TOML file, the environment (NAME and
// INVENIO_NAME) and command-line flags, in that order of precedence.
//
// Every key is declared once in a table (see Keys) with its kind, default,
// secret flag and description; Load parses the sources into a typed Config,
// enforces the SECRET_KEY policy and collects warnings, and WriteCheck prints
// the effective configuration with secrets masked. docs/configuration.md is
// generated from the same table.
//
// It imports only the standard library and github.com/BurntSushi/toml.
package config

import (
	"log/slog"
	"net/http"
	"regexp"
	"time"
)

// Config is the effective configuration. Fields are named after the keys
// without their ACCOUNTS_/SECURITY_ prefix; each field's key is in its
// comment. Load fills every field; treat a Config as read-only.
type Config struct {
	// Service.
	Addr            string         // ACCOUNTS_ADDR
	DataDir         string         // ACCOUNTS_DATA_DIR
	Dev             bool           // ACCOUNTS_DEV
	ConfigFile      string         // ACCOUNTS_CONFIG: the file that was read, if any
	BaseURL         string         // ACCOUNTS_BASE_URL, without a trailing slash
	MetricsAddr     string         // ACCOUNTS_METRICS_ADDR
	LogFormat       string         // ACCOUNTS_LOG_FORMAT: "json" or "text"
	LogLevel        slog.Level     // ACCOUNTS_LOG_LEVEL
	GeoIPDB         string         // ACCOUNTS_GEOIP_DB
	TemplateDir     string         // ACCOUNTS_TEMPLATE_DIR
	AdminRole       string         // ACCOUNTS_ADMIN_ROLE
	HashConcurrency int            // ACCOUNTS_HASH_CONCURRENCY, 0 resolved to GOMAXPROCS
	HashQueue       int            // ACCOUNTS_HASH_QUEUE
	Sitename        string         // ACCOUNTS_SITENAME (THEME_SITENAME or "Invenio")
	ThemeSitename   string         // THEME_SITENAME
	DefaultLocale   string         // BABEL_DEFAULT_LOCALE
	DefaultTimezone *time.Location // BABEL_DEFAULT_TIMEZONE

	// Secrets. Never log them.
	SecretKey          string        // SECRET_KEY
	SecretKeyFallbacks []string      // SECRET_KEY_FALLBACKS: old keys still accepted when verifying
	PasswordSalt       string        // SECURITY_PASSWORD_SALT (SECRET_KEY when not set)
	JWTSecretKey       string        // ACCOUNTS_JWT_SECRET_KEY (SECRET_KEY when not set)
	JWTAlgorithm       string        // ACCOUNTS_JWT_ALOGORITHM (sic)
	JWTExpirationDelta time.Duration // ACCOUNTS_JWT_EXPIRATION_DELTA
	JWTDOMToken        bool          // ACCOUNTS_JWT_DOM_TOKEN

	// Database: see Database for the driver and DSN.
	DatabaseURI string // SQLALCHEMY_DATABASE_URI (the default is filled in)

	// Sessions.
	SessionRedisURL               string        // ACCOUNTS_SESSION_REDIS_URL
	CSRFCookieName                string        // ACCOUNTS_CSRF_COOKIE_NAME
	SessionCookieName             string        // SESSION_COOKIE_NAME
	SessionCookieDomain           string        // SESSION_COOKIE_DOMAIN
	SessionCookiePath             string        // SESSION_COOKIE_PATH
	SessionCookieSecure           bool          // SESSION_COOKIE_SECURE
	SessionCookieHTTPOnly         bool          // SESSION_COOKIE_HTTPONLY
	SessionCookieSameSite         http.SameSite // SESSION_COOKIE_SAMESITE
	PermanentSessionLifetime      time.Duration // PERMANENT_SESSION_LIFETIME
	SessionIdleTimeout            time.Duration // ACCOUNTS_SESSION_IDLE_TIMEOUT, 0 = off
	UserCacheTTL                  time.Duration // ACCOUNTS_USER_CACHE_TTL, 0 = off
	SessionActivityUpdateInterval time.Duration // ACCOUNTS_SESSION_ACTIVITY_UPDATE_INTERVAL
	SessionActivityEnabled        bool          // ACCOUNTS_SESSION_ACTIVITY_ENABLED
	UserinfoHeaders               bool          // ACCOUNTS_USERINFO_HEADERS

	// Features.
	Registerable             bool // SECURITY_REGISTERABLE
	Confirmable              bool // SECURITY_CONFIRMABLE
	Recoverable              bool // SECURITY_RECOVERABLE
	Changeable               bool // SECURITY_CHANGEABLE
	Trackable                bool // SECURITY_TRACKABLE
	LoginWithoutConfirmation bool // SECURITY_LOGIN_WITHOUT_CONFIRMATION
	AutoLoginAfterConfirm    bool // SECURITY_AUTO_LOGIN_AFTER_CONFIRM
	ConfirmByPost            bool // ACCOUNTS_CONFIRM_BY_POST
	AutoLoginAfterReset      bool // SECURITY_AUTO_LOGIN_AFTER_RESET
	LocalLoginEnabled        bool // ACCOUNTS_LOCAL_LOGIN_ENABLED
	DefaultUsersVerified     bool // ACCOUNTS_DEFAULT_USERS_VERIFIED

	// Passwords.
	PasswordHash              string   // SECURITY_PASSWORD_HASH
	PasswordSchemes           []string // SECURITY_PASSWORD_SCHEMES
	DeprecatedPasswordSchemes []string // SECURITY_DEPRECATED_PASSWORD_SCHEMES
	PasswordSingleHash        []string // SECURITY_PASSWORD_SINGLE_HASH (True = all schemes, False = none)
	PasswordHashRounds        int      // SECURITY_PASSWORD_HASH_OPTIONS["pbkdf2_sha512"]["rounds"], else 210000
	PasswordLengthMin         int      // SECURITY_PASSWORD_LENGTH_MIN
	PasswordCheckBreached     string   // SECURITY_PASSWORD_CHECK_BREACHED: "off", "on" (fail open) or "strict" (fail closed)
	PasswordBreachedCount     int      // SECURITY_PASSWORD_BREACHED_COUNT
	PasswordBreachedURL       string   // ACCOUNTS_PASSWORD_BREACHED_URL
	PasswordContextWords      []string // ACCOUNTS_PASSWORD_CONTEXT_WORDS ("invenio" and the site name)

	// Confirmation and reset tokens.
	ConfirmEmailWithin  time.Duration // SECURITY_CONFIRM_EMAIL_WITHIN
	ResetPasswordWithin time.Duration // SECURITY_RESET_PASSWORD_WITHIN
	ConfirmSalt         string        // SECURITY_CONFIRM_SALT
	ResetSalt           string        // SECURITY_RESET_SALT

	// Re-authentication before ending one's other sessions.
	Freshness            time.Duration // SECURITY_FRESHNESS (negative: off; 0: always ask)
	FreshnessGracePeriod time.Duration // SECURITY_FRESHNESS_GRACE_PERIOD

	ReturnGenericResponses bool // SECURITY_RETURN_GENERIC_RESPONSES

	// Two-factor authentication.
	TwoFactor              bool    // SECURITY_TWO_FACTOR
	TwoFactorRequired      bool    // SECURITY_TWO_FACTOR_REQUIRED
	TOTPIssuer             string  // SECURITY_TOTP_ISSUER ("": the site name)
	RecoveryCodesN         int     // SECURITY_MULTI_FACTOR_RECOVERY_CODES_N
	TwoFactorRatelimit     []Limit // ACCOUNTS_TWO_FACTOR_RATELIMIT
	LoginFailuresRatelimit []Limit // ACCOUNTS_LOGIN_FAILURES_RATELIMIT

	// Users.
	DefaultEmailVisibility string         // ACCOUNTS_DEFAULT_EMAIL_VISIBILITY
	DefaultUserVisibility  string         // ACCOUNTS_DEFAULT_USER_VISIBILITY
	UsernameRegex          *regexp.Regexp // ACCOUNTS_USERNAME_REGEX
	UsernameRulesText      string         // ACCOUNTS_USERNAME_RULES_TEXT

	// URLs and links.
	LoginURL                  string // SECURITY_LOGIN_URL
	LogoutURL                 string // SECURITY_LOGOUT_URL
	RegisterURL               string // SECURITY_REGISTER_URL
	ResetURL                  string // SECURITY_RESET_URL
	ChangeURL                 string // SECURITY_CHANGE_URL
	ConfirmURL                string // SECURITY_CONFIRM_URL
	VerifyURL                 string // SECURITY_VERIFY_URL
	TwoFactorSetupURL         string // SECURITY_TWO_FACTOR_SETUP_URL
	TwoFactorValidationURL    string // SECURITY_TWO_FACTOR_TOKEN_VALIDATION_URL
	PostLoginView             string // SECURITY_POST_LOGIN_VIEW
	PostLogoutView            string // SECURITY_POST_LOGOUT_VIEW
	PostRegisterView          string // SECURITY_POST_REGISTER_VIEW
	PostConfirmView           string // SECURITY_POST_CONFIRM_VIEW
	PostResetView             string // SECURITY_POST_RESET_VIEW
	PostChangeView            string // SECURITY_POST_CHANGE_VIEW
	ConfirmErrorView          string // SECURITY_CONFIRM_ERROR_VIEW
	ConfirmEmailEndpoint      string // ACCOUNTS_CONFIRM_EMAIL_ENDPOINT
	ResetPasswordEndpoint     string // ACCOUNTS_RESET_PASSWORD_ENDPOINT
	RESTConfirmEmailEndpoint  string // ACCOUNTS_REST_CONFIRM_EMAIL_ENDPOINT
	RESTResetPasswordEndpoint string // ACCOUNTS_REST_RESET_PASSWORD_ENDPOINT

	// Templates (relative names are looked up in TemplateDir, then the
	// embedded templates; absolute paths name one file).
	LoginUserTemplate        string // SECURITY_LOGIN_USER_TEMPLATE
	VerifyTemplate           string // SECURITY_VERIFY_TEMPLATE
	TwoFactorVerifyTemplate  string // SECURITY_TWO_FACTOR_VERIFY_CODE_TEMPLATE
	TwoFactorSetupTemplate   string // SECURITY_TWO_FACTOR_SETUP_TEMPLATE
	RegisterUserTemplate     string // SECURITY_REGISTER_USER_TEMPLATE
	ForgotPasswordTemplate   string // SECURITY_FORGOT_PASSWORD_TEMPLATE
	ResetPasswordTemplate    string // SECURITY_RESET_PASSWORD_TEMPLATE
	ChangePasswordTemplate   string // SECURITY_CHANGE_PASSWORD_TEMPLATE
	SendConfirmationTemplate string // SECURITY_SEND_CONFIRMATION_TEMPLATE
	SettingsSecurityTemplate string // ACCOUNTS_SETTINGS_SECURITY_TEMPLATE
	BaseTemplate             string // ACCOUNTS_BASE_TEMPLATE
	CoverTemplate            string // ACCOUNTS_COVER_TEMPLATE
	SettingsTemplate         string // ACCOUNTS_SETTINGS_TEMPLATE
	JWTDOMTokenTemplate      string // ACCOUNTS_JWT_DOM_TOKEN_TEMPLATE

	// Email.
	SendRegisterEmail                bool          // SECURITY_SEND_REGISTER_EMAIL
	SendPasswordChangeEmail          bool          // SECURITY_SEND_PASSWORD_CHANGE_EMAIL
	SendPasswordResetEmail           bool          // SECURITY_SEND_PASSWORD_RESET_EMAIL
	SendPasswordResetNoticeEmail     bool          // SECURITY_SEND_PASSWORD_RESET_NOTICE_EMAIL
	EmailPlaintext                   bool          // SECURITY_EMAIL_PLAINTEXT
	EmailHTML                        bool          // SECURITY_EMAIL_HTML
	EmailSender                      string        // SECURITY_EMAIL_SENDER (MAIL_DEFAULT_SENDER or no-reply@localhost)
	EmailSubjectRegister             string        // SECURITY_EMAIL_SUBJECT_REGISTER
	EmailSubjectConfirm              string        // SECURITY_EMAIL_SUBJECT_CONFIRM
	EmailSubjectPasswordReset        string        // SECURITY_EMAIL_SUBJECT_PASSWORD_RESET
	EmailSubjectPasswordNotice       string        // SECURITY_EMAIL_SUBJECT_PASSWORD_NOTICE
	EmailSubjectPasswordChangeNotice string        // SECURITY_EMAIL_SUBJECT_PASSWORD_CHANGE_NOTICE
	EmailSubjectTwoFactorOn          string        // ACCOUNTS_EMAIL_SUBJECT_TWO_FACTOR_ON
	EmailSubjectTwoFactorOff         string        // ACCOUNTS_EMAIL_SUBJECT_TWO_FACTOR_OFF
	MailServer                       string        // MAIL_SERVER; empty = write to the outbox
	MailPort                         int           // MAIL_PORT
	MailUseTLS                       bool          // MAIL_USE_TLS (STARTTLS)
	MailUseSSL                       bool          // MAIL_USE_SSL (implicit TLS)
	MailUsername                     string        // MAIL_USERNAME
	MailPassword                     string        // MAIL_PASSWORD
	MailDefaultSender                string        // MAIL_DEFAULT_SENDER
	MailSuppressSend                 bool          // MAIL_SUPPRESS_SEND
	MailTimeout                      time.Duration // MAIL_TIMEOUT

	// Hosts and proxies. The ProxyFix* fields count trusted hops per header
	// (werkzeug ProxyFix), from PROXYFIX_CONFIG or the deprecated WSGI_PROXIES.
	TrustedHosts    []string // TRUSTED_HOSTS (or the deprecated APP_ALLOWED_HOSTS); empty = any host
	ProxyFixXFor    int
	ProxyFixXProto  int
	ProxyFixXHost   int
	ProxyFixXPort   int
	ProxyFixXPrefix int

	// Rate limits.
	RatelimitEnabled                      bool               // RATELIMIT_ENABLED
	RatelimitStorageURI                   string             // RATELIMIT_STORAGE_URI; empty = session Redis, else memory
	RatelimitHeadersEnabled               bool               // RATELIMIT_HEADERS_ENABLED
	RatelimitPerEndpoint                  map[string][]Limit // RATELIMIT_PER_ENDPOINT, by Invenio endpoint name ("security.login")
	RatelimitAuthenticatedUser            []Limit            // RATELIMIT_AUTHENTICATED_USER
	RatelimitGuestUser                    []Limit            // RATELIMIT_GUEST_USER
	LoginRatelimit                        []Limit            // ACCOUNTS_LOGIN_RATELIMIT (per account)
	LoginRatelimitKeyPrefix               string             // ACCOUNTS_LOGIN_RATELIMIT_KEY_PREFIX
	LoginRatelimitMsg                     string             // ACCOUNTS_LOGIN_RATELIMIT_MSG
	ForgotPasswordEmailRatelimit          []Limit            // ACCOUNTS_FORGOT_PASSWORD_EMAIL_RATELIMIT (per account)
	ForgotPasswordEmailRatelimitKeyPrefix string             // ACCOUNTS_FORGOT_PASSWORD_EMAIL_RATELIMIT_KEY_PREFIX
	ForgotPasswordEmailRatelimitMsg       string             // ACCOUNTS_FORGOT_PASSWORD_EMAIL_RATELIMIT_MSG
	SendConfirmationRatelimit             []Limit            // ACCOUNTS_SEND_CONFIRMATION_RATELIMIT (per account)
	SendConfirmationRatelimitKeyPrefix    string             // ACCOUNTS_SEND_CONFIRMATION_RATELIMIT_KEY_PREFIX
	SendConfirmationRatelimitMsg          string             // ACCOUNTS_SEND_CONFIRMATION_RATELIMIT_MSG

	// reCAPTCHA (on when both keys are set).
	RecaptchaPublicKey  string // RECAPTCHA_PUBLIC_KEY
	RecaptchaPrivateKey string // RECAPTCHA_PRIVATE_KEY
	RecaptchaVerifyURL  string // RECAPTCHA_VERIFY_URL (or Flask-WTF's RECAPTCHA_VERIFY_SERVER)

	// Jobs and retention. A zero schedule switches the job off.
	RetentionPeriod            time.Duration // ACCOUNTS_RETENTION_PERIOD
	AuditRetentionPeriod       time.Duration // ACCOUNTS_AUDIT_RETENTION_PERIOD, 0 = keep forever
	ScheduleCleanSessions      time.Duration // ACCOUNTS_SCHEDULE_CLEAN_SESSIONS
	ScheduleDeleteIPs          time.Duration // ACCOUNTS_SCHEDULE_DELETE_IPS
	ScheduleUpdateDomainStatus time.Duration // ACCOUNTS_SCHEDULE_UPDATE_DOMAIN_STATUS

	keys     []Key
	index    map[string]int
	values   map[string]value
	dbDriver string
	dbDSN    string
	warnings []string
}

// Options are the inputs of Load besides the built-in defaults.
type Options struct {
	// Environ is the environment in os.Environ form ("NAME=value").
	Environ []string
	// File is the TOML file given by --config; when empty, ACCOUNTS_CONFIG
	// (or INVENIO_ACCOUNTS_CONFIG) from Environ names it, and with neither no
	// file is read.
	File string
	// Dev is the --dev flag; nil means not given.
	Dev *bool
	// Flags holds other command-line flags by key name (for example
	// "ACCOUNTS_ADDR" from --addr). They win over every other source.
	Flags map[string]string
}

// Source says where a value came from.
type Source string

// The sources of a value, lowest precedence first.
const (
	SourceDefault    Source = "default"
	SourceFile       Source = "file"
	SourceEnv        Source = "env"
	SourceInvenioEnv Source = "INVENIO_ env"
	SourceFlag       Source = "flag"
	SourceGenerated  Source = "generated"
)

// value is the raw effective value of a key.
type value struct {
	raw    string
	source Source
	origin string // "env INVENIO_X", "file /etc/accounts.toml:X", ...
}

// Get returns the effective value of a key in its raw string form (secrets
// included) and whether the key is one of Keys. An unset key without default
// gives "".
func (c *Config) Get(name string) (string, bool) {
	if _, ok := c.index[name]; !ok {
		return "", false
	}
	return c.values[name].raw, true
}

// SourceOf returns where the effective value of a key came from ("" for an
// unknown key).
func (c *Config) SourceOf(name string) Source {
	if _, ok := c.index[name]; !ok {
		return ""
	}
	if v, ok := c.values[name]; ok {
		return v.source
	}
	return SourceDefault
}

// Warnings returns the configuration warnings, in a stable order.
func (c *Config) Warnings() []string {
	return append([]string(nil), c.warnings...)
}

// Database returns the database driver ("postgres" or "sqlite") and its
// DSN: a URL pgx accepts, or a SQLite file path (":memory:" for memory).
func (c *Config) Database() (driver, dsn string) {
	return c.dbDriver, c.dbDSN
}
