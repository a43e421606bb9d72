package httpserver

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/telemetry"
)

// Rate limits: Invenio's per-endpoint limits per client address
// (RATELIMIT_PER_ENDPOINT, by Flask endpoint name), the general limits of
// every other route (RATELIMIT_GUEST_USER per client address,
// RATELIMIT_AUTHENTICATED_USER per user) and the per-account limits
// (ACCOUNTS_*_RATELIMIT), counted in the Limiter (memory, or Redis shared by
// all nodes). Routes without a session (probes, stylesheets, the OpenAPI
// document) are never limited. With RATELIMIT_HEADERS_ENABLED, answers
// counted against a client's limit (per endpoint or general) say where it
// stands in X-RateLimit-* headers (reportLimit); the per-account limits
// never show there.
const (
	endpointLogin    = "security.login"
	endpointRegister = "security.register"
	endpointForgot   = "security.forgot_password"
	endpointReset    = "security.reset_password"
	msgTooMany       = "Too many requests. Please try again later."
)

// AccountLimit is a per-account limit with its key prefix and message.
type AccountLimit struct {
	Limits  []ratelimit.Limit
	Prefix  string
	Message string
}

// limit is a refused attempt: the message and when to try again.
type limit struct {
	message    string
	retryAfter time.Duration
}

// routeLimit is how a route is rate limited (see withState).
type routeLimit struct {
	// general: the route counts against the general limits (it has no
	// per-endpoint limit).
	general bool
	// page is the form shown again when the general limit refuses an HTML
	// request; "": a plain-text answer.
	page string
}

// generalLimited counts the request against the general limit of its
// client: the user's (by id) when the session is logged in, else the
// client address'. One limiter call; none when limits are off. When the
// limit refuses, it answers 429 with Retry-After (JSON under /api/, else the
// form page or plain text) and returns true.
func (s *Server) generalLimited(w http.ResponseWriter, r *http.Request, st *state, page string) bool {
	if s.opts.Limiter == nil {
		return false
	}
	var l *limit
	if uid := st.sess.UserID(); uid != 0 {
		if len(s.set.AuthenticatedLimits) == 0 {
			return false
		}
		l = s.checkReported(r, ratelimit.UserKey(uid), s.set.AuthenticatedLimits)
	} else {
		if len(s.set.GuestLimits) == 0 {
			return false
		}
		l = s.checkReported(r, ratelimit.GuestKey(st.ip), s.set.GuestLimits)
	}
	switch {
	case l == nil:
		return false
	case st.api:
		s.apiLimited(w, r, l)
	case page != "":
		s.pageLimited(w, r, page, &form{}, l)
	default:
		setRetryAfter(w, l.retryAfter)
		http.Error(w, l.message, http.StatusTooManyRequests)
	}
	return true
}

// checkClient counts an attempt of the client at an endpoint. It returns
// nil when allowed. A limiter that fails lets the attempt through (and
// logs): a broken Redis must not lock everybody out.
func (s *Server) checkClient(r *http.Request, endpoint string) *limit {
	return s.checkReported(r, ratelimit.ClientKey(endpoint, stateOf(r).ip), s.set.EndpointLimits[endpoint])
}

// checkAccount counts an attempt on an account (by email). Unlike the
// client's limits, it is never reported in X-RateLimit-* headers (see
// check).
func (s *Server) checkAccount(r *http.Request, al AccountLimit, email string) *limit {
	if email == "" {
		return nil
	}
	return s.check(r, ratelimit.AccountKey(al.Prefix, email), al.Limits, al.Message)
}

// check counts an attempt under key, returning the refusal with msg, or
// nil. It reports nothing in the headers: it counts the per-account and
// per-device limits, and X-RateLimit-Remaining on them would tell anyone
// how many guesses an account has left and when its window moves, whoever
// spent them; only the client's own limits are reported (checkReported).
func (s *Server) check(r *http.Request, key string, limits []ratelimit.Limit, msg string) *limit {
	d, ok := s.allow(r, key, limits)
	if !ok || d.Allowed {
		return nil
	}
	return &limit{message: msg, retryAfter: d.RetryAfter}
}

