package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/invenio-go/accounts/internal/clientinfo"
	"github.com/invenio-go/accounts/internal/config"
	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/jobs"
	"github.com/invenio-go/accounts/internal/mail"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/storage"
	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/session/memstore"
	"github.com/invenio-go/accounts/internal/session/redisstore"
)

func newServeCmd(e *env) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web service (stops gracefully on SIGTERM).",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			flags := map[string]string{}
			if cmd.Flags().Changed("addr") {
				flags["ACCOUNTS_ADDR"] = addr
			}
			return e.serve(cmd.Context(), flags)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (env ACCOUNTS_ADDR, default 127.0.0.1:5000)")
	return cmd
}

func (e *env) serve(ctx context.Context, flags map[string]string) error {
	a, err := e.openAppWith(ctx, flags)
	if err != nil {
		return err
	}
	defer a.Close()
	for _, w := range a.cfg.Warnings() {
		a.log.Warn(w)
	}
	routeRedisLog(a.log)
	store, checks := a.sessionStore()
	defer store.Close()
	if a.redis != nil {
		// Other nodes' (and the CLI's) user changes empty this node's cache.
		go a.redis.Changes().Listen(ctx, a.svc.ForgetUser, a.svc.ForgetUsers, nil, 5*time.Second,
			func(err error) { a.log.Warn("user changes from the other nodes: lost; retrying", "err", err) })
	}
	checks["database"] = a.db.Ready
	mgr, err := newSessionManager(a.cfg, store)
	if err != nil {
		return err
	}
	a.svc.SetSessionEnder(mgr)
	// The user-agent regexes compile while the server starts; the first
	// logins wait for them if they come sooner.
	agents, compiled := clientinfo.StartUAParser()
	go func() {
		if err := <-compiled; err != nil {
			a.log.Error("user agents will not be parsed (browser, OS and device stay empty)", "err", err)
		}
		// The compilation left megabytes of garbage: give them back now
		// rather than over the scavenger's next minutes.
		debug.FreeOSMemory()
	}()
	geo, err := clientinfo.OpenGeoIP(a.cfg.GeoIPDB)
	if err != nil {
		return &usageError{fmt.Sprintf("ACCOUNTS_GEOIP_DB: %v", err)}
	}
	defer geo.Close()
	mailer, err := newMailer(a)
	if err != nil {
		return err
	}
	go mailer.Run(ctx)
	checks["mail"] = func(ctx context.Context) error { _, err := mailer.Stats(ctx); return err }
	metrics := newMetrics(a, mailer)
	if err := serveMetrics(ctx, a, metrics); err != nil {
		return fmt.Errorf("ACCOUNTS_METRICS_ADDR: %w", err)
	}
	limiter, err := newLimiter(a.cfg)
	if err != nil {
		return err
	}
	if limiter != nil {
		defer limiter.Close()
	}
	srv, err := httpserver.New(httpserver.Options{
		Limiter: limiterOrNil(limiter), Metrics: metrics,
		Agents: agents, Geo: geo, GeoAttribution: attribution(geo), Mailer: mailer,
		Service: a.svc, Activity: a.db, Sessions: mgr, Secret: []byte(a.cfg.SecretKey),
		Logger: a.log, Version: version(), Checks: checks, Settings: webSettings(a.cfg),
		PasswordMin: a.cfg.PasswordLengthMin,
	})
	if err != nil {
		return err
	}
	runner := jobs.New(a.db, mgr, jobs.Options{SessionLifetime: a.cfg.PermanentSessionLifetime,
		Retention: a.cfg.RetentionPeriod, Logger: a.log,
		Done: func(res jobs.Result, err error) { metrics.JobRun(res.Job, res.Rows, res.Duration, err) }})
	runner.Schedule(ctx, map[string]time.Duration{
		jobs.CleanSessions:      a.cfg.ScheduleCleanSessions,
		jobs.DeleteIPs:          a.cfg.ScheduleDeleteIPs,
		jobs.UpdateDomainStatus: a.cfg.ScheduleUpdateDomainStatus,
	})
	// The audit log is pruned on the delete-ips schedule (docs/admin.md).
	go a.svc.PruneAuditEvery(ctx, a.cfg.ScheduleDeleteIPs, a.cfg.AuditRetentionPeriod, a.cfg.RetentionPeriod, func(n int, err error) {
		if err != nil {
			a.log.Error("job failed", "job", "prune-audit", "err", err)
		} else if n > 0 {
			a.log.Info("job done", "job", "prune-audit", "rows", n)
		}
	})
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	driver, _ := a.cfg.Database()
	a.log.Info("accounts is serving", "url", "http://"+ln.Addr().String()+"/", "database", driver,
		"sessions", storeKind(a.cfg), "dev", a.cfg.Dev, "version", version())
	fmt.Fprintf(e.stdout, "accounts is serving on http://%s/\n", ln.Addr())
	return srv.Serve(ctx, ln, 25*time.Second)
}

