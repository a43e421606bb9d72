package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/invenio-go/accounts/internal/ttlcache"
)

// Default values of the options, as Invenio has them.
const (
	DefaultUsernameRegex = `^[a-zA-Z][a-zA-Z0-9-_]{2,255}$`
	DefaultUsernameRules = "Username must start with a letter, be at least three characters long and only contain alphanumeric characters, dashes and underscores."
)

// Options are the settings the service honours (Invenio's config names in
// brackets).
type Options struct {
	UsernameRegex            string // ACCOUNTS_USERNAME_REGEX
	UsernameRules            string // ACCOUNTS_USERNAME_RULES_TEXT
	DefaultUsersVerified     bool   // ACCOUNTS_DEFAULT_USERS_VERIFIED
	DefaultVisibility        string // ACCOUNTS_DEFAULT_USER_VISIBILITY
	DefaultEmailVisibility   string // ACCOUNTS_DEFAULT_EMAIL_VISIBILITY
	Locale                   string // BABEL_DEFAULT_LOCALE
	Timezone                 string // BABEL_DEFAULT_TIMEZONE
	Trackable                bool   // SECURITY_TRACKABLE
	LoginWithoutConfirmation bool   // SECURITY_LOGIN_WITHOUT_CONFIRMATION
	HashConcurrency          int    // ACCOUNTS_HASH_CONCURRENCY: hashes at once (0: no bound)
	HashQueue                int    // ACCOUNTS_HASH_QUEUE: requests waiting for one before EUnavailable
	// PasswordCheck refuses common, context-specific and breached
	// passwords wherever a password is set; nil checks only the length.
	PasswordCheck PasswordChecker
	// UserCacheTTL bounds how long SessionUser answers from its cache
	// (ACCOUNTS_USER_CACHE_TTL): 0 means DefaultUserCacheTTL, a negative
	// value turns the cache off.
	UserCacheTTL time.Duration
	// Sealer encrypts the TOTP secrets of two-factor authentication; nil
	// when two-factor authentication is off.
	Sealer SecretSealer
	// RecoveryCodes is how many recovery codes a user gets
	// (SECURITY_MULTI_FACTOR_RECOVERY_CODES_N; 0: DefaultRecoveryCodes).
	RecoveryCodes int
	// Changes announces user changes to the other nodes; nil for one node.
	Changes ChangeNotifier
	Logger  *slog.Logger
	Now     func() time.Time
}

// Service carries out the account operations with Invenio's semantics.
type Service struct {
	store Store // raw wrapped: its writes invalidate the user cache
	raw   Store
	users *ttlcache.Cache[int64, cachedUser]
	// announcing counts the announcements of user changes under way.
	announcing sync.WaitGroup
	hasher     PasswordHasher
	opts       Options
	username   *regexp.Regexp
	ender      SessionEnder
	pool       *hashPool
}

// NewService returns a service. It fails only on an invalid username regex.
func NewService(store Store, hasher PasswordHasher, opts Options) (*Service, error) {
	if opts.UsernameRegex == "" {
		opts.UsernameRegex = DefaultUsernameRegex
	}
	if opts.UsernameRules == "" {
		opts.UsernameRules = DefaultUsernameRules
	}
	setDefault(&opts.DefaultVisibility, "restricted")
	setDefault(&opts.DefaultEmailVisibility, "restricted")
	setDefault(&opts.Locale, "en")
	setDefault(&opts.Timezone, "Europe/Zurich")
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// Python's re.fullmatch: anchor the whole pattern.
	re, err := regexp.Compile(`^(?:` + opts.UsernameRegex + `)$`)
	if err != nil {
		return nil, fmt.Errorf("ACCOUNTS_USERNAME_REGEX: %w", err)
	}
	svc := &Service{raw: store, hasher: hasher, opts: opts, username: re,
		pool: newHashPool(opts.HashConcurrency, opts.HashQueue)}
	svc.store = notifyingStore{Store: store, s: svc}
	ttl := opts.UserCacheTTL
	if ttl == 0 {
		ttl = DefaultUserCacheTTL
	}
	svc.users = ttlcache.New[int64, cachedUser](ttl, maxCachedUsers)
	return svc, nil
}