// checkReported is check for the client's own limits, per endpoint or
// general, with msgTooMany: it also reports the decision in the answer's
// headers. A request counts against one of them only (see withEndpoint),
// so one decision is reported, even when a per-account limit is checked
// after it.
func (s *Server) checkReported(r *http.Request, key string, limits []ratelimit.Limit) *limit {
	d, ok := s.allow(r, key, limits)
	if !ok {
		return nil
	}
	s.reportLimit(stateOf(r).header, d)
	if d.Allowed {
		return nil
	}
	return &limit{message: msgTooMany, retryAfter: d.RetryAfter}
}

// allow asks the limiter; ok is false when nothing was counted: limits off
// or empty, or a failing limiter, which lets the attempt through (logged).
func (s *Server) allow(r *http.Request, key string, limits []ratelimit.Limit) (d ratelimit.Decision, ok bool) {
	if s.opts.Limiter == nil {
		return d, false
	}
	return s.ask(r, key, limits, s.opts.Limiter.Allow)
}

// peek is allow without recording the attempt (Limiter.Peek).
func (s *Server) peek(r *http.Request, key string, limits []ratelimit.Limit) (d ratelimit.Decision, ok bool) {
	if s.opts.Limiter == nil {
		return d, false
	}
	return s.ask(r, key, limits, s.opts.Limiter.Peek)
}

// ask runs one limiter call. A limiter that fails (a frozen Redis: each
// call waits out its timeout) is not asked again in the same request: a
// login asks up to three times, and would wait three timeouts.
func (s *Server) ask(r *http.Request, key string, limits []ratelimit.Limit,
	call func(context.Context, string, []ratelimit.Limit) (ratelimit.Decision, error)) (d ratelimit.Decision, ok bool) {
	if len(limits) == 0 {
		return d, false
	}
	st, _ := r.Context().Value(stateKey{}).(*state)
	if st != nil && st.limiterDown {
		return d, false
	}
	d, err := call(r.Context(), key, limits)
	if err != nil {
		s.opts.Logger.Error("rate limiter unavailable; attempt allowed", "err", err)
		if st != nil {
			st.limiterDown = true
		}
		return d, false
	}
	return d, true
}

// reportLimit sets the X-RateLimit-* headers of RATELIMIT_HEADERS_ENABLED
// as Flask-Limiter does (flask_limiter/_extension.py, __inject_headers):
// the count of one limit, the attempts it has left after this one, and
// when its window moves on in Unix seconds (the oldest hit it holds leaves
// it; on a refusal, the attempt would pass), the second after, as
// Flask-Limiter's int(reset + 1). The limit is the one that binds
// (ratelimit.Decision.Limit). Flask-Limiter reports the refused limit too,
// but when nothing is refused the one of the shortest period, whose
// Remaining may be more than the request really has left; for a single
// limit the two agree. Retry-After stays on the refusals (setRetryAfter),
// where Flask-Limiter sends it on every answer it reports on.
func (s *Server) reportLimit(h http.Header, d ratelimit.Decision) {
	if !s.set.RateLimitHeaders || d.Limit.Count == 0 || h == nil {
		return
	}
	// Flask-Limiter's spelling, not Go's canonical X-Ratelimit-*: header
	// names are case-insensitive, but scripts grep them.
	h["X-RateLimit-Limit"] = []string{strconv.Itoa(d.Limit.Count)}
	h["X-RateLimit-Remaining"] = []string{strconv.Itoa(d.Remaining)}
	h["X-RateLimit-Reset"] = []string{strconv.FormatInt(s.opts.Now().Add(d.ResetAfter).Unix()+1, 10)}
}

// setRetryAfter sets Retry-After in whole seconds, rounded up.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
}

// apiLimited answers 429 with Retry-After.
func (s *Server) apiLimited(w http.ResponseWriter, r *http.Request, l *limit) {
	setRetryAfter(w, l.retryAfter)
	s.apiAbort(w, r, http.StatusTooManyRequests, l.message)
}

// pageLimited re-renders a form with the limit's message, 429.
func (s *Server) pageLimited(w http.ResponseWriter, r *http.Request, page string, f *form, l *limit) {
	setRetryAfter(w, l.retryAfter)
	f.Error = l.message
	s.render(w, r, http.StatusTooManyRequests, page, f)
}

