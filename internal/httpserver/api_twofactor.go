package httpserver

import (
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

// twoFactorStatusPayload is GET /api/tf-setup's answer.
type twoFactorStatusPayload struct {
	Enabled           bool    `json:"enabled"`
	Method            *string `json:"tf_primary_method"`
	Since             *string `json:"since"`
	RecoveryCodesLeft int     `json:"recovery_codes_left"`
	Required          bool    `json:"required"`
}

// handleAPITwoFactorStatus handles "GET /api/tf-setup": the caller's
// status, never a secret. Open to the user of a login that must set it up.
func (s *Server) handleAPITwoFactorStatus(w http.ResponseWriter, r *http.Request) {
	u, p, ok := s.apiSetupActor(w, r)
	if !ok {
		return
	}
	st, err := s.opts.Service.TwoFactorStatus(r.Context(), u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	body := twoFactorStatusPayload{Enabled: st.Enabled, RecoveryCodesLeft: st.RecoveryCodesLeft,
		Required: s.set.TwoFactorRequired}
	if st.Enabled {
		m := tfMethod
		body.Method, body.Since = &m, isoformat(&st.Since)
	}
	if p != nil {
		s.writeTwoFactorRequired(w, r, p.state, map[string]any{"status": body})
		return
	}
	s.writeNoStore(w, r, body)
}

// handleAPITwoFactorSetup handles "POST /api/tf-setup": {"setup": one of
// "authenticator" (answers the new secret: tf_authr_key, tf_authr_uri,
// tf_authr_issuer, tf_authr_username, as Flask-Security names them),
// "confirm" (with "code": stores it, answers the recovery codes and, during
// a login that requires it, logs in), "disable", "recovery_codes"}. A
// logged-in caller must have given the password in the last 10 minutes
// (401 reauth_required otherwise; POST /api/verify).
func (s *Server) handleAPITwoFactorSetup(w http.ResponseWriter, r *http.Request) {
	u, p, ok := s.apiSetupActor(w, r)
	if !ok {
		return
	}
	values, errs, err := decodeBody(w, r, "setup", "code")
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	action := values["setup"]
	if errs = require(values, errs, "setup"); action == setupConfirm {
		errs = require(values, errs, "code")
	}
	if len(errs) > 0 {
		s.apiValidation(w, r, sortErrors(errs))
		return
	}
	if p == nil && !s.apiRequireFreshWithin(w, r, tfChangeWithin) {
		return
	}
	res, err := s.doSetup(w, r, u, p, action, values["code"])
	switch {
	case accounts.ErrorMessage(err) == msgTwoFactorMethod:
		s.apiValidation(w, r, []fieldError{{"setup", msgTwoFactorMethod}})
	case err != nil:
		s.apiError(w, r, err)
	case res.setup != nil:
		s.writeNoStore(w, r, map[string]any{"tf_authr_key": res.setup.Secret, "tf_authr_uri": res.setup.URI,
			"tf_authr_issuer": s.issuer(), "tf_authr_username": u.Email, "tf_state": "validating_setup"})
	case res.disabled:
		s.writeNoStore(w, r, map[string]any{"message": msgTwoFactorDisabled})
	case action == setupConfirm:
		s.writeNoStore(w, r, map[string]any{"message": msgTwoFactorEnabled, "recovery_codes": res.codes,
			"tf_primary_method": tfMethod})
	default:
		s.writeNoStore(w, r, map[string]any{"recovery_codes": res.codes})
	}
}

// handleAPITwoFactorValidate handles "POST /api/tf-validate": {"code"}, a
// code of the authenticator app or a recovery code, finishes a pending
// login: 200 with the user payload (GET /api/tf-setup tells how many
// recovery codes are left). A wrong code is a validation error on "code";
// no pending login is 401.
func (s *Server) handleAPITwoFactorValidate(w http.ResponseWriter, r *http.Request) {
	if s.alreadyAuthenticated(w, r) {
		return
	}
	p, err := s.pending(r)
	switch {
	case err != nil:
		s.serverError(w, r, err)
		return
	case p == nil:
		if err := s.saveSession(w, r); err != nil {
			s.sessionError(w, r, err)
			return
		}
		s.apiAbort(w, r, http.StatusUnauthorized, msgTwoFactorExpired)
		return
	case p.state == tfSetupRequired:
		s.writeTwoFactorRequired(w, r, p.state, nil)
		return
	}
	values, errs, err := decodeBody(w, r, "code")
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	if errs = require(values, errs, "code"); len(errs) > 0 {
		s.apiValidation(w, r, sortErrors(errs))
		return
	}
	if l := s.secondFactorLimited(r, p.user); l != nil {
		s.apiLimited(w, r, l)
		return
	}
	if err := s.checkSecondFactor(r, p.user, values["code"]); err != nil {
		if accounts.ErrorCode(err) != accounts.EInvalid {
			s.serverError(w, r, err)
			return
		}
		if err := s.saveSession(w, r); err != nil {
			s.sessionError(w, r, err)
			return
		}
		s.apiValidation(w, r, []fieldError{{"code", accounts.MsgInvalidCode}})
		return
	}
	stateOf(r).sess.PopFlashes() // the API answers instead
	if err := s.finishLogin(w, r, p); err != nil {
		s.sessionError(w, r, err)
		return
	}
	s.writeUser(w, r, p.user)
}

// apiSetupActor returns the caller who may use /api/tf-setup (see
// setupActor), or answers 401.
func (s *Server) apiSetupActor(w http.ResponseWriter, r *http.Request) (*accounts.User, *pendingLogin, bool) {
	u, p, err := s.setupActor(r)
	if err != nil {
		s.serverError(w, r, err)
		return nil, nil, false
	}
	if u == nil {
		if err := s.saveSession(w, r); err != nil {
			s.sessionError(w, r, err)
			return nil, nil, false
		}
		s.apiAbort(w, r, http.StatusUnauthorized, msgUnauthorized)
		return nil, nil, false
	}
	return u, p, true
}

// writeNoStore saves the session and answers 200 with body, never stored
// by a cache (it may hold a secret or recovery codes).
func (s *Server) writeNoStore(w http.ResponseWriter, r *http.Request, body any) {
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}
