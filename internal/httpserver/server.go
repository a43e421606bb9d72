// Package httpserver serves the accounts web service: HTML pages, the REST
// API and the operational endpoints. It depends on internal/accounts (the
// domain), internal/session and internal/clientinfo; never on a driver or
// internal/sqlstore.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/clientinfo"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/telemetry"
	"github.com/invenio-go/accounts/internal/token"
)

// Checker reports whether a dependency (the database, Redis) can serve.
type Checker func(ctx context.Context) error

// Options configure a Server. Service, Activity, Sessions, Secret and
// Logger are required.
type Options struct {
	Service  *accounts.Service
	Activity accounts.ActivityStore
	Sessions *session.Manager
	// Agents parses user agents for the session rows; nil stores none.
	Agents *clientinfo.UAParser
	// Geo maps addresses to countries; nil (or a GeoIP without a
	// database) stores none.
	Geo      *clientinfo.GeoIP
	Secret   []byte // SECRET_KEY: signs the CSRF cookie
	Logger   *slog.Logger
	Checks   map[string]Checker // run by /readyz, by name
	Version  string
	Settings Settings
	// Metrics receives request and login counts; nil: none.
	Metrics *telemetry.Metrics
	// Limiter counts attempts for the rate limits; nil: no limits
	// (RATELIMIT_ENABLED=false).
	Limiter ratelimit.Limiter
	// Mailer queues the emails (welcome, confirmation, reset, notices).
	Mailer Mailer
	// GeoAttribution is the credit the GeoIP database requires, shown where
	// countries are (nil without a database).
	GeoAttribution *Attribution
	// PasswordMin is SECURITY_PASSWORD_LENGTH_MIN, shown on the forms.
	PasswordMin int
	Now         func() time.Time
}

