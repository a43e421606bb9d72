package config

import (
	"encoding/json"
	"strings"
	"time"
)

func featureKeys() []Key {
	return group("Features",
		boolKey("SECURITY_REGISTERABLE", "true", "Self sign-up (`/signup/`, `POST /api/register`).", func(c *Config) *bool { return &c.Registerable }),
		boolKey("SECURITY_CONFIRMABLE", "true", "Email confirmation.", func(c *Config) *bool { return &c.Confirmable }),
		boolKey("SECURITY_RECOVERABLE", "true", "Forgot and reset password.", func(c *Config) *bool { return &c.Recoverable }),
		boolKey("SECURITY_CHANGEABLE", "true", "Password change.", func(c *Config) *bool { return &c.Changeable }),
		boolKey("SECURITY_TRACKABLE", "true", "Record logins (time, IP, count) in `accounts_user_login_information`.", func(c *Config) *bool { return &c.Trackable }),
		boolKey("SECURITY_LOGIN_WITHOUT_CONFIRMATION", "true", "Unconfirmed users may log in, and are logged in after signing up.", func(c *Config) *bool { return &c.LoginWithoutConfirmation }),
		boolKey("SECURITY_AUTO_LOGIN_AFTER_CONFIRM", "true", "Confirming an email logs the user in.", func(c *Config) *bool { return &c.AutoLoginAfterConfirm }),
		boolKey("ACCOUNTS_CONFIRM_BY_POST", "false", "The confirmation link shows a page whose button confirms (and logs in), and an expired reset link sends to the forgot-password form instead of mailing new instructions, so that opening a link in an email changes nothing: an email scanner that opens links confirms nothing, and no page can log its visitor in through a link (ASVS 3.5.3). Off: the link confirms on GET, as Invenio's does.", func(c *Config) *bool { return &c.ConfirmByPost }),
		boolKey("SECURITY_AUTO_LOGIN_AFTER_RESET", "false", "Resetting a password logs the user in.", func(c *Config) *bool { return &c.AutoLoginAfterReset }),
		boolKey("SECURITY_TWO_FACTOR", "true", "Two-factor authentication with an authenticator app (TOTP) and recovery codes ([security.md](security.md#two-factor-authentication)): users may set it up at `SECURITY_TWO_FACTOR_SETUP_URL`, and a user who has it gives a code after the password at every login, whichever way the login comes (form, REST, confirmation or reset link). *Deviation:* on by default (Invenio has none); nobody must use it unless `SECURITY_TWO_FACTOR_REQUIRED`.", func(c *Config) *bool { return &c.TwoFactor }),
		boolKey("SECURITY_TWO_FACTOR_REQUIRED", "false", "Every user must use two-factor authentication: after the password, a user without it sets it up before getting a session, and cannot turn it off. Needs `SECURITY_TWO_FACTOR`.", func(c *Config) *bool { return &c.TwoFactorRequired }),
		strKey("SECURITY_TOTP_ISSUER", "", "Name authenticator apps show beside the account; empty: `ACCOUNTS_SITENAME`.", func(c *Config) *string { return &c.TOTPIssuer }),
		intKey("SECURITY_MULTI_FACTOR_RECOVERY_CODES_N", "10", "Recovery codes a user gets with two-factor authentication (each works once).", 1, 100, func(c *Config) *int { return &c.RecoveryCodesN }),
		boolKey("SECURITY_RETURN_GENERIC_RESPONSES", "false", "Sign-up answers an address that has an account as it answers a new one (the confirmation flash; REST: a message, no user), taking as long, and mails the owner a notice (`welcome_existing`) instead of the welcome email, so that sign-up reveals no accounts (ASVS 6.3.8). Works only while new users must confirm before logging in (`SECURITY_CONFIRMABLE` true, `SECURITY_LOGIN_WITHOUT_CONFIRMATION` false): a new user who is logged in at once could not be told apart otherwise. Login, forgot-password and resend-confirmation answer alike always.", func(c *Config) *bool { return &c.ReturnGenericResponses }),
		boolKey("ACCOUNTS_LOCAL_LOGIN_ENABLED", "true", "Login with email and password.", func(c *Config) *bool { return &c.LocalLoginEnabled }),
		boolKey("ACCOUNTS_DEFAULT_USERS_VERIFIED", "false", "New users are marked verified (`verified_at`).", func(c *Config) *bool { return &c.DefaultUsersVerified }),
		strKey("ACCOUNTS_DEFAULT_EMAIL_VISIBILITY", "restricted", "Default `preferences.email_visibility` of new users.", func(c *Config) *string { return &c.DefaultEmailVisibility }),
		strKey("ACCOUNTS_DEFAULT_USER_VISIBILITY", "restricted", "Default `preferences.visibility` of new users.", func(c *Config) *string { return &c.DefaultUserVisibility }),
		custom("ACCOUNTS_USERNAME_REGEX", String, `^[a-zA-Z][a-zA-Z0-9-_]{2,255}$`, "Usernames must match this (Go RE2) regular expression.", setUsernameRegex),
		strKey("ACCOUNTS_USERNAME_RULES_TEXT", "Username must start with a letter, be at least three characters long and only contain alphanumeric characters, dashes and underscores.", "Message shown when a username does not match.", func(c *Config) *string { return &c.UsernameRulesText }),
	)
}

