package config

import (
	"time"
)

func mailKeys() []Key {
	return group("Email",
		boolKey("SECURITY_SEND_REGISTER_EMAIL", "true", "Send the welcome email after sign-up.", func(c *Config) *bool { return &c.SendRegisterEmail }),
		boolKey("SECURITY_SEND_PASSWORD_CHANGE_EMAIL", "true", "Send a notice after a password change.", func(c *Config) *bool { return &c.SendPasswordChangeEmail }),
		boolKey("SECURITY_SEND_PASSWORD_RESET_EMAIL", "true", "Send reset instructions.", func(c *Config) *bool { return &c.SendPasswordResetEmail }),
		boolKey("SECURITY_SEND_PASSWORD_RESET_NOTICE_EMAIL", "true", "Send a notice after a password reset.", func(c *Config) *bool { return &c.SendPasswordResetNoticeEmail }),
		boolKey("SECURITY_EMAIL_PLAINTEXT", "true", "Emails have a text part.", func(c *Config) *bool { return &c.EmailPlaintext }),
		boolKey("SECURITY_EMAIL_HTML", "true", "Emails have an HTML part.", func(c *Config) *bool { return &c.EmailHTML }),
		custom("SECURITY_EMAIL_SENDER", String, "", "From address of account emails.", setAddress(func(c *Config) *string { return &c.EmailSender })).
			derived("`MAIL_DEFAULT_SENDER`, else `no-reply@localhost`", fallback("MAIL_DEFAULT_SENDER", "no-reply@localhost")),
		strKey("SECURITY_EMAIL_SUBJECT_REGISTER", "Welcome", "Subject of the welcome email.", func(c *Config) *string { return &c.EmailSubjectRegister }),
		strKey("SECURITY_EMAIL_SUBJECT_CONFIRM", "Please confirm your email", "Subject of the confirmation email.", func(c *Config) *string { return &c.EmailSubjectConfirm }),
		strKey("SECURITY_EMAIL_SUBJECT_PASSWORD_RESET", "Password reset instructions", "Subject of the reset instructions.", func(c *Config) *string { return &c.EmailSubjectPasswordReset }),
		strKey("SECURITY_EMAIL_SUBJECT_PASSWORD_NOTICE", "Your password has been reset", "Subject of the reset notice.", func(c *Config) *string { return &c.EmailSubjectPasswordNotice }),
		strKey("SECURITY_EMAIL_SUBJECT_PASSWORD_CHANGE_NOTICE", "Your password has been changed", "Subject of the change notice.", func(c *Config) *string { return &c.EmailSubjectPasswordChangeNotice }),
		strKey("ACCOUNTS_EMAIL_SUBJECT_TWO_FACTOR_ON", "Two-factor authentication is on", "Subject of the notice sent when a user turns two-factor authentication on.", func(c *Config) *string { return &c.EmailSubjectTwoFactorOn }),
		strKey("ACCOUNTS_EMAIL_SUBJECT_TWO_FACTOR_OFF", "Two-factor authentication is off", "Subject of the notice sent when two-factor authentication is turned off (by the user or an admin).", func(c *Config) *string { return &c.EmailSubjectTwoFactorOff }),
		strKey("MAIL_SERVER", "", "SMTP server; empty: emails go to the log and to `<ACCOUNTS_DATA_DIR>/outbox/`.", func(c *Config) *string { return &c.MailServer }),
		intKey("MAIL_PORT", "25", "SMTP port.", 1, 65535, func(c *Config) *int { return &c.MailPort }),
		boolKey("MAIL_USE_TLS", "false", "Use STARTTLS.", func(c *Config) *bool { return &c.MailUseTLS }),
		boolKey("MAIL_USE_SSL", "false", "Use implicit TLS (SMTPS).", func(c *Config) *bool { return &c.MailUseSSL }),
		strKey("MAIL_USERNAME", "", "SMTP user.", func(c *Config) *string { return &c.MailUsername }),
		strKey("MAIL_PASSWORD", "", "SMTP password.", func(c *Config) *string { return &c.MailPassword }).secret(),
		custom("MAIL_DEFAULT_SENDER", String, "", "Default From address (Flask-Mail).", setAddress(func(c *Config) *string { return &c.MailDefaultSender })),
		boolKey("MAIL_SUPPRESS_SEND", "false", "Do not send emails (they are still logged).", func(c *Config) *bool { return &c.MailSuppressSend }),
		durKey("MAIL_TIMEOUT", "30 seconds", "Timeout of an SMTP exchange.", func(c *Config) *time.Duration { return &c.MailTimeout }),
	)
}
