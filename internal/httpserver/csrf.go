package httpserver

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The CSRF token is invenio-rest's: a random token in the csrftoken cookie
// (signed with SECRET_KEY, readable by scripts), echoed by REST writes in
// the X-CSRFToken header and by HTML forms in the csrf_token field. Nothing
// is stored on the server, so anonymous visitors need no session.
const (
	csrfCookie    = "csrftoken" // invenio-rest's; ACCOUNTS_CSRF_COOKIE_NAME renames it
	csrfHeader    = "X-CSRFToken"
	csrfField     = "csrf_token"
	csrfSalt      = "invenio-csrf-token"
	csrfMaxAge    = 7 * 24 * time.Hour
	maxFormBytes  = 64 << 10
	msgCSRFCookie = "CSRF cookie not set."
	msgCSRFToken  = "CSRF token missing or incorrect."
)

// validCSRFCookie returns the csrftoken cookie's value when its signature
// holds, else "".
func (s *Server) validCSRFCookie(r *http.Request) string {
	c, err := r.Cookie(s.set.CSRFCookieName)
	if err != nil || len(c.Value) > 200 {
		return ""
	}
	if _, err := s.csrf.Unsign(c.Value); err != nil {
		return ""
	}
	return c.Value
}

// csrfToken returns the request's CSRF token, issuing a cookie if it has
// none yet.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	st := stateOf(r)
	if st.csrf == "" {
		s.renewCSRF(w, r)
	}
	return st.csrf
}

// renewCSRF issues a new token (login, logout, or a missing cookie).
func (s *Server) renewCSRF(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	st.csrf = s.csrf.Sign(rand.Text()[:26])
	http.SetCookie(w, &http.Cookie{
		Name: s.set.CSRFCookieName, Value: st.csrf, Path: s.set.CookiePath, Domain: s.set.CookieDomain,
		MaxAge: int(csrfMaxAge.Seconds()), Secure: s.set.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// checkCSRF checks an unsafe request's token. REST: a request carrying any
// cookie must echo the csrftoken cookie in X-CSRFToken (400 otherwise, with
// a fresh cookie when it had none). HTML: the form's csrf_token must equal
// the cookie; a failure is left in st.csrfErr for the handler, which
// re-renders its form with the message. It reports whether to go on.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request, st *state) bool {
	if st.api {
		if len(r.Cookies()) == 0 {
			return true
		}
		if err := s.compareCSRF(st, r.Header.Get(csrfHeader)); err != nil {
			if st.csrf == "" {
				s.renewCSRF(w, r)
			}
			s.apiAbort(w, r, http.StatusBadRequest, err.Error())
			return false
		}
		return true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, http.StatusText(status), status)
		return false
	}
	if err := s.compareCSRF(st, r.PostForm.Get(csrfField)); err != nil {
		st.csrfErr = err.Error()
	}
	return true
}

func (s *Server) compareCSRF(st *state, echoed string) error {
	if st.csrf == "" {
		return errors.New(msgCSRFCookie)
	}
	if echoed == "" || subtle.ConstantTimeCompare([]byte(echoed), []byte(st.csrf)) != 1 {
		return errors.New(msgCSRFToken)
	}
	return nil
}

// handleCrossOrigin answers a state-changing request that a browser says
// comes from another site (Sec-Fetch-Site / Origin): 403.
func (s *Server) handleCrossOrigin(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		writeJSON(w, http.StatusForbidden, map[string]any{"status": 403, "message": "Cross-origin request refused."})
		return
	}
	http.Error(w, "Forbidden: cross-origin request refused.", http.StatusForbidden)
}

// checkCookieName refuses a cookie name whose prefix the cookies'
// attributes cannot honour (browsers would drop the cookie): __Host- needs
// Secure, Path / and no Domain; __Secure- needs Secure.
func checkCookieName(name string, set Settings) error {
	switch {
	case name == "" || strings.ContainsAny(name, " \t\r\n;,=\"") || !isPrintableASCII(name):
		return fmt.Errorf("%q is not a cookie name", name)
	case strings.HasPrefix(name, "__Host-") && !hostPrefixAllowed(set):
		return errors.New("a __Host- cookie needs SESSION_COOKIE_SECURE, SESSION_COOKIE_PATH / and no SESSION_COOKIE_DOMAIN")
	case strings.HasPrefix(name, "__Secure-") && !set.SecureCookies:
		return errors.New("a __Secure- cookie needs SESSION_COOKIE_SECURE")
	}
	return nil
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
