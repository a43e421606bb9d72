package httpserver

import (
	"context"
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/clientinfo"
	"github.com/invenio-go/accounts/internal/session"
)

// state is what a request carries through the handlers: its session, the
// user it is logged in as (loaded lazily) and its CSRF token.
type state struct {
	sess       *session.Session
	user       *accounts.User
	roles      []accounts.Role // the user's, read with it
	userLoaded bool
	csrf       string // the valid csrftoken cookie value, or "" until issued
	ip         string
	api        bool
	csrfErr    string // an HTML form's CSRF failure, for the handler to show
	// header is the answer's, where the client's rate limit is reported
	// (reportLimit) by checks that have only the request.
	header http.Header
	// limiterDown: a limiter call failed in this request; the others let
	// the attempt through without asking (see ask).
	limiterDown bool
	// tfDropped: a pending two-factor login ran out in this request.
	tfDropped bool
	// device is deviceOf's answer for an address, kept for the request:
	// the login limits ask it up to three times.
	device struct {
		email, nonce string
		done         bool
	}
}

type stateKey struct{}

func stateOf(r *http.Request) *state { return r.Context().Value(stateKey{}).(*state) }

// withState loads the session (503 when the store cannot be reached: never
// anonymous-as-fallback), counts the request against the general rate
// limit of its client (RATELIMIT_GUEST_USER or
// RATELIMIT_AUTHENTICATED_USER) and, on unsafe methods, checks where the
// request comes from and its CSRF token before the handler runs. A refused
// page is answered in plain text; see withForm and withEndpoint.
func (s *Server) withState(h http.HandlerFunc) http.Handler {
	return s.withLimit(routeLimit{general: true}, h)
}

// withForm is withState for a page with a form: when the general limit
// refuses an HTML request, the form is shown with the message (429).
func (s *Server) withForm(page string, h http.HandlerFunc) http.Handler {
	return s.withLimit(routeLimit{general: true, page: page}, h)
}

// withEndpoint is withForm for a route of an Invenio endpoint whose
// per-endpoint limit (RATELIMIT_PER_ENDPOINT) the handler checks. As in
// invenio-app, an endpoint listed there counts against that limit instead of
// the general one; one not listed counts against the general one.
func (s *Server) withEndpoint(endpoint, page string, h http.HandlerFunc) http.Handler {
	_, own := s.set.EndpointLimits[endpoint]
	return s.withLimit(routeLimit{general: !own, page: page}, h)
}

// withLimit is withState with the route's rate limit.
func (s *Server) withLimit(rl routeLimit, h http.HandlerFunc) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{ip: clientinfo.IP(r, s.set.ProxyHops), api: isAPI(r), header: w.Header()}
		sess, err := s.opts.Sessions.Load(r)
		if err != nil {
			s.opts.Logger.Error("session store unavailable", "err", err, "path", r.URL.Path)
			s.unavailable(w, r, st.api)
			return
		}
		st.sess = sess
		st.csrf = s.validCSRFCookie(r)
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		if rl.general && s.generalLimited(w, r, st, rl.page) {
			return
		}
		if isUnsafe(r.Method) && !s.checkCSRF(w, r, st) {
			return
		}
		h(w, r)
	})
	return s.origins.Handler(inner)
}

// currentUser returns the logged-in user, or nil. A session whose user is
// gone or no longer active is logged out on the spot.
func (s *Server) currentUser(r *http.Request) (*accounts.User, error) {
	st := stateOf(r)
	if st.userLoaded {
		return st.user, nil
	}
	st.userLoaded = true
	uid := st.sess.UserID()
	if uid == 0 {
		return nil, nil
	}
	alive, err := s.sessionAlive(r, uid)
	if err != nil {
		return nil, err
	}
	if !alive {
		st.sess.Logout()
		return nil, nil
	}
	u, roles, err := s.opts.Service.SessionUser(r.Context(), uid)
	switch {
	case accounts.ErrorCode(err) == accounts.ENotFound:
		st.sess.Logout()
		return nil, nil
	case err != nil:
		return nil, err
	case !u.Active:
		st.sess.Logout()
		return nil, nil
	}
	st.user, st.roles = u, roles
	return u, nil
}

// saveSession stores the session if it changed and sets its cookie; call it
// before writing the response.
func (s *Server) saveSession(w http.ResponseWriter, r *http.Request) error {
	return s.opts.Sessions.Save(r.Context(), w, stateOf(r).sess)
}

func isUnsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func isAPI(r *http.Request) bool {
	return len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/"
}
