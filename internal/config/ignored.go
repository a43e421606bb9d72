package config

import "strings"

// ignoredKey reports whether name is an Invenio setting that has no effect
// in accounts, and why. Setting one gives a warning rather than "unknown key".
func ignoredKey(name string) (reason string, ok bool) {
	if strings.HasPrefix(name, "SECURITY_MSG_") {
		return "messages are Invenio's and not configurable", true
	}
	switch name {
	case "ACCOUNTS", "ACCOUNTS_SESSION_STORE_FACTORY", "ACCOUNTS_REGISTER_BLUEPRINT", "ACCOUNTS_REST_AUTH_VIEWS",
		"ACCOUNTS_LOGIN_VIEW_FUNCTION", "ACCOUNTS_USER_PREFERENCES_SCHEMA", "ACCOUNTS_USER_PROFILE_SCHEMA",
		"ACCOUNTS_REGISTER_UNAUTHORIZED_CALLBACK", "ACCOUNTS_JWT_DECODE_FACTORY", "ACCOUNTS_JWT_CREATION_FACTORY",
		"SECURITY_DATETIME_FACTORY", "SESSION_INTERFACE_FACTORY", "SESSION_RANDOM_SOURCE", "RATELIMIT_KEY_FUNC":
		return "it names Python code; accounts has one fixed implementation", true
	case "ACCOUNTS_USE_CELERY":
		return "there is no Celery", true
	case "ACCOUNTS_JWT_ENABLE", "SECURITY_LOGIN_WITHIN", "SECURITY_SEND_LOGIN_TEMPLATE", "SECURITY_LOGIN_SALT",
		"SECURITY_CHANGE_SALT", "SECURITY_BLUEPRINT_NAME", "SECURITY_CLI_USERS_NAME", "SECURITY_CLI_ROLES_NAME":
		return "unused by Invenio-Accounts as well", true
	case "SECURITY_DEFAULT_REMEMBER_ME", "REMEMBER_COOKIE_DURATION":
		return "there is no remember-me cookie", true
	case "SECURITY_URL_PREFIX", "SECURITY_SUBDOMAIN", "SECURITY_FLASH_MESSAGES", "SECURITY_UNAUTHORIZED_VIEW",
		"SECURITY_USER_IDENTITY_ATTRIBUTES":
		return "not supported; the Invenio default applies", true
	case "SECURITY_PASSWORD_COMPLEXITY_CHECKER", "SECURITY_ZXCVBN_MINIMUM_SCORE":
		return "there are no composition or zxcvbn checks (NIST SP 800-63B advises against them)", true
	case "SECURITY_HASHING_SCHEMES", "SECURITY_DEPRECATED_HASHING_SCHEMES":
		return "tokens always use sha256_crypt, as Invenio's defaults", true
	case "SESSION_KEY_BITS", "SESSION_PICKLE_PROTOCOL", "SESSION_PROTECTION":
		return "session ids have at least 128 random bits, data is not pickled and every request is checked on the server", true
	case "RATELIMIT_STRATEGY":
		return "the limiter's algorithm is fixed", true
	}
	return "", false
}
