package pwcheck

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The messages below are shown to users as they are, hence capitalised.
var (
	// ErrCommon is returned by Check for a password on the blocklist. Its
	// message is accounts' own: Flask-Security has no blocklist, and its
	// nearest text, "Password not complex enough", would misstate the
	// reason, which NIST SP 800-63B requires to be given.
	ErrCommon = errors.New("Password on common passwords list")
	// ErrContext is returned by Check for a password made of the site's
	// words or of the user's email address or username (NIST SP 800-63B's
	// "context-specific words"); the rule is madeOfWords'. Like ErrCommon,
	// its message is accounts' own.
	ErrContext = errors.New("Password made of the site name, your email or your username")
	// ErrBreached is returned by Check for a password that the breached
	// passwords site has seen at least BreachedCount times
	// (Flask-Security's PASSWORD_BREACHED).
	ErrBreached = errors.New("Password on breached list")
	// ErrUnavailable is matched (errors.Is) by the error that Check returns
	// in ModeStrict when the breached passwords site cannot be asked or
	// gives no usable answer (Flask-Security's PASSWORD_BREACHED_SITE_ERROR).
	ErrUnavailable = errors.New("Failed to contact breached passwords site")
)

// Mode says whether and how Check asks the breached passwords site. Its
// values are those of internal/config's SECURITY_PASSWORD_CHECK_BREACHED.
type Mode string

// The modes of the breached check.
const (
	ModeOff    Mode = "off"    // no lookup (also the zero Mode)
	ModeOn     Mode = "on"     // look up; on failure, log a warning and allow
	ModeStrict Mode = "strict" // look up; on failure, refuse with ErrUnavailable
)

// Defaults applied by New to zero fields of Options.
const (
	DefaultURL       = "https://api.pwnedpasswords.com/range/"
	DefaultTimeout   = 3 * time.Second
	DefaultUserAgent = "invenio-go-accounts-pwcheck"
)

// Options configure a Checker. The zero value checks the blocklist and the
// user's own words only.
type Options struct {
	// ContextWords are the site's own words (ACCOUNTS_PASSWORD_CONTEXT_WORDS:
	// "invenio" and the site name by default), which new passwords must not
	// be made of. Each is split as contextWords describes.
	ContextWords []string
	// Breached is SECURITY_PASSWORD_CHECK_BREACHED. "" is ModeOff; a value
	// that is none of the modes is treated as ModeStrict, which fails closed.
	Breached Mode
	// BreachedCount is SECURITY_PASSWORD_BREACHED_COUNT: a password seen
	// this many times or more is refused (values below 1 mean 1).
	BreachedCount int
	// URL is ACCOUNTS_PASSWORD_BREACHED_URL, the range endpoint to which the
	// five-digit prefix is appended ("" means DefaultURL). A URL without a
	// path, such as "https://api.pwnedpasswords.com", gets "/range/"; one
	// without a query gets a final "/".
	URL string
	// Timeout bounds each lookup, connection included (0 means
	// DefaultTimeout).
	Timeout time.Duration
	// UserAgent is sent with each lookup ("" means DefaultUserAgent); the
	// Pwned Passwords API refuses requests without one.
	UserAgent string
	// Client makes the lookups (nil means a client of its own).
	Client *http.Client
	// Logger receives a warning for each failed lookup (nil means
	// slog.Default() at the time of the warning).
	Logger *slog.Logger
}

// Checker checks new passwords against the blocklist and, if enabled, the
// breached passwords site. It is safe for concurrent use.
type Checker struct {
	mode      Mode
	minCount  int
	rangeURL  string // ends in "/"; the prefix is appended
	timeout   time.Duration
	userAgent string
	client    *http.Client
	log       *slog.Logger // nil: slog.Default()
	siteWords []string     // contextWords(Options.ContextWords)

	once    sync.Once
	blocked map[string]struct{} // built on first use by blocklist()
}

// New applies the defaults of opts and returns a Checker. It does no I/O;
// the blocklist is loaded from the binary on the first Check.
func New(opts Options) *Checker {
	mode := cmp.Or(opts.Breached, ModeOff)
	if mode != ModeOff && mode != ModeOn {
		mode = ModeStrict
	}
	c := &Checker{
		mode:      mode,
		minCount:  max(opts.BreachedCount, 1),
		rangeURL:  rangeURL(cmp.Or(opts.URL, DefaultURL)),
		timeout:   cmp.Or(opts.Timeout, DefaultTimeout),
		userAgent: cmp.Or(opts.UserAgent, DefaultUserAgent),
		client:    opts.Client,
		log:       opts.Logger,
		siteWords: contextWords(opts.ContextWords...),
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: c.timeout}
	}
	return c
}

// rangeURL turns ACCOUNTS_PASSWORD_BREACHED_URL into the string that the
// prefix is appended to: a URL without a path gets "/range/", and one
// without a query gets a final "/".
func rangeURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.RawQuery != "" || u.ForceQuery:
		return raw
	case u.Host != "" && strings.Trim(u.Path, "/") == "":
		return strings.TrimSuffix(raw, "/") + "/range/"
	case !strings.HasSuffix(raw, "/"):
		return raw + "/"
	}
	return raw
}

// Check returns ErrCommon when password is on the blocklist; ErrContext
// when it is made of the site's words (Options.ContextWords) or of the
// user's own, taken from userInputs (their email address and username, as
// contextWords splits them); and, unless the mode is ModeOff, ErrBreached
// when the breached passwords site has seen it at least BreachedCount
// times. When the site cannot be asked, it logs a warning and returns nil
// in ModeOn, or an error matching ErrUnavailable in ModeStrict. It returns
// nil otherwise. ctx bounds the lookup, as does the Timeout option.
func (c *Checker) Check(ctx context.Context, password string, userInputs ...string) error {
	if c.isCommon(password) {
		return ErrCommon
	}
	if madeOfWords(password, append(contextWords(userInputs...), c.siteWords...)) {
		return ErrContext
	}
	if c.mode == ModeOff {
		return nil
	}
	count, err := c.lookup(ctx, password)
	if err != nil {
		c.logger().WarnContext(ctx, "breached password lookup failed",
			slog.String("mode", string(c.mode)), slog.String("error", err.Error()))
		if c.mode == ModeOn {
			return nil
		}
		return &unavailableError{cause: err}
	}
	if count >= c.minCount {
		return ErrBreached
	}
	return nil
}

// logger returns the Logger option, or slog's default at the time of use.
func (c *Checker) logger() *slog.Logger {
	if c.log != nil {
		return c.log
	}
	return slog.Default()
}

// unavailableError reports ErrUnavailable's message and keeps the cause.
type unavailableError struct{ cause error }

func (e *unavailableError) Error() string        { return ErrUnavailable.Error() }
func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }
func (e *unavailableError) Unwrap() error        { return e.cause }
