package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/invenio-go/accounts/internal/clientinfo"
	"github.com/invenio-go/accounts/internal/config"
	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/jobs"
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
	store, checks, err := sessionStore(a.cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	checks["database"] = a.db.Ping
	mgr, err := newSessionManager(a.cfg, store)
	if err != nil {
		return err
	}
	a.svc.SetSessionEnder(mgr)
	agents, err := clientinfo.NewUAParser()
	if err != nil {
		return err
	}
	geo, err := clientinfo.OpenGeoIP(a.cfg.GeoIPDB)
	if err != nil {
		return &usageError{fmt.Sprintf("ACCOUNTS_GEOIP_DB: %v", err)}
	}
	defer geo.Close()
	srv, err := httpserver.New(httpserver.Options{
		Agents: agents, Geo: geo, GeoAttribution: attribution(geo),
		Service: a.svc, Activity: a.db, Sessions: mgr, Secret: []byte(a.cfg.SecretKey),
		Logger: a.log, Version: version(), Checks: checks, Settings: webSettings(a.cfg),
		PasswordMin: a.cfg.PasswordLengthMin,
	})
	if err != nil {
		return err
	}
	runner := jobs.New(a.db, mgr, jobs.Options{SessionLifetime: a.cfg.PermanentSessionLifetime,
		Retention: a.cfg.RetentionPeriod, Logger: a.log})
	runner.Schedule(ctx, map[string]time.Duration{
		jobs.CleanSessions:      a.cfg.ScheduleCleanSessions,
		jobs.DeleteIPs:          a.cfg.ScheduleDeleteIPs,
		jobs.UpdateDomainStatus: a.cfg.ScheduleUpdateDomainStatus,
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
// set, else the in-memory one, with the readiness checks it brings.
func sessionStore(cfg *config.Config) (sessionBackend, map[string]httpserver.Checker, error) {
	checks := map[string]httpserver.Checker{}
	if cfg.SessionRedisURL == "" {
		return memstore.New(memstore.Options{}), checks, nil
	}
	rs, err := redisstore.Open(cfg.SessionRedisURL, redisstore.Options{})
	if err != nil {
		return nil, nil, &usageError{fmt.Sprintf("ACCOUNTS_SESSION_REDIS_URL: %v", err)}
	}
	checks["redis"] = rs.Ping
	return rs, checks, nil
}

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

// webSettings maps the configuration onto the web layer's settings.
func webSettings(cfg *config.Config) httpserver.Settings {
	return httpserver.Settings{
		SiteName:               cfg.Sitename,
		LoginURL:               cfg.LoginURL,
		LogoutURL:              cfg.LogoutURL,
		RegisterURL:            cfg.RegisterURL,
		ChangeURL:              cfg.ChangeURL,
		PostChangeView:         cfg.PostChangeView,
		Changeable:             cfg.Changeable,
		PostLoginView:          cfg.PostLoginView,
		PostLogoutView:         cfg.PostLogoutView,
		PostRegisterView:       cfg.PostRegisterView,
		Registerable:           cfg.Registerable,
		LocalLoginEnabled:      cfg.LocalLoginEnabled,
		SessionActivityEnabled: cfg.SessionActivityEnabled,
		SecureCookies:          cfg.SessionCookieSecure,
		CookiePath:             cfg.SessionCookiePath,
		CookieDomain:           cfg.SessionCookieDomain,
		SessionCookieName:      cfg.SessionCookieName,
		TrustedHosts:           cfg.TrustedHosts,
		ProxyHops:              cfg.ProxyFixXFor,
		TemplateDir:            cfg.TemplateDir,
		Templates: map[string]string{
			"login_user":      cfg.LoginUserTemplate,
			"register_user":   cfg.RegisterUserTemplate,
			"change_password": cfg.ChangePasswordTemplate,
			"base":            cfg.BaseTemplate,
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