// Settings are the Invenio settings the web layer honours.
type Settings struct {
	SiteName               string   // ACCOUNTS_SITENAME
	LoginURL               string   // SECURITY_LOGIN_URL ("/login/")
	LogoutURL              string   // SECURITY_LOGOUT_URL ("/logout/")
	RegisterURL            string   // SECURITY_REGISTER_URL ("/signup/")
	ChangeURL              string   // SECURITY_CHANGE_URL ("/account/settings/password/")
	PostChangeView         string   // SECURITY_POST_CHANGE_VIEW (PostLoginView)
	Changeable             bool     // SECURITY_CHANGEABLE
	PostLoginView          string   // SECURITY_POST_LOGIN_VIEW ("/")
	PostLogoutView         string   // SECURITY_POST_LOGOUT_VIEW ("/")
	PostRegisterView       string   // SECURITY_POST_REGISTER_VIEW (PostLoginView)
	Registerable           bool     // SECURITY_REGISTERABLE
	LocalLoginEnabled      bool     // ACCOUNTS_LOCAL_LOGIN_ENABLED
	SessionActivityEnabled bool     // ACCOUNTS_SESSION_ACTIVITY_ENABLED
	SecureCookies          bool     // SESSION_COOKIE_SECURE: also marks the CSRF cookie Secure
	CookiePath             string   // SESSION_COOKIE_PATH
	CookieDomain           string   // SESSION_COOKIE_DOMAIN
	SessionCookieName      string   // SESSION_COOKIE_NAME ("session")
	CSRFCookieName         string   // ACCOUNTS_CSRF_COOKIE_NAME ("csrftoken")
	TrustedHosts           []string // TRUSTED_HOSTS (or APP_ALLOWED_HOSTS); empty: any host
	ProxyHops              int      // trusted X-Forwarded-For hops (WSGI_PROXIES / PROXYFIX_CONFIG x_for)
	TemplateDir            string   // ACCOUNTS_TEMPLATE_DIR
	// Email confirmation and password recovery.
	Confirmable              bool // SECURITY_CONFIRMABLE
	Recoverable              bool // SECURITY_RECOVERABLE
	LoginWithoutConfirmation bool // SECURITY_LOGIN_WITHOUT_CONFIRMATION
	AutoLoginAfterConfirm    bool // SECURITY_AUTO_LOGIN_AFTER_CONFIRM
	ConfirmByPost            bool // ACCOUNTS_CONFIRM_BY_POST: the link shows a button
	AutoLoginAfterReset      bool // SECURITY_AUTO_LOGIN_AFTER_RESET
	// GenericResponses conceals taken addresses at sign-up when new users
	// must confirm first (SECURITY_RETURN_GENERIC_RESPONSES).
	GenericResponses        bool
	SendRegisterEmail       bool          // SECURITY_SEND_REGISTER_EMAIL
	SendPasswordChangeEmail bool          // SECURITY_SEND_PASSWORD_CHANGE_EMAIL
	SendPasswordResetNotice bool          // SECURITY_SEND_PASSWORD_RESET_NOTICE_EMAIL
	ConfirmWithin           time.Duration // SECURITY_CONFIRM_EMAIL_WITHIN (30 minutes)
	ResetWithin             time.Duration // SECURITY_RESET_PASSWORD_WITHIN (30 minutes)
	ConfirmURL              string        // SECURITY_CONFIRM_URL ("/confirm")
	// Re-authentication before ending one's other sessions: how recently
	// the password must have been proved (SECURITY_FRESHNESS; 0 asks every
	// time outside a grace period, a negative value never asks), the grace
	// period after a check passes (SECURITY_FRESHNESS_GRACE_PERIOD) and the
	// page that asks (SECURITY_VERIFY_URL, "/verify").
	Freshness      time.Duration
	FreshnessGrace time.Duration
	VerifyURL      string
	// Two-factor authentication (twofactor.go): SECURITY_TWO_FACTOR,
	// SECURITY_TWO_FACTOR_REQUIRED, SECURITY_TOTP_ISSUER ("": SiteName),
	// SECURITY_TWO_FACTOR_SETUP_URL ("/tf-setup"),
	// SECURITY_TWO_FACTOR_TOKEN_VALIDATION_URL ("/tf-validate") and the
	// per-account limit on codes (ACCOUNTS_TWO_FACTOR_RATELIMIT).
	TwoFactor              bool
	TwoFactorRequired      bool
	TOTPIssuer             string
	TwoFactorSetupURL      string
	TwoFactorValidationURL string
	TwoFactorAccountLimit  AccountLimit
	ResetURL               string            // SECURITY_RESET_URL ("/lost-password/")
	PostConfirmView        string            // SECURITY_POST_CONFIRM_VIEW (PostLoginView)
	PostResetView          string            // SECURITY_POST_RESET_VIEW (PostLoginView)
	BaseURL                string            // ACCOUNTS_BASE_URL: links in emails
	ProxyProtoHops         int               // PROXYFIX_CONFIG x_proto: trust X-Forwarded-Proto
	EmailSender            string            // SECURITY_EMAIL_SENDER
	Subjects               map[string]string // by email name (SECURITY_EMAIL_SUBJECT_*)
	// reCAPTCHA on sign-up when both keys are set.
	RecaptchaPublicKey  string // RECAPTCHA_PUBLIC_KEY
	RecaptchaPrivateKey string // RECAPTCHA_PRIVATE_KEY
	RecaptchaVerifyURL  string // RECAPTCHA_VERIFY_URL
	// Rate limits: per client address by Invenio endpoint name; the
	// general limits of the other routes (RATELIMIT_GUEST_USER per client
	// address, RATELIMIT_AUTHENTICATED_USER per logged-in user; empty:
	// none); per account.
	EndpointLimits               map[string][]ratelimit.Limit
	GuestLimits                  []ratelimit.Limit
	AuthenticatedLimits          []ratelimit.Limit
	LoginAccountLimit            AccountLimit
	LoginFailureLimit            AccountLimit // failed logins only (ACCOUNTS_LOGIN_FAILURES_RATELIMIT)
	ForgotAccountLimit           AccountLimit
	SendConfirmationAccountLimit AccountLimit
	// RateLimitHeaders sends X-RateLimit-Limit, -Remaining and -Reset on
	// the answers counted against a client's limit (RATELIMIT_HEADERS_ENABLED;
	// see reportLimit).
	RateLimitHeaders bool
	// AdminRole names the role of the admins (ACCOUNTS_ADMIN_ROLE; ""
	// means "admin").
	AdminRole string
	// Templates maps our page names to the configured template names
	// (SECURITY_LOGIN_USER_TEMPLATE, ...); see templates.go.
	Templates map[string]string
}