func passwordKeys() []Key {
	return group("Passwords and tokens",
		custom("SECURITY_PASSWORD_HASH", String, "pbkdf2_sha512", "Scheme of new hashes; only `pbkdf2_sha512`.", setPasswordHash),
		listKey("SECURITY_PASSWORD_SCHEMES", `["pbkdf2_sha512", "invenio_aes_encrypted_email"]`, "Schemes accepted when verifying.", func(c *Config) *[]string { return &c.PasswordSchemes }),
		listKey("SECURITY_DEPRECATED_PASSWORD_SCHEMES", `["invenio_aes_encrypted_email"]`, "Schemes replaced by a new hash at the next login.", func(c *Config) *[]string { return &c.DeprecatedPasswordSchemes }),
		custom("SECURITY_PASSWORD_SINGLE_HASH", List, `["invenio_aes_encrypted_email"]`, "Schemes hashed without the HMAC pre-hash (`true`: all, `false`: none).", setSingleHash),
		custom("SECURITY_PASSWORD_HASH_OPTIONS", Dict, "", "Per-scheme options; only `{\"pbkdf2_sha512\": {\"rounds\": N}}` is used.", setPasswordHashOptions).
			note("`{\"pbkdf2_sha512\": {\"rounds\": 210000}}`"),
		intKey("SECURITY_PASSWORD_LENGTH_MIN", "8", "Minimum password length in code points (the maximum is 128).", 1, 128, func(c *Config) *int { return &c.PasswordLengthMin }),
		custom("SECURITY_PASSWORD_CHECK_BREACHED", String, "false", "Look passwords up in a breached-password range API: `false`, `true` (fail open) or `strict` (fail closed).", setCheckBreached),
		intKey("SECURITY_PASSWORD_BREACHED_COUNT", "1", "A password seen this many times in breaches is refused.", 1, 1<<30, func(c *Config) *int { return &c.PasswordBreachedCount }),
		strKey("ACCOUNTS_PASSWORD_BREACHED_URL", "https://api.pwnedpasswords.com/range/", "k-anonymity range API (the first 5 hex digits of the SHA-1 are appended).", func(c *Config) *string { return &c.PasswordBreachedURL }),
		listKey("ACCOUNTS_PASSWORD_CONTEXT_WORDS", "", "Site words that new passwords must not be made of, besides the user's email address and username ([passwords.md](passwords.md#context-specific-words)); `[]`: none.", func(c *Config) *[]string { return &c.PasswordContextWords }).
			derived("`[\"invenio\", <ACCOUNTS_SITENAME>]`", defaultContextWords),
		durKey("SECURITY_CONFIRM_EMAIL_WITHIN", "30 minutes", "Validity of confirmation links.", func(c *Config) *time.Duration { return &c.ConfirmEmailWithin }),
		durKey("SECURITY_RESET_PASSWORD_WITHIN", "30 minutes", "Validity of password reset links.", func(c *Config) *time.Duration { return &c.ResetPasswordWithin }),
		strKey("SECURITY_CONFIRM_SALT", "confirm-salt", "Salt of confirmation tokens (itsdangerous).", func(c *Config) *string { return &c.ConfirmSalt }),
		strKey("SECURITY_RESET_SALT", "reset-salt", "Salt of reset tokens (itsdangerous).", func(c *Config) *string { return &c.ResetSalt }),
		custom("SECURITY_FRESHNESS", Duration, "24 hours", "How recently the password must have been proved (login, password change, reset with auto-login, or the verify page) to end one's other sessions; older, the password is asked again. `0`: always asked (the grace period then lets the action through after it); a negative value such as `-1`: never asked (Invenio's behaviour).", setFreshness),
		durKey("SECURITY_FRESHNESS_GRACE_PERIOD", "1 hours", "After a freshness check passes (or the password is given again), further checks pass for this long, even if `SECURITY_FRESHNESS` runs out meanwhile; each check that passes restarts it.", func(c *Config) *time.Duration { return &c.FreshnessGracePeriod }),
	)
}