func setDefault(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

// SetSessionEnder installs what ends a user's stored sessions when they are
// blocked or deactivated (the session layer, once it exists).
func (s *Service) SetSessionEnder(e SessionEnder) { s.ender = e }

// SetChangeNotifier sets how user changes reach the other nodes' caches
// (Options.Changes); call it before the service is used.
func (s *Service) SetChangeNotifier(c ChangeNotifier) { s.opts.Changes = c }

// Store returns the store the service uses.
func (s *Service) Store() Store { return s.store }

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

// NewUser is the input of CreateUser.
type NewUser struct {
	Email     string
	Password  string // plain text; "" creates a user without a password only if NoPassword
	Active    bool
	Confirmed bool
	Username  string
	Profile   json.RawMessage // a JSON object with full_name and/or affiliations, or nil
	// NoPassword allows an empty password (external-login-only users).
	NoPassword bool
	// HashWhenTaken hashes the password even when the address has an
	// account, so that the answer takes as long as a new user's (a sign-up
	// that conceals taken addresses).
	HashWhenTaken bool
}

// CreateUser validates the input like Flask-Security's ConfirmRegisterForm
// and creates the user. Errors: EInvalid (with Fields), EConflict when the
// email or username is taken.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	u, err := s.newUser(ctx, in)
	if err != nil {
		return nil, err
	}
	_, err = s.store.UserByEmail(ctx, u.Email)
	taken := err == nil
	if !taken && ErrorCode(err) != ENotFound {
		return nil, fmt.Errorf("create user: %w", err)
	}
	if taken && !in.HashWhenTaken {
		return nil, s.emailTaken(u.Email)
	}
	if in.Password != "" {
		release, err := s.pool.acquire(ctx)
		if err != nil {
			return nil, err
		}
		hash, err := s.hasher.Hash(in.Password)
		release()
		if err != nil {
			return nil, FieldError("password", err.Error())
		}
		u.Password = &hash
	}
	if taken {
		return nil, s.emailTaken(u.Email)
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if ErrorCode(err) == EConflict {
			return nil, s.conflictMessage(err, u.Email)
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

func (s *Service) emailTaken(email string) error {
	return takenError{FieldError("email", email+" is already associated with an account.")}
}

// takenError is CreateUser's EInvalid error for an address that has an
// account (IsEmailTaken).
type takenError struct{ err *Error }

func (e takenError) Error() string { return e.err.Error() }
func (e takenError) Unwrap() error { return e.err }

// IsEmailTaken reports whether err is CreateUser's refusal of an address
// that has an account.
func IsEmailTaken(err error) bool {
	var t takenError
	return errors.As(err, &t)
}

func (s *Service) conflictMessage(err error, email string) error {
	if strings.Contains(ErrorMessage(err), "username") {
		return FieldError("username", "Username already taken.")
	}
	return s.emailTaken(email)
}

// newUser validates the input and builds the row without touching storage.
func (s *Service) newUser(ctx context.Context, in NewUser) (*User, error) {
	email, domain, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if in.Password == "" && !in.NoPassword {
		return nil, FieldError("password", "Password not provided")
	}
	if in.Password != "" {
		if err := s.ValidatePassword(ctx, in.Password, email, in.Username); err != nil {
			return nil, err
		}
	}
	now := s.now()
	u := &User{Email: email, Domain: &domain, Active: in.Active, Created: now, Updated: now, VersionID: 1}
	if in.Confirmed {
		u.ConfirmedAt = &now
	}
	if s.opts.DefaultUsersVerified {
		u.VerifiedAt = &now
	}
	if err := s.setUsername(u, in.Username); err != nil {
		return nil, err
	}
	if u.Profile, err = validProfile(in.Profile); err != nil {
		return nil, err
	}
	u.Preferences, _ = json.Marshal(map[string]string{
		"visibility": s.opts.DefaultVisibility, "email_visibility": s.opts.DefaultEmailVisibility,
		"locale": s.opts.Locale, "timezone": s.opts.Timezone,
	})
	return u, nil
}

func (s *Service) setUsername(u *User, name string) error {
	if name == "" {
		return nil
	}
	if !s.username.MatchString(name) {
		return FieldError("username", s.opts.UsernameRules)
	}
	lower := strings.ToLower(name)
	u.DisplayName, u.Username = &name, &lower
	return nil
}

// validProfile checks a profile against Invenio's default UserProfileSchema
// (full_name and affiliations, both strings; other keys refused).
func validProfile(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return json.RawMessage(`{}`), nil
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil || p == nil {
		return nil, FieldError("profile", "Profile must be a JSON object.")
	}
	for k, v := range p {
		if k != "full_name" && k != "affiliations" {
			return nil, FieldError("profile", fmt.Sprintf("Unknown profile field %q.", k))
		}
		if _, ok := v.(string); !ok {
			return nil, FieldError("profile", fmt.Sprintf("Profile field %q must be a string.", k))
		}
	}
	out, _ := json.Marshal(p)
	return out, nil
}

// ValidatePassword applies the password policy to a new password of the
// user with email and username ("" when none): the length (in code points),
// then the blocklist, the context-specific words (the site's, and those of
// email and username) and the breached check. Errors: EInvalid on field
// "password"; EUnavailable when the breached check is strict and its site
// cannot be reached.
func (s *Service) ValidatePassword(ctx context.Context, password, email, username string) error {
	if err := s.hasher.ValidateLength(password); err != nil {
		return FieldError("password", err.Error())
	}
	if s.opts.PasswordCheck == nil {
		return nil
	}
	if err := s.opts.PasswordCheck.Check(ctx, password, email, username); err != nil {
		return FieldError("password", err.Error())
	}
	return nil
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