// sessionStore returns the Redis store when ACCOUNTS_SESSION_REDIS_URL is
// set (the app owns it: closing the result leaves it open), else a new
// in-memory one, with the readiness checks it brings.
func (a *app) sessionStore() (sessionBackend, map[string]httpserver.Checker) {
	checks := map[string]httpserver.Checker{}
	if a.redis == nil {
		return memstore.New(memstore.Options{}), checks
	}
	checks["redis"] = a.redis.Ping
	return borrowed{a.redis}, checks
}

// borrowed is a store whose Close leaves it open.
type borrowed struct{ *redisstore.Store }

func (borrowed) Close() error { return nil }

type sessionBackend interface {
	session.Store
	io.Closer
}

func storeKind(cfg *config.Config) string {
	if cfg.SessionRedisURL == "" {
		return "memory"
	}
	return "redis"
}

func newSessionManager(cfg *config.Config, store session.Store) (*session.Manager, error) {
	httpOnly := cfg.SessionCookieHTTPOnly
	return session.New(store, session.Options{
		Secret:           []byte(cfg.SecretKey),
		CookieName:       cfg.SessionCookieName,
		Domain:           cfg.SessionCookieDomain,
		Path:             cfg.SessionCookiePath,
		Secure:           cfg.SessionCookieSecure,
		HTTPOnly:         &httpOnly,
		SameSite:         cfg.SessionCookieSameSite,
		Lifetime:         cfg.PermanentSessionLifetime,
		IdleTimeout:      cfg.SessionIdleTimeout,
		ActivityInterval: cfg.SessionActivityUpdateInterval,
	})
}

// msgTooManyCodes answers a user who tried too many two-factor codes.
const msgTooManyCodes = "Too many codes tried for this account. Please try again later."