func urlKeys() []Key {
	s := strKey
	return group("URLs",
		s("SECURITY_LOGIN_URL", "/login/", "Login page.", func(c *Config) *string { return &c.LoginURL }),
		s("SECURITY_LOGOUT_URL", "/logout/", "Logout.", func(c *Config) *string { return &c.LogoutURL }),
		s("SECURITY_REGISTER_URL", "/signup/", "Sign-up page.", func(c *Config) *string { return &c.RegisterURL }),
		s("SECURITY_RESET_URL", "/lost-password/", "Forgot-password page; the reset page is `<url><token>/`.", func(c *Config) *string { return &c.ResetURL }),
		s("SECURITY_CHANGE_URL", "/account/settings/password/", "Password change page.", func(c *Config) *string { return &c.ChangeURL }),
		s("SECURITY_CONFIRM_URL", "/confirm", "Confirmation: `<url>` (resend) and `<url>/<token>`.", func(c *Config) *string { return &c.ConfirmURL }),
		s("SECURITY_VERIFY_URL", "/verify", "Page that asks for the password again when the login is not recent (`SECURITY_FRESHNESS`).", func(c *Config) *string { return &c.VerifyURL }),
		s("SECURITY_TWO_FACTOR_SETUP_URL", "/tf-setup", "Two-factor authentication: set up, turn off, new recovery codes.", func(c *Config) *string { return &c.TwoFactorSetupURL }),
		s("SECURITY_TWO_FACTOR_TOKEN_VALIDATION_URL", "/tf-validate", "Two-factor authentication: the code asked after the password.", func(c *Config) *string { return &c.TwoFactorValidationURL }),
		s("SECURITY_POST_LOGIN_VIEW", "/", "Where to go after login without `next`.", func(c *Config) *string { return &c.PostLoginView }),
		s("SECURITY_POST_LOGOUT_VIEW", "/", "Where to go after logout.", func(c *Config) *string { return &c.PostLogoutView }),
		s("SECURITY_POST_REGISTER_VIEW", "", "Where to go after sign-up; empty: the post-login view.", func(c *Config) *string { return &c.PostRegisterView }),
		s("SECURITY_POST_CONFIRM_VIEW", "", "Where to go after confirming; empty: the post-login view.", func(c *Config) *string { return &c.PostConfirmView }),
		s("SECURITY_POST_RESET_VIEW", "", "Where to go after a reset; empty: the post-login view.", func(c *Config) *string { return &c.PostResetView }),
		s("SECURITY_POST_CHANGE_VIEW", "", "Where to go after a password change; empty: the post-login view.", func(c *Config) *string { return &c.PostChangeView }),
		s("SECURITY_CONFIRM_ERROR_VIEW", "", "Where to go when a confirmation link is bad; empty: the confirmation page.", func(c *Config) *string { return &c.ConfirmErrorView }),
		s("ACCOUNTS_CONFIRM_EMAIL_ENDPOINT", "", "URL template of confirmation links in emails (`{token}` substituted, else `?token=` appended); empty: the confirm URL.", func(c *Config) *string { return &c.ConfirmEmailEndpoint }),
		s("ACCOUNTS_RESET_PASSWORD_ENDPOINT", "", "URL template of reset links in emails; empty: the reset URL.", func(c *Config) *string { return &c.ResetPasswordEndpoint }),
		s("ACCOUNTS_REST_CONFIRM_EMAIL_ENDPOINT", "/confirm/{token}", "Confirmation link in emails sent by the REST API.", func(c *Config) *string { return &c.RESTConfirmEmailEndpoint }),
		s("ACCOUNTS_REST_RESET_PASSWORD_ENDPOINT", "/lost-password/{token}", "Reset link in emails sent by the REST API.", func(c *Config) *string { return &c.RESTResetPasswordEndpoint }),
	)
}

