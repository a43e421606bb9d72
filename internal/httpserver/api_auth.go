package httpserver

import (
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

const (
	msgLocalLoginDisabled = "Local login is disabled."
	msgLoggedOut          = "User logged out."
)

// alreadyAuthenticated answers 200 with the user payload when the request
// is logged in (Invenio's user_already_authenticated) and reports whether
// it did.
func (s *Server) alreadyAuthenticated(w http.ResponseWriter, r *http.Request) bool {
	u, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return true
	}
	if u != nil {
		s.writeUser(w, r, u)
		return true
	}
	return false
}

// handleAPILogin handles "POST /api/login".
func (s *Server) handleAPILogin(w http.ResponseWriter, r *http.Request) {
	if s.alreadyAuthenticated(w, r) {
		return
	}
	if !s.set.LocalLoginEnabled {
		s.apiAbort(w, r, http.StatusBadRequest, msgLocalLoginDisabled)
		return
	}
	values, errs, err := decodeBody(w, r, "email", "password")
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	errs = validEmailField(values, require(values, errs, "email", "password"))
	if len(errs) > 0 {
		s.apiValidation(w, r, sortErrors(errs))
		return
	}
	if l := s.loginLimited(r, values["email"], nil); l != nil {
		s.apiLimited(w, r, l)
		return
	}
	u, err := s.opts.Service.Authenticate(r.Context(), accounts.LoginAttempt{
		Email: values["email"], Password: values["password"], IP: stateOf(r).ip,
		DeferTracking: true}) // tracked when the session starts (login)
	s.countLogin(err)
	s.loginFailed(r, values["email"], nil, err)
	if err != nil {
		s.auditLoginFailed(r, values["email"], err)
		s.apiError(w, r, err)
		return
	}
	tf, err := s.beginPasswordLogin(w, r, u, "")
	if err != nil {
		s.sessionError(w, r, err)
		return
	}
	s.countStarted(tf)
	if tf != "" {
		s.writeTwoFactorRequired(w, r, tf, nil)
		return
	}
	s.setDeviceCookie(w, u)
	s.writeUser(w, r, u)
}

// handleAPILogoutGet handles "GET /api/logout": Invenio logs out on GET,
// which lets any page log a user out; here it only points to the
// confirmation page.
func (s *Server) handleAPILogoutGet(w http.ResponseWriter, r *http.Request) {
	s.redirect(w, r, s.set.LogoutURL)
}

// handleAPILogout handles "POST /api/logout".
func (s *Server) handleAPILogout(w http.ResponseWriter, r *http.Request) {
	if err := s.logout(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": msgLoggedOut})
}

// handleAPIMe handles "GET /api/me".
func (s *Server) handleAPIMe(w http.ResponseWriter, r *http.Request) {
	u, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if u == nil {
		if err := s.saveSession(w, r); err != nil {
			s.sessionError(w, r, err)
			return
		}
		s.apiAbort(w, r, http.StatusUnauthorized, msgUnauthorized)
		return
	}
	s.writeUser(w, r, u)
}

// handleAPIRegister handles "POST /api/register": the user is created
// active and logged in.
func (s *Server) handleAPIRegister(w http.ResponseWriter, r *http.Request) {
	if s.alreadyAuthenticated(w, r) {
		return
	}
	values, errs, err := decodeBody(w, r, "email", "password", recaptchaField)
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	errs = validEmailField(values, require(values, errs, "email", "password"))
	if len(errs) > 0 {
		s.apiValidation(w, r, sortErrors(errs))
		return
	}
	if l := s.checkClient(r, endpointRegister); l != nil {
		s.apiLimited(w, r, l)
		return
	}
	if msg := s.verifyRecaptcha(r.Context(), values[recaptchaField], stateOf(r).ip); msg != "" {
		s.apiValidation(w, r, []fieldError{{recaptchaField, msg}})
		return
	}
	u, tf, err := s.register(w, r, values["email"], values["password"], "")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if s.concealsSignup() {
		// Whether the address was new or taken: no user payload, which
		// would tell.
		stateOf(r).sess.PopFlashes()
		email, _, _ := accounts.NormalizeEmail(values["email"])
		s.writeNoStore(w, r, map[string]string{"message": accounts.MsgConfirmRegistration(email)})
		return
	}
	if tf != "" {
		s.writeTwoFactorRequired(w, r, tf, nil)
		return
	}
	s.writeUser(w, r, u)
}
