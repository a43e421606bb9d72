package httpserver

import (
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
// document) are never limited.
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
		l = s.check(r, ratelimit.UserKey(uid), s.set.AuthenticatedLimits, msgTooMany)
	} else {
		if len(s.set.GuestLimits) == 0 {
			return false
		}
		l = s.check(r, ratelimit.GuestKey(st.ip), s.set.GuestLimits, msgTooMany)
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
	return s.check(r, ratelimit.ClientKey(endpoint, stateOf(r).ip), s.set.EndpointLimits[endpoint], msgTooMany)
}

// checkAccount counts an attempt on an account (by email).
func (s *Server) checkAccount(r *http.Request, al AccountLimit, email string) *limit {
	if email == "" {
		return nil
	}
	return s.check(r, ratelimit.AccountKey(al.Prefix, email), al.Limits, al.Message)
}

func (s *Server) check(r *http.Request, key string, limits []ratelimit.Limit, msg string) *limit {
	if s.opts.Limiter == nil || len(limits) == 0 {
		return nil
	}
	d, err := s.opts.Limiter.Allow(r.Context(), key, limits)
	if err != nil {
		s.opts.Logger.Error("rate limiter unavailable; attempt allowed", "err", err)
		return nil
	}
	if d.Allowed {
		return nil
	}
	return &limit{message: msg, retryAfter: d.RetryAfter}
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

// countLogin records a login's outcome in the metrics.
func (s *Server) countLogin(err error) {
	outcome := telemetry.LoginSuccess
	switch accounts.ErrorCode(err) {
	case "":
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
