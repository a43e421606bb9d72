package httpserver

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/invenio-go/accounts/internal/accounts"
)

// handleForgotPage handles "GET /lost-password/".
func (s *Server) handleForgotPage(w http.ResponseWriter, r *http.Request) {
	if s.anonymousOnly(w, r) {
		return
	}
	s.render(w, r, http.StatusOK, "forgot_password", &form{})
}

// handleForgot handles "POST /lost-password/": the same answer whether or
// not the address has an account (Invenio says "Specified user does not
// exist"); the instructions go only to an existing, active account.
func (s *Server) handleForgot(w http.ResponseWriter, r *http.Request) {
	if s.anonymousOnly(w, r) {
		return
	}
	f := postedForm(r, "email")
	if s.formCSRFFailed(w, r, "forgot_password", f) {
		return
	}
	email, _, err := accounts.NormalizeEmail(f.Value("email"))
	if err != nil {
		setFormError(f, err)
		s.render(w, r, http.StatusOK, "forgot_password", f)
		return
	}
	if l := s.forgotLimited(r, email); l != nil {
		s.pageLimited(w, r, "forgot_password", f, l)
		return
	}
	send, err := s.forgot(r, email)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	stateOf(r).sess.AddFlash("info", accounts.MsgResetRequest(email))
	s.render(w, r, http.StatusOK, "forgot_password", &form{})
	s.afterAnswer(w, r, emailReset, send)
}

// noAccountHash stands for a password hash where there is none to make a
// reset token for: as long as a pbkdf2_sha512 hash, so that the throwaway
// token costs what a real one does.
var noAccountHash = strings.Repeat("x", 130)

// forgot returns the sending of reset instructions when the address has an
// active account with a password, else nil. The answer must take as long
// for any address: the token, its costly part, is made for any address (a
// throwaway one without an account), and the caller queues the email after
// the answer (afterAnswer).
func (s *Server) forgot(r *http.Request, email string) (func(*http.Request) error, error) {
	u, err := s.opts.Service.FindUser(r.Context(), accounts.UserRef(email))
	switch {
	case accounts.ErrorCode(err) == accounts.ENotFound || err == nil && (!u.Active || !u.HasPassword()):
		_, err := s.reset.Make(0, noAccountHash, s.opts.Now())
		return nil, err
	case err != nil:
		return nil, err
	}
	return s.resetSender(u)
}

// handleResetNoSlash handles "GET /lost-password/{token}": Invenio's
// link without the slash.
func (s *Server) handleResetNoSlash(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
}

// resetUser checks the reset token of the URL. On failure it flashes
// Invenio's message (sending new instructions for an expired token) and
// redirects to the forgot-password page, returning nil.
func (s *Server) resetUser(w http.ResponseWriter, r *http.Request) *accounts.User {
	u, expired, err := s.tokenUser(r.Context(), s.reset, r.PathValue("token"), s.set.ResetWithin,
		func(u *accounts.User) string { return deref(u.Password) })
	st := stateOf(r)
	switch {
	case err == errInvalidToken:
		st.sess.AddFlash("error", accounts.MsgInvalidResetToken)
	case err != nil:
		s.serverError(w, r, err)
		return nil
	case expired && s.set.ConfirmByPost && !isUnsafe(r.Method):
		// Opening a link changes nothing (ACCOUNTS_CONFIRM_BY_POST): the
		// forgot-password form asks for new instructions instead.
		st.sess.AddFlash("error", msgResetExpiredAskAgain(humanDuration(s.set.ResetWithin)))
	case expired:
		if err := s.sendResetInstructions(r, u); err != nil {
			s.serverError(w, r, err)
			return nil
		}
		st.sess.AddFlash("error", accounts.MsgResetExpired(humanDuration(s.set.ResetWithin), u.Email))
	default:
		return u
	}
	s.redirect(w, r, s.set.ResetURL)
	return nil
}

// msgResetExpiredAskAgain is Flask-Security's RESET_PASSWORD_WITHIN_EXPIRED
// for a link whose GET sends nothing.
func msgResetExpiredAskAgain(within string) string {
	return fmt.Sprintf("You did not reset your password within %s. Ask for new instructions below.", within)
}

// handleResetPage handles "GET /lost-password/{token}/".
func (s *Server) handleResetPage(w http.ResponseWriter, r *http.Request) {
	if s.anonymousOnly(w, r) || s.resetUser(w, r) == nil {
		return
	}
	s.render(w, r, http.StatusOK, "reset_password", &form{})
}