// webSettings maps the configuration onto the web layer's settings.
func webSettings(cfg *config.Config) httpserver.Settings {
	return httpserver.Settings{
		SiteName:                 cfg.Sitename,
		LoginURL:                 cfg.LoginURL,
		LogoutURL:                cfg.LogoutURL,
		RegisterURL:              cfg.RegisterURL,
		ChangeURL:                cfg.ChangeURL,
		PostChangeView:           cfg.PostChangeView,
		Changeable:               cfg.Changeable,
		PostLoginView:            cfg.PostLoginView,
		PostLogoutView:           cfg.PostLogoutView,
		PostRegisterView:         cfg.PostRegisterView,
		Registerable:             cfg.Registerable,
		LocalLoginEnabled:        cfg.LocalLoginEnabled,
		SessionActivityEnabled:   cfg.SessionActivityEnabled,
		SecureCookies:            cfg.SessionCookieSecure,
		CookiePath:               cfg.SessionCookiePath,
		CookieDomain:             cfg.SessionCookieDomain,
		SessionCookieName:        cfg.SessionCookieName,
		CSRFCookieName:           cfg.CSRFCookieName,
		TrustedHosts:             cfg.TrustedHosts,
		ProxyHops:                cfg.ProxyFixXFor,
		TemplateDir:              cfg.TemplateDir,
		Confirmable:              cfg.Confirmable,
		Recoverable:              cfg.Recoverable,
		LoginWithoutConfirmation: cfg.LoginWithoutConfirmation,
		AutoLoginAfterConfirm:    cfg.AutoLoginAfterConfirm,
		ConfirmByPost:            cfg.ConfirmByPost,
		AutoLoginAfterReset:      cfg.AutoLoginAfterReset,
		GenericResponses:         cfg.ReturnGenericResponses,
		SendRegisterEmail:        cfg.SendRegisterEmail,
		SendPasswordChangeEmail:  cfg.SendPasswordChangeEmail,
		SendPasswordResetNotice:  cfg.SendPasswordResetNoticeEmail,
		ConfirmWithin:            cfg.ConfirmEmailWithin,
		ResetWithin:              cfg.ResetPasswordWithin,
		ConfirmURL:               cfg.ConfirmURL,
		VerifyURL:                cfg.VerifyURL,
		Freshness:                cfg.Freshness,
		FreshnessGrace:           cfg.FreshnessGracePeriod,
		TwoFactor:                cfg.TwoFactor,
		TwoFactorRequired:        cfg.TwoFactorRequired,
		TOTPIssuer:               cfg.TOTPIssuer,
		TwoFactorSetupURL:        cfg.TwoFactorSetupURL,
		TwoFactorValidationURL:   cfg.TwoFactorValidationURL,
		TwoFactorAccountLimit: httpserver.AccountLimit{Limits: limits(cfg.TwoFactorRatelimit),
			Prefix: "accounts.two_factor", Message: msgTooManyCodes},
		ResetURL:            cfg.ResetURL,
		PostConfirmView:     cfg.PostConfirmView,
		PostResetView:       cfg.PostResetView,
		BaseURL:             cfg.BaseURL,
		AdminRole:           cfg.AdminRole,
		ProxyProtoHops:      cfg.ProxyFixXProto,
		EndpointLimits:      endpointLimits(cfg.RatelimitPerEndpoint),
		GuestLimits:         limits(cfg.RatelimitGuestUser),
		AuthenticatedLimits: limits(cfg.RatelimitAuthenticatedUser),
		RateLimitHeaders:    cfg.RatelimitHeadersEnabled,
		RecaptchaPublicKey:  cfg.RecaptchaPublicKey,
		RecaptchaPrivateKey: cfg.RecaptchaPrivateKey,
		RecaptchaVerifyURL:  cfg.RecaptchaVerifyURL,
		LoginAccountLimit: httpserver.AccountLimit{Limits: limits(cfg.LoginRatelimit),
			Prefix: cfg.LoginRatelimitKeyPrefix, Message: cfg.LoginRatelimitMsg},
		LoginFailureLimit: httpserver.AccountLimit{Limits: limits(cfg.LoginFailuresRatelimit),
			Prefix: "accounts.login_failures", Message: cfg.LoginRatelimitMsg},
		ForgotAccountLimit: httpserver.AccountLimit{Limits: limits(cfg.ForgotPasswordEmailRatelimit),
			Prefix: cfg.ForgotPasswordEmailRatelimitKeyPrefix, Message: cfg.ForgotPasswordEmailRatelimitMsg},
		SendConfirmationAccountLimit: httpserver.AccountLimit{Limits: limits(cfg.SendConfirmationRatelimit),
			Prefix: cfg.SendConfirmationRatelimitKeyPrefix, Message: cfg.SendConfirmationRatelimitMsg},
		EmailSender: cfg.EmailSender,
		Subjects: map[string]string{
			"welcome":                    cfg.EmailSubjectRegister,
			"confirmation_instructions":  cfg.EmailSubjectConfirm,
			"reset_instructions":         cfg.EmailSubjectPasswordReset,
			"reset_notice":               cfg.EmailSubjectPasswordNotice,
			"change_notice":              cfg.EmailSubjectPasswordChangeNotice,
			"two_factor_enabled_notice":  cfg.EmailSubjectTwoFactorOn,
			"two_factor_disabled_notice": cfg.EmailSubjectTwoFactorOff,
		},
		Templates: map[string]string{
			"login_user":        cfg.LoginUserTemplate,
			"verify_user":       cfg.VerifyTemplate,
			"register_user":     cfg.RegisterUserTemplate,
			"change_password":   cfg.ChangePasswordTemplate,
			"forgot_password":   cfg.ForgotPasswordTemplate,
			"reset_password":    cfg.ResetPasswordTemplate,
			"send_confirmation": cfg.SendConfirmationTemplate,
			"base":              cfg.BaseTemplate,
			"two_factor_verify": cfg.TwoFactorVerifyTemplate,
			"two_factor_setup":  cfg.TwoFactorSetupTemplate,
		},
	}
}

