package httpserver

import (
	"html/template"
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/totp"
)

// The setup form's actions (Flask-Security's "setup" field, plus ours).
const (
	setupAuthenticator = "authenticator"  // make a new secret and show it
	setupConfirm       = "confirm"        // the app's first code stores it
	setupDisable       = "disable"        // turn two-factor authentication off
	setupRecoveryCodes = "recovery_codes" // new recovery codes
)

// handleTwoFactorPage handles "GET <SECURITY_TWO_FACTOR_TOKEN_VALIDATION_URL>":
// the code form of a pending login.
func (s *Server) handleTwoFactorPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.pending(r)
	switch {
	case err != nil:
		s.serverError(w, r, err)
	case p == nil:
		if s.anonymousOnly(w, r) {
			return
		}
		s.loginAgain(w, r)
	case p.state == tfSetupRequired:
		s.redirect(w, r, s.set.TwoFactorSetupURL)
	default:
		s.render(w, r, http.StatusOK, "two_factor_verify", &form{})
	}
}

// handleTwoFactorValidate handles "POST
// <SECURITY_TWO_FACTOR_TOKEN_VALIDATION_URL>": form field code, a code of
// the authenticator app or a recovery code. Passing logs in and goes to the
// login's next (or SECURITY_POST_LOGIN_VIEW); a wrong code shows the form
// again (200, Flask-Security's "Invalid code").
func (s *Server) handleTwoFactorValidate(w http.ResponseWriter, r *http.Request) {
	f := postedForm(r)
	if s.formCSRFFailed(w, r, "two_factor_verify", f) {
		return
	}
	p, err := s.pending(r)
	switch {
	case err != nil:
		s.serverError(w, r, err)
		return
	case p == nil:
		if !s.anonymousOnly(w, r) {
			s.loginAgain(w, r)
		}
		return
	case p.state == tfSetupRequired:
		s.redirect(w, r, s.set.TwoFactorSetupURL)
		return
	}
	if l := s.secondFactorLimited(r, p.user); l != nil {
		s.pageLimited(w, r, "two_factor_verify", f, l)
		return
	}
	if err := s.checkSecondFactor(r, p.user, r.PostForm.Get("code")); err != nil {
		if accounts.ErrorCode(err) != accounts.EInvalid {
			s.serverError(w, r, err)
			return
		}
		f.Errors["code"] = accounts.MsgInvalidCode
		s.render(w, r, http.StatusOK, "two_factor_verify", f)
		return
	}
	if err := s.finishLogin(w, r, p); err != nil {
		s.sessionError(w, r, err)
		return
	}
	stateOf(r).sess.AddFlash("success", msgTwoFactorConfirmed)
	s.redirect(w, r, firstNonEmpty(p.next, s.set.PostLoginView))
}