// handleReset handles "POST /lost-password/{token}/": the new password
// (the whole policy applies), every session of the user ends, the reset
// notice is sent; the user is logged in only with
// SECURITY_AUTO_LOGIN_AFTER_RESET.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if s.anonymousOnly(w, r) {
		return
	}
	u := s.resetUser(w, r)
	if u == nil {
		return
	}
	f := postedForm(r)
	if s.formCSRFFailed(w, r, "reset_password", f) {
		return
	}
	if l := s.checkClient(r, endpointReset); l != nil {
		s.pageLimited(w, r, "reset_password", f, l)
		return
	}
	pw := r.PostForm.Get("password")
	if pw != r.PostForm.Get("password_confirm") {
		f.Errors["password_confirm"] = accounts.MsgRetypePasswordMismatch
		s.render(w, r, http.StatusOK, "reset_password", f)
		return
	}
	msg, tf, err := s.resetPassword(w, r, u, pw)
	if err != nil {
		if accounts.ErrorCode(err) == accounts.EInternal {
			s.serverError(w, r, err)
			return
		}
		setFormError(f, err)
		s.render(w, r, http.StatusOK, "reset_password", f)
		return
	}
	stateOf(r).sess.AddFlash("success", msg)
	to := s.set.PostResetView
	switch {
	case tf != "":
		to = s.tfPage(tf)
	case !s.set.AutoLoginAfterReset:
		to = s.set.LoginURL
	}
	s.redirect(w, r, to)
}

// resetPassword sets the password, ends every session, sends the notice and
// logs in when configured; it returns the message to show and, when the
// login waits for a second factor, its tf_state (a reset never skips it).
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, u *accounts.User, pw string) (string, string, error) {
	if err := s.opts.Service.ResetPassword(r.Context(), u, pw); err != nil {
		return "", "", err
	}
	s.audit(r, eventPasswordReset, u, "")
	if s.set.SendPasswordResetNotice {
		if err := s.sendEmail(r.Context(), emailResetNotice, u.Email, emailData{}); err != nil {
			return "", "", err
		}
	}
	if !s.set.AutoLoginAfterReset {
		return accounts.MsgPasswordResetNoLogin, "", nil
	}
	tf, err := s.beginLogin(w, r, u, "")
	if err != nil {
		return "", "", err
	}
	return accounts.MsgPasswordReset, tf, nil
}

// handleSendConfirmationPage handles "GET /confirm" (?email= pre-fills).
func (s *Server) handleSendConfirmationPage(w http.ResponseWriter, r *http.Request) {
	f := &form{Values: map[string]string{"email": strings.TrimSpace(r.URL.Query().Get("email"))}}
	s.render(w, r, http.StatusOK, "send_confirmation", f)
}

// handleSendConfirmation handles "POST /confirm": instructions go to an
// existing unconfirmed account; the answer is the same for any address.
func (s *Server) handleSendConfirmation(w http.ResponseWriter, r *http.Request) {
	f := postedForm(r, "email")
	if s.formCSRFFailed(w, r, "send_confirmation", f) {
		return
	}
	email, _, err := accounts.NormalizeEmail(f.Value("email"))
	if err != nil {
		setFormError(f, err)
		s.render(w, r, http.StatusOK, "send_confirmation", f)
		return
	}
	if l := s.checkAccount(r, s.set.SendConfirmationAccountLimit, email); l != nil {
		s.pageLimited(w, r, "send_confirmation", f, l)
		return
	}
	send, err := s.resendConfirmation(r, email)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	stateOf(r).sess.AddFlash("info", accounts.MsgConfirmationRequest(email))
	s.render(w, r, http.StatusOK, "send_confirmation", &form{})
	s.afterAnswer(w, r, emailConfirmation, send)
}

// resendConfirmation returns the sending of confirmation instructions when
// the address has an unconfirmed account, else nil; as in forgot, a token
// is made for any address.
func (s *Server) resendConfirmation(r *http.Request, email string) (func(*http.Request) error, error) {
	u, err := s.opts.Service.FindUser(r.Context(), accounts.UserRef(email))
	switch {
	case accounts.ErrorCode(err) == accounts.ENotFound || err == nil && u.ConfirmedAt != nil:
		_, err := s.confirm.Make(0, email, s.opts.Now())
		return nil, err
	case err != nil:
		return nil, err
	}
	return s.confirmationSender(u, emailConfirmation)
}
