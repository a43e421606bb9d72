package httpserver

import (
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

// handleChangePasswordPage handles "GET /account/settings/password/".
func (s *Server) handleChangePasswordPage(w http.ResponseWriter, r *http.Request) {
	if s.requireLogin(w, r) == nil {
		return
	}
	s.render(w, r, http.StatusOK, "change_password", &form{})
}

// handleChangePassword handles "POST /account/settings/password/": the
// current password, the new one twice. Success ends every other session of
// the user (on every node) and renews this one.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	u := s.requireLogin(w, r)
	if u == nil {
		return
	}
	f := postedForm(r)
	if s.formCSRFFailed(w, r, "change_password", f) {
		return
	}
	next := r.PostForm.Get("new_password")
	if next != r.PostForm.Get("new_password_confirm") {
		f.Errors["new_password_confirm"] = accounts.MsgRetypePasswordMismatch
		s.render(w, r, http.StatusOK, "change_password", f)
		return
	}
	if err := s.changePassword(w, r, u, r.PostForm.Get("password"), next); err != nil {
		if code := accounts.ErrorCode(err); code == accounts.EInternal {
			s.serverError(w, r, err)
			return
		}
		setFormError(f, err)
		s.render(w, r, http.StatusOK, "change_password", f)
		return
	}
	stateOf(r).sess.AddFlash("success", accounts.MsgPasswordChanged)
	s.redirect(w, r, s.set.PostChangeView)
}

// changePassword changes the password and ends the user's other sessions.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, u *accounts.User, current, next string) error {
	if err := s.opts.Service.ChangePassword(r.Context(), u, current, next); err != nil {
		return err
	}
	s.audit(r, eventPasswordChanged, u, "")
	stateOf(r).sess.Reauthenticated(s.set.FreshnessGrace)
	if err := s.revokeOtherSessions(w, r, u.ID); err != nil {
		return err
	}
	if !s.set.SendPasswordChangeEmail {
		return nil
	}
	d := emailData{}
	if s.set.Recoverable {
		d.Link = s.externalURL(r, s.set.ResetURL)
	}
	return s.sendEmail(r.Context(), emailChangeNotice, u.Email, d)
}

// handleAPIChangePassword handles "POST /api/change-password".
func (s *Server) handleAPIChangePassword(w http.ResponseWriter, r *http.Request) {
	u, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if u == nil {
		s.apiAbort(w, r, http.StatusUnauthorized, msgUnauthorized)
		return
	}
	values, errs, err := decodeBody(w, r, "password", "new_password")
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	if errs = require(values, errs, "password", "new_password"); len(errs) > 0 {
		s.apiValidation(w, r, sortErrors(errs))
		return
	}
	if err := s.changePassword(w, r, u, values["password"], values["new_password"]); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": accounts.MsgPasswordChanged})
}