// handleTwoFactorSetupPage handles "GET <SECURITY_TWO_FACTOR_SETUP_URL>":
// the status and the buttons. It never shows a secret: that only comes in
// the answer to a POST, so no other site can read it through a GET.
func (s *Server) handleTwoFactorSetupPage(w http.ResponseWriter, r *http.Request) {
	u, p, err := s.setupActor(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if u == nil {
		s.requireLogin(w, r)
		return
	}
	view, err := s.setupView(r, u, p)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if p != nil {
		stateOf(r).sess.AddFlash("info", msgTwoFactorSetUpNow)
	}
	s.renderSetup(w, r, http.StatusOK, &form{}, view)
}

// handleTwoFactorSetup handles "POST <SECURITY_TWO_FACTOR_SETUP_URL>": form
// field setup, one of "authenticator" (a new secret, shown with its QR
// code), "confirm" (with code: the app's code stores the secret and shows
// the recovery codes once), "disable" and "recovery_codes". A logged-in
// user must have given the password in the last 10 minutes (Flask-Security
// asks within SECURITY_FRESHNESS; this asks sooner, ASVS 7.5.1); during a login that requires two-factor
// authentication only the first two are open.
func (s *Server) handleTwoFactorSetup(w http.ResponseWriter, r *http.Request) {
	f := postedForm(r)
	if s.formCSRFFailed(w, r, "two_factor_setup", f) {
		return
	}
	u, p, err := s.setupActor(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if u == nil {
		s.requireLogin(w, r)
		return
	}
	action := r.PostForm.Get("setup")
	if p == nil && !s.requireFreshWithin(w, r, tfChangeWithin, s.set.TwoFactorSetupURL) {
		return
	}
	view, err := s.setupView(r, u, p)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	res, err := s.doSetup(w, r, u, p, action, r.PostForm.Get("code"))
	switch code := accounts.ErrorCode(err); {
	case code == accounts.EInvalid || code == accounts.EForbidden:
		if msg := accounts.ErrorFields(err)["code"]; msg != "" {
			f.Errors["code"] = msg
			// Show the setup under way again, unless it is not ours
			// (SECRET_KEY changed): then it starts over.
			setup, err := s.opts.Service.TOTPSetupOf(u, s.issuer(), stateOf(r).sess.Get(tfSetupKey))
			if err == nil {
				err = showSecret(view, setup)
			}
			if err != nil {
				stateOf(r).sess.Delete(tfSetupKey)
				delete(f.Errors, "code")
				f.Error = accounts.MsgTwoFactorNotSetUp
			}
		} else {
			f.Error = accounts.ErrorMessage(err)
		}
		s.renderSetup(w, r, http.StatusOK, f, view)
	case err != nil:
		s.serverError(w, r, err)
	case res.setup != nil:
		if err := showSecret(view, *res.setup); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.renderSetup(w, r, http.StatusOK, f, view)
	case res.disabled:
		stateOf(r).sess.AddFlash("success", msgTwoFactorDisabled)
		s.redirect(w, r, s.set.TwoFactorSetupURL)
	case action == setupConfirm:
		view.Enabled, view.Since = true, s.opts.Now().UTC()
		view.CodesLeft, view.Codes, view.Next = len(res.codes), res.codes, s.set.TwoFactorSetupURL
		if p != nil {
			view.Pending, view.Next = false, firstNonEmpty(p.next, s.set.PostLoginView)
		}
		stateOf(r).sess.AddFlash("success", msgTwoFactorEnabled)
		s.renderSetup(w, r, http.StatusOK, f, view)
	default: // new recovery codes
		view.Codes, view.Next = res.codes, s.set.TwoFactorSetupURL
		s.renderSetup(w, r, http.StatusOK, f, view)
	}
}

// setupView reads the user's status for the setup page.
func (s *Server) setupView(r *http.Request, u *accounts.User, p *pendingLogin) (*twoFactorSetupView, error) {
	st, err := s.opts.Service.TwoFactorStatus(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	return &twoFactorSetupView{Enabled: st.Enabled, Since: st.Since, CodesLeft: st.RecoveryCodesLeft,
		Required: s.set.TwoFactorRequired, Pending: p != nil}, nil
}

// showSecret puts a setup's QR code and secret on the page.
func showSecret(view *twoFactorSetupView, setup accounts.TOTPSetup) error {
	svg, err := totp.QRSVG(setup.URI, "QR code of the key for your authenticator app")
	if err != nil {
		return err
	}
	view.QR = template.HTML(svg) // made by totp.QRSVG, which escapes its text
	view.Secret = setup.Secret
	return nil
}

// renderSetup renders the setup page. It carries a secret or recovery
// codes at times: never stored, never sent as a referrer (render sets
// Cache-Control: no-store, the security headers Referrer-Policy).
func (s *Server) renderSetup(w http.ResponseWriter, r *http.Request, status int, f *form, view *twoFactorSetupView) {
	s.renderWith(w, r, status, "two_factor_setup", f, func(d *pageData) { d.TwoFactor = view })
}
