package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/invenio-go/accounts/internal/token"
)

// Defaults of Options.
const (
	DefaultCookieName       = "session"           // SESSION_COOKIE_NAME
	DefaultLifetime         = 31 * 24 * time.Hour // PERMANENT_SESSION_LIFETIME
	DefaultActivityInterval = 5 * time.Minute     // ACCOUNTS_SESSION_ACTIVITY_UPDATE_INTERVAL
)

const (
	// maxClockSkew is how far in the future a token's creation time may be
	// (tokens made by a node whose clock is ahead).
	maxClockSkew = 5 * time.Minute
	// maxCookies bounds the session cookies of one request that Load tries.
	maxCookies = 4
)

// Options configure a Manager. Zero values take the defaults noted.
type Options struct {
	// Secret signs the cookie (SECRET_KEY). Required.
	Secret []byte
	// CookieName is the cookie's name (default "session"). A "__Host-" name
	// requires Secure, Path "/" and no Domain; "__Secure-" requires Secure.
	CookieName string
	// Domain and Path of the cookie (Path default "/"; no Domain means
	// host-only).
	Domain, Path string
	// Secure sends the cookie over HTTPS only.
	Secure bool
	// HTTPOnly hides the cookie from scripts; nil means true.
	HTTPOnly *bool
	// SameSite of the cookie; 0 means Lax. None requires Secure.
	SameSite http.SameSite
	// Lifetime is the absolute lifetime of a session, counted from its
	// token's creation (PERMANENT_SESSION_LIFETIME, default 31 days).
	Lifetime time.Duration
	// IdleTimeout ends a session unused for that long (0: off).
	IdleTimeout time.Duration
	// ActivityInterval is how stale LastSeen may get: a request writes it
	// at most once per interval (default 5 minutes), and never more rarely
	// than half the IdleTimeout.
	ActivityInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Manager loads and saves sessions: the cookie, the store, rotation,
// expiry and revocation. It is safe for concurrent use.
type Manager struct {
	store    Store
	revoker  UserRevoker // nil if the store cannot revoke by user
	replacer Replacer    // nil if the store cannot write only-if-present
	signer   *token.Signer
	opts     Options
	httpOnly bool
	interval time.Duration
}

// New returns a Manager on the store. It returns an error for a nil store,
// an empty secret, negative durations, or cookie settings browsers would
// refuse (a "__Host-" name without Secure, Path "/" and no Domain, a
// "__Secure-" name or SameSite=None without Secure).
func New(store Store, opts Options) (*Manager, error) {
	if err := setDefaults(&opts); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("session: nil store")
	}
	m := &Manager{store: store, signer: token.NewSigner(opts.Secret, token.DefaultSalt), opts: opts}
	m.revoker, _ = store.(UserRevoker)
	m.replacer, _ = store.(Replacer)
	m.httpOnly = opts.HTTPOnly == nil || *opts.HTTPOnly
	m.interval = opts.ActivityInterval
	if opts.IdleTimeout > 0 {
		m.interval = min(m.interval, opts.IdleTimeout/2)
	}
	return m, nil
}

func setDefaults(o *Options) error {
	switch {
	case len(o.Secret) == 0:
		return errors.New("session: empty secret")
	case o.Lifetime < 0 || o.IdleTimeout < 0 || o.ActivityInterval < 0:
		return errors.New("session: negative duration")
	}
	o.CookieName = cmp.Or(o.CookieName, DefaultCookieName)
	o.Path = cmp.Or(o.Path, "/")
	o.Lifetime = cmp.Or(o.Lifetime, DefaultLifetime)
	o.ActivityInterval = cmp.Or(o.ActivityInterval, DefaultActivityInterval)
	o.SameSite = cmp.Or(o.SameSite, http.SameSiteLaxMode)
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case strings.HasPrefix(o.CookieName, "__Host-") && (!o.Secure || o.Path != "/" || o.Domain != ""):
		return errors.New("session: a __Host- cookie needs Secure, Path / and no Domain")
	case strings.HasPrefix(o.CookieName, "__Secure-") && !o.Secure:
		return errors.New("session: a __Secure- cookie needs Secure")
	case o.SameSite == http.SameSiteNoneMode && !o.Secure:
		return errors.New("session: SameSite=None needs Secure")
	}
	return nil
}

func (m *Manager) now() time.Time { return m.opts.Now() }

// Load returns the request's session. A missing, tampered, truncated,
// malformed, expired (absolute or idle), revoked or unknown cookie gives a
// new anonymous Session and a nil error; Load never panics. The error is
// non-nil only when the store failed: the Session is then anonymous too and
// callers answer 503 where authentication matters.
func (m *Manager) Load(r *http.Request) (*Session, error) {
	now := m.now()
	cookies := r.CookiesNamed(m.opts.CookieName)
	for i, c := range cookies {
		if i == maxCookies {
			break
		}
		s, err := m.loadCookie(r.Context(), c.Value, now)
		if err != nil {
			return newSession(m), err
		}
		if s != nil {
			return s, nil
		}
	}
	return newSession(m), nil
}

// loadCookie returns the session the cookie value names, nil when it names
// none, or the store's error.
func (m *Manager) loadCookie(ctx context.Context, value string, now time.Time) (*Session, error) {
	tok, created, err := ParseCookie(m.signer, value)
	if err != nil || !isStrong(tok) || !m.alive(created, now) {
		return nil, nil
	}
	id, err := DeriveID(tok)
	if err != nil {
		return nil, nil
	}
	data, err := m.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	rec, err := decodeRecord(data)
	if err != nil || rec.Created != created.Unix() || m.idle(rec, now) {
		return nil, nil
	}
	if ok, err := m.generationValid(ctx, rec); err != nil || !ok {
		return nil, err
	}
	s := &Session{m: m, tok: tok, id: id, rec: *rec, loaded: true}
	s.touched = now.Sub(time.Unix(rec.LastSeen, 0)) >= m.interval
	return s, nil
}

// alive reports whether a token created at created is within its absolute
// lifetime at now.
func (m *Manager) alive(created, now time.Time) bool {
	return now.Before(created.Add(m.opts.Lifetime)) && !created.After(now.Add(maxClockSkew))
}

// idle reports whether the record has passed its idle timeout at now.
func (m *Manager) idle(rec *record, now time.Time) bool {
	return m.opts.IdleTimeout > 0 && now.Sub(time.Unix(rec.LastSeen, 0)) > m.opts.IdleTimeout
}

// generationValid reports whether an authenticated record was logged in
// under the user's current generation.
func (m *Manager) generationValid(ctx context.Context, rec *record) (bool, error) {
	if rec.UserID == 0 || m.revoker == nil {
		return true, nil
	}
	gen, err := m.revoker.UserGeneration(ctx, rec.UserID)
	if c, ok := m.revoker.(CachingRevoker); ok && err == nil && gen < rec.Generation {
		// Generations only grow: the cached one is behind a login made
		// on another node since it was read.
		gen, err = c.FreshUserGeneration(ctx, rec.UserID)
	}
	if err != nil {
		return false, fmt.Errorf("load session: user generation: %w", err)
	}
	return gen == rec.Generation, nil
}

// generationTTL is how long a user's generation must be kept: longer than
// any session recorded under it, with a margin for clocks that disagree
// (the store's and the nodes').
func (m *Manager) generationTTL() time.Duration {
	return m.opts.Lifetime + 2*maxClockSkew
}