func templateKeys() []Key {
	t := func(name, file string, field func(c *Config) *string) Key {
		return strKey(name, "invenio_accounts/"+file, "Template (relative name or absolute path).", field)
	}
	return group("Templates",
		t("SECURITY_LOGIN_USER_TEMPLATE", "login_user.html", func(c *Config) *string { return &c.LoginUserTemplate }),
		t("SECURITY_VERIFY_TEMPLATE", "verify_user.html", func(c *Config) *string { return &c.VerifyTemplate }),
		t("SECURITY_TWO_FACTOR_VERIFY_CODE_TEMPLATE", "two_factor_verify_code.html", func(c *Config) *string { return &c.TwoFactorVerifyTemplate }),
		t("SECURITY_TWO_FACTOR_SETUP_TEMPLATE", "two_factor_setup.html", func(c *Config) *string { return &c.TwoFactorSetupTemplate }),
		t("SECURITY_REGISTER_USER_TEMPLATE", "register_user.html", func(c *Config) *string { return &c.RegisterUserTemplate }),
		t("SECURITY_FORGOT_PASSWORD_TEMPLATE", "forgot_password.html", func(c *Config) *string { return &c.ForgotPasswordTemplate }),
		t("SECURITY_RESET_PASSWORD_TEMPLATE", "reset_password.html", func(c *Config) *string { return &c.ResetPasswordTemplate }),
		t("SECURITY_CHANGE_PASSWORD_TEMPLATE", "change_password.html", func(c *Config) *string { return &c.ChangePasswordTemplate }),
		t("SECURITY_SEND_CONFIRMATION_TEMPLATE", "send_confirmation.html", func(c *Config) *string { return &c.SendConfirmationTemplate }),
		t("ACCOUNTS_SETTINGS_SECURITY_TEMPLATE", "settings/security.html", func(c *Config) *string { return &c.SettingsSecurityTemplate }),
		t("ACCOUNTS_BASE_TEMPLATE", "base.html", func(c *Config) *string { return &c.BaseTemplate }),
		t("ACCOUNTS_COVER_TEMPLATE", "base_cover.html", func(c *Config) *string { return &c.CoverTemplate }),
		t("ACCOUNTS_SETTINGS_TEMPLATE", "settings/base.html", func(c *Config) *string { return &c.SettingsTemplate }),
		t("ACCOUNTS_JWT_DOM_TOKEN_TEMPLATE", "jwt.html", func(c *Config) *string { return &c.JWTDOMTokenTemplate }),
	)
}

// defaultContextWords is the default of ACCOUNTS_PASSWORD_CONTEXT_WORDS:
// "invenio" and the site name (ACCOUNTS_SITENAME, derived before it), once
// when they are the same word.
func defaultContextWords(c *Config) string {
	words := []string{"invenio"}
	if name := strings.TrimSpace(c.values["ACCOUNTS_SITENAME"].raw); name != "" && !strings.EqualFold(name, "invenio") {
		words = append(words, name)
	}
	b, _ := json.Marshal(words)
	return string(b)
}