// Server is the HTTP service.
type Server struct {
	opts    Options
	set     Settings
	mux     *http.ServeMux
	pages   *pages
	csrf    *token.Signer
	device  *token.Signer // signs the device cookies (device.go)
	origins *http.CrossOriginProtection
	routes  []route
	checks  sessionChecks
	chain   http.Handler
	emails  *emails
	confirm *token.AccountTokens
	reset   *token.AccountTokens
	running sync.WaitGroup // work left running by answers (afterAnswer)
}

// New returns a server with every route registered. It fails when a
// template does not parse.
func New(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, set: withDefaults(opts.Settings), mux: http.NewServeMux()}
	if err := checkCookieName(s.set.CSRFCookieName, s.set); err != nil {
		return nil, fmt.Errorf("ACCOUNTS_CSRF_COOKIE_NAME: %w", err)
	}
	s.csrf = token.NewSigner(opts.Secret, csrfSalt)
	s.device = token.NewSigner(opts.Secret, deviceSalt)
	s.origins = http.NewCrossOriginProtection()
	s.origins.SetDenyHandler(http.HandlerFunc(s.handleCrossOrigin))
	var err error
	if s.pages, err = loadPages(s.set); err != nil {
		return nil, err
	}
	if s.emails, err = loadEmails(s.set); err != nil {
		return nil, err
	}
	s.confirm = token.NewAccountTokens(opts.Secret, token.ConfirmSalt)
	s.reset = token.NewAccountTokens(opts.Secret, token.ResetSalt)
	s.registerRoutes()
	s.chain = s.handler()
	return s, nil
}

func withDefaults(set Settings) Settings {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&set.SiteName, "Invenio")
	def(&set.LoginURL, "/login/")
	def(&set.LogoutURL, "/logout/")
	def(&set.RegisterURL, "/signup/")
	def(&set.PostLoginView, "/")
	def(&set.PostLogoutView, "/")
	def(&set.PostRegisterView, set.PostLoginView)
	def(&set.ChangeURL, "/account/settings/password/")
	def(&set.PostChangeView, set.PostLoginView)
	def(&set.ConfirmURL, "/confirm")
	def(&set.ResetURL, "/lost-password/")
	def(&set.VerifyURL, "/verify")
	def(&set.TwoFactorSetupURL, "/tf-setup")
	def(&set.TwoFactorValidationURL, "/tf-validate")
	def(&set.PostConfirmView, set.PostLoginView)
	def(&set.PostResetView, set.PostLoginView)
	if set.ConfirmWithin <= 0 {
		set.ConfirmWithin = 30 * time.Minute
	}
	if set.ResetWithin <= 0 {
		set.ResetWithin = 30 * time.Minute
	}
	def(&set.CookiePath, "/")
	def(&set.SessionCookieName, "session")
	def(&set.CSRFCookieName, csrfCookie)
	return set
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.chain.ServeHTTP(w, r)
}

// handler is the whole middleware chain, outermost first.
func (s *Server) handler() http.Handler {
	return s.accessLog(s.recoverer(s.trustedHosts(s.securityHeaders(s.opts.Metrics.Middleware("", s.mux)))))
}

// Serve accepts connections on ln until ctx ends, then shuts down
// gracefully: in-flight requests get up to grace to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s.chain,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.opts.Logger.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// The grace ran out with connections still busy: close them, say so,
		// and stop (a supervisor would kill the process next anyway).
		s.opts.Logger.Error("shutdown grace expired; closing the remaining connections", "grace", grace.String(), "err", err)
		srv.Close()
	}
	s.Wait()
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Wait blocks until the work that answers left running (emails queued
// after the answer) is done. Serve calls it once it has shut down.
func (s *Server) Wait() { s.running.Wait() }