// countLogin records a login's outcome in the metrics; a right password is
// counted by countStarted once it is known whether a second factor follows.
func (s *Server) countLogin(err error) {
	var outcome string
	switch accounts.ErrorCode(err) {
	case "":
		return
	case accounts.EInvalid, accounts.EUnauthorized:
		outcome = telemetry.LoginInvalid
	case accounts.EForbidden:
		outcome = telemetry.LoginDisabled
		if accounts.ErrorMessage(err) == accounts.MsgConfirmationRequired {
			outcome = telemetry.LoginUnconfirmed
		}
	case accounts.EUnavailable:
		outcome = telemetry.LoginBusy
	default:
		outcome = telemetry.LoginError
	}
	s.opts.Metrics.Login(outcome)
}

// countStarted records a login whose password was right: a session, or a
// wait for the second factor (tf, beginLogin's state).
func (s *Server) countStarted(tf string) {
	if tf != "" {
		s.opts.Metrics.Login(telemetry.LoginTwoFactor)
		return
	}
	s.opts.Metrics.Login(telemetry.LoginSuccess)
}

// loginLimited checks the client's and the account's login limits (the
// account one before the password is verified, as Invenio does; a browser
// with a device cookie of the account counts against its own limit instead,
// see device.go). known is the account when the caller has it (the verify
// step), else nil.
func (s *Server) loginLimited(r *http.Request, email string, known *accounts.User) *limit {
	l := s.checkClient(r, endpointLogin)
	if l == nil {
		l = s.checkLoginAccount(r, email, known)
	}
	if l == nil {
		l = s.checkLoginFailures(r, email, known)
	}
	if l != nil {
		s.opts.Metrics.Login(telemetry.LoginRateLimited)
	}
	return l
}

// forgotLimited checks the client's and the account's forgot-password
// limits.
func (s *Server) forgotLimited(r *http.Request, email string) *limit {
	if l := s.checkClient(r, endpointForgot); l != nil {
		return l
	}
	return s.checkAccount(r, s.set.ForgotAccountLimit, email)
}

// The failed logins of an account (ACCOUNTS_LOGIN_FAILURES_RATELIMIT, 100
// a day by default; NIST SP 800-63B 5.2.2 asks for at most 100 consecutive
// failures): the budget is looked at before the password is checked
// (Peek) and spent only by a wrong one, so an owner who types the password
// right never spends it, and a browser showing the account's device cookie
// neither looks nor spends. Unknown addresses count like known ones, so
// the answers tell nothing. The limit is soft: its window moves on.

// checkLoginFailures refuses a login when the account's failure budget is
// spent, unless the browser has the account's device cookie.
func (s *Server) checkLoginFailures(r *http.Request, email string, known *accounts.User) *limit {
	key, ok := s.failureKey(r, email, known)
	if !ok {
		return nil
	}
	d, ok := s.peek(r, key, s.set.LoginFailureLimit.Limits)
	if !ok || d.Allowed {
		return nil
	}
	return &limit{message: s.set.LoginFailureLimit.Message, retryAfter: d.RetryAfter}
}

// loginFailed spends one of the account's failures when err says the
// password was wrong (or the account unknown).
func (s *Server) loginFailed(r *http.Request, email string, known *accounts.User, err error) {
	if accounts.ErrorCode(err) != accounts.EUnauthorized {
		return
	}
	if key, ok := s.failureKey(r, email, known); ok {
		s.allow(r, key, s.set.LoginFailureLimit.Limits)
	}
}

// failureKey is the key of the account's failure budget; ok is false when
// there is none to look at: no limit, no address, or the browser's device
// cookie holds for the account.
func (s *Server) failureKey(r *http.Request, email string, known *accounts.User) (string, bool) {
	fl := s.set.LoginFailureLimit
	if s.opts.Limiter == nil || len(fl.Limits) == 0 || email == "" || s.deviceOf(r, email, known) != "" {
		return "", false
	}
	return ratelimit.AccountKey(fl.Prefix, email), true
}
