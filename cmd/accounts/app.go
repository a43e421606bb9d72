package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/config"
	"github.com/invenio-go/accounts/internal/password"
	"github.com/invenio-go/accounts/internal/pwcheck"
	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/session/redisstore"
	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/totp"
)

// app is everything a command works with, built from the configuration.
type app struct {
	cfg *config.Config
	log *slog.Logger
	db  *sqlstore.DB
	svc *accounts.Service
	// redis is the Redis session store when ACCOUNTS_SESSION_REDIS_URL is
	// set: the sessions live there, and user changes are announced on it.
	redis *redisstore.Store
}

// loadConfig reads the configuration from the flags, the file and the
// environment. A bad configuration is a usage error (exit 2).
func (e *env) loadConfig(flags map[string]string) (*config.Config, error) {
	opts := config.Options{Environ: e.environ, File: e.configFile, Flags: flags}
	if e.devSet {
		opts.Dev = &e.dev
	}
	cfg, err := config.Load(opts)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return cfg, nil
}

// logger returns the logger the configuration asks for, on stderr.
func (e *env) logger(cfg *config.Config) *slog.Logger {
	hopts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, hopts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, hopts))
}

// openApp loads the configuration, opens the database and checks its
// schema: SQLite databases are migrated on open; a PostgreSQL database must
// have been migrated with `accounts migrate`.
func (e *env) openApp(ctx context.Context) (*app, error) {
	return e.openAppWith(ctx, nil)
}

func (e *env) openAppWith(ctx context.Context, flags map[string]string) (*app, error) {
	cfg, err := e.loadConfig(flags)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: e.logger(cfg)}
	driver, dsn := cfg.Database()
	if a.db, err = sqlstore.Open(ctx, driver, dsn); err != nil {
		return nil, err
	}
	if driver == sqlstore.SQLite {
		_, err = a.db.Migrate(ctx)
	} else {
		err = a.db.CheckMigrated(ctx)
	}
	if err != nil {
		a.db.Close()
		return nil, err
	}
	if a.svc, err = newService(cfg, a.db, a.log); err != nil {
		a.db.Close()
		return nil, err
	}
	if cfg.SessionRedisURL != "" {
		// Opening does not connect: commands that touch no user need no
		// Redis. Those that do announce their changes to the serving nodes.
		if a.redis, err = redisstore.Open(cfg.SessionRedisURL, redisstore.Options{}); err != nil {
			a.db.Close()
			return nil, &usageError{fmt.Sprintf("ACCOUNTS_SESSION_REDIS_URL: %v", err)}
		}
		a.svc.SetChangeNotifier(a.redis.Changes())
	}
	return a, nil
}

// newService builds the domain service from the configuration.
func newService(cfg *config.Config, store accounts.Store, log *slog.Logger) (*accounts.Service, error) {
	hasher, err := newHasher(cfg)
	if err != nil {
		return nil, err
	}
	opts := accounts.Options{
		UsernameRules:            cfg.UsernameRulesText,
		DefaultUsersVerified:     cfg.DefaultUsersVerified,
		DefaultVisibility:        cfg.DefaultUserVisibility,
		DefaultEmailVisibility:   cfg.DefaultEmailVisibility,
		Locale:                   cfg.DefaultLocale,
		Trackable:                cfg.Trackable,
		LoginWithoutConfirmation: cfg.LoginWithoutConfirmation,
		HashConcurrency:          cfg.HashConcurrency,
		HashQueue:                cfg.HashQueue,
		UserCacheTTL:             cacheTTL(cfg.UserCacheTTL),
		Logger:                   log,
		PasswordCheck: pwcheck.New(pwcheck.Options{ContextWords: cfg.PasswordContextWords,
			Breached: pwcheck.Mode(cfg.PasswordCheckBreached), BreachedCount: cfg.PasswordBreachedCount,
			URL: cfg.PasswordBreachedURL, Logger: log}),
	}
	if cfg.UsernameRegex != nil {
		opts.UsernameRegex = cfg.UsernameRegex.String()
	}
	if cfg.SecretKey != "" { // serve refuses to start without one
		var fallbacks [][]byte
		for _, k := range cfg.SecretKeyFallbacks {
			if k != "" {
				fallbacks = append(fallbacks, []byte(k))
			}
		}
		if opts.Sealer, err = totp.NewSealer([]byte(cfg.SecretKey), fallbacks...); err != nil {
			return nil, err
		}
	}
	opts.RecoveryCodes = cfg.RecoveryCodesN
	if cfg.DefaultTimezone != nil {
		opts.Timezone = cfg.DefaultTimezone.String()
	}
	return accounts.NewService(store, hasher, opts)
}

// cacheTTL maps ACCOUNTS_USER_CACHE_TTL (0: off) onto the service's
// option (0: the default, negative: off).
func cacheTTL(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

func newHasher(cfg *config.Config) (*password.Hasher, error) {
	h, err := password.New(password.Policy{
		Salt:       []byte(cfg.PasswordSalt),
		Rounds:     cfg.PasswordHashRounds,
		Schemes:    cfg.PasswordSchemes,
		Deprecated: explicit(cfg.DeprecatedPasswordSchemes),
		SingleHash: explicit(cfg.PasswordSingleHash),
		MinLength:  cfg.PasswordLengthMin,
	})
	if err != nil {
		return nil, &usageError{fmt.Sprintf("password settings: %v", err)}
	}
	return h, nil
}

// user finds the user a USER argument names (an email in any case, or a
// numeric id); one it does not name is a usage error, as in Invenio's CLI.
func (a *app) user(ctx context.Context, ref string) (*accounts.User, error) {
	u, err := a.svc.FindUser(ctx, accounts.UserRef(ref))
	if accounts.ErrorCode(err) == accounts.ENotFound {
		return nil, usagef("ERROR: User not found.")
	}
	return u, err
}

// Close releases the app's resources.
func (a *app) Close() error {
	a.svc.WaitAnnouncements()
	if a.redis != nil {
		a.redis.Close()
	}
	return a.db.Close()
}

// explicit turns a list the configuration left empty into an empty, non-nil
// one: the configuration has filled in its defaults already, and the
// password policy reads nil as "use the default".
func explicit(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// sessionManager opens the configured session store for commands that end
// sessions: with Redis, revocations reach every node at once; with the
// in-memory store (which lives inside each serve process) the database
// rows are what the nodes re-check within 2 seconds.
func (a *app) sessionManager() (*session.Manager, func(), error) {
	store, _ := a.sessionStore()
	mgr, err := newSessionManager(a.cfg, store)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	a.svc.SetSessionEnder(mgr)
	return mgr, func() { store.Close() }, nil
}