// attribution is the credit the GeoIP database requires, if there is one.
func attribution(geo *clientinfo.GeoIP) *httpserver.Attribution {
	text, url := geo.Attribution()
	if text == "" {
		return nil
	}
	return &httpserver.Attribution{Text: text, URL: url}
}

// newMailer returns the mail queue's worker: SMTP with MAIL_* when
// MAIL_SERVER is set, else .eml files in ACCOUNTS_DATA_DIR/outbox.
func newMailer(a *app) (*mail.Mailer, error) {
	cfg := a.cfg
	var sender mail.Sender
	var err error
	if cfg.MailServer == "" || cfg.MailSuppressSend {
		sender, err = mail.NewOutbox(filepath.Join(cfg.DataDir, "outbox"), cfg.EmailSender, a.log)
	} else {
		sender, err = mail.NewSMTP(mail.SMTPOptions{Server: cfg.MailServer, Port: cfg.MailPort, UseTLS: cfg.MailUseTLS,
			UseSSL: cfg.MailUseSSL, Username: cfg.MailUsername, Password: cfg.MailPassword, Timeout: cfg.MailTimeout,
			DefaultSender: cfg.EmailSender})
	}
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return mail.New(a.db.MailQueue(), sender, mail.Options{Logger: a.log, DefaultFrom: cfg.EmailSender,
		SendTimeout: 2 * cfg.MailTimeout}), nil
}

// newLimiter returns the rate limiter: RATELIMIT_STORAGE_URI, else the
// session Redis when there is one, else memory; nil when
// RATELIMIT_ENABLED is false.
func newLimiter(cfg *config.Config) (storage.Limiter, error) {
	if !cfg.RatelimitEnabled {
		return nil, nil
	}
	uri := cfg.RatelimitStorageURI
	if uri == "" {
		uri = cfg.SessionRedisURL
	}
	if uri == "" {
		uri = "memory://"
	}
	l, err := storage.FromURI(uri, storage.Options{})
	if err != nil {
		return nil, &usageError{fmt.Sprintf("RATELIMIT_STORAGE_URI: %v", err)}
	}
	return l, nil
}

// limiterOrNil keeps a nil limiter a nil interface.
func limiterOrNil(l storage.Limiter) ratelimit.Limiter {
	if l == nil {
		return nil
	}
	return l
}

func limits(in []config.Limit) []ratelimit.Limit {
	out := make([]ratelimit.Limit, len(in))
	for i, l := range in {
		out[i] = ratelimit.Limit(l)
	}
	return out
}

func endpointLimits(in map[string][]config.Limit) map[string][]ratelimit.Limit {
	out := make(map[string][]ratelimit.Limit, len(in))
	for k, v := range in {
		out[k] = limits(v)
	}
	return out
}
