package httpserver

import (
	"net/http"
	"strings"

	"github.com/invenio-go/accounts/internal/accounts"
)

// handleAPIForgotPassword handles "POST /api/forgot-password": the same
// answer for any address (Invenio reveals which have an account).
func (s *Server) handleAPIForgotPassword(w http.ResponseWriter, r *http.Request) {
	if s.alreadyAuthenticated(w, r) {
		return
	}
	values, errs, err := decodeBody(w, r, "email")
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	if errs = validEmailField(values, require(values, errs, "email")); len(errs) > 0 {
		s.apiValidation(w, r, sortErrors(errs))
		return
	}
	email, _, _ := accounts.NormalizeEmail(values["email"])
	if l := s.forgotLimited(r, email); l != nil {
		s.apiLimited(w, r, l)
		return
	}
	send, err := s.forgot(r, email)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": accounts.MsgResetRequest(email)})
	s.afterAnswer(w, r, emailReset, send)
}

// handleAPIResetPassword handles "POST /api/reset-password".
func (s *Server) handleAPIResetPassword(w http.ResponseWriter, r *http.Request) {
	if s.alreadyAuthenticated(w, r) {
		return
	}
	values, errs, err := decodeBody(w, r, "token", "password")
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	if errs = require(values, errs, "token", "password"); len(errs) > 0 {
		s.apiValidation(w, r, sortErrors(errs))
		return
	}
	if l := s.checkClient(r, endpointReset); l != nil {
		s.apiLimited(w, r, l)
		return
	}
	u, expired, err := s.tokenUser(r.Context(), s.reset, values["token"], s.set.ResetWithin,
		func(u *accounts.User) string { return deref(u.Password) })
	switch {
	case err == errInvalidToken:
		s.apiAbort(w, r, http.StatusBadRequest, accounts.MsgInvalidResetToken)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	case expired:
		s.apiAbort(w, r, http.StatusBadRequest, accounts.MsgResetExpired(humanDuration(s.set.ResetWithin), u.Email))
		return
	}
	msg, tf, err := s.resetPassword(w, r, u, values["password"])
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if tf != "" {
		s.writeTwoFactorRequired(w, r, tf, map[string]any{"message": msg})
		return
	}
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": msg})
}

// handleAPISendConfirmation handles "POST /api/send-confirmation-email":
// for the caller's own address only (Invenio mails any account).
func (s *Server) handleAPISendConfirmation(w http.ResponseWriter, r *http.Request) {
	u, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if u == nil {
		s.apiAbort(w, r, http.StatusUnauthorized, msgUnauthorized)
		return
	}
	values, errs, err := decodeBody(w, r, "email")
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	if errs = validEmailField(values, require(values, errs, "email")); len(errs) > 0 {
		s.apiValidation(w, r, sortErrors(errs))
		return
	}
	email, _, _ := accounts.NormalizeEmail(values["email"])
	switch {
	case !equalFoldEmail(email, u.Email):
		s.apiValidation(w, r, []fieldError{{"email", "This is not the email address of your account."}})
		return
	case u.ConfirmedAt != nil:
		s.apiAbort(w, r, http.StatusBadRequest, accounts.MsgAlreadyConfirmed)
		return
	}
	if l := s.checkAccount(r, s.set.SendConfirmationAccountLimit, u.Email); l != nil {
		s.apiLimited(w, r, l)
		return
	}
	if err := s.sendConfirmation(r, u, emailConfirmation); err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": accounts.MsgConfirmationRequest(u.Email)})
}

// handleAPIConfirmEmail handles "POST /api/confirm-email". Failures answer
// Invenio's quirk: "message" is the [text, category] pair.
func (s *Server) handleAPIConfirmEmail(w http.ResponseWriter, r *http.Request) {
	values, errs, err := decodeBody(w, r, "token")
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	if errs = require(values, errs, "token"); len(errs) > 0 {
		s.apiValidation(w, r, sortErrors(errs))
		return
	}
	u, msg, err := s.confirmToken(r, values["token"], false)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if u == nil {
		if msg == accounts.MsgAlreadyConfirmed {
			writeJSON(w, http.StatusOK, map[string]string{"message": msg})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": []string{msg, "error"}})
		return
	}
	// Confirming someone else's address logs the caller out (Invenio).
	if cur, _ := s.currentUser(r); cur != nil && cur.ID != u.ID {
		if err := s.logout(w, r); err != nil {
			s.sessionError(w, r, err)
			return
		}
	}
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": msg})
}

func equalFoldEmail(a, b string) bool { return strings.EqualFold(a, b) }
