package httpserver

import (
	"fmt"
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

// login makes the request's session the user's: the login is tracked
// (SECURITY_TRACKABLE: Flask-Security's login_user does it whichever way
// the login came), then a new session id (the old one is deleted), a
// session-activity row under the new derived id, and a new CSRF token, as
// Invenio's login listener does.
func (s *Server) login(w http.ResponseWriter, r *http.Request, u *accounts.User) error {
	st := stateOf(r)
	if err := s.opts.Service.TrackLogin(r.Context(), u, st.ip); err != nil {
		return err
	}
	st.sess.Login(u.ID)
	if err := s.saveSession(w, r); err != nil {
		return err
	}
	st.user, st.roles, st.userLoaded = u, nil, true
	s.renewCSRF(w, r)
	if !s.set.SessionActivityEnabled {
		return nil
	}
	now := s.opts.Now().UTC()
	a := &accounts.SessionActivity{SID: st.sess.ID(), UserID: u.ID, Created: now, Updated: now}
	if st.ip != "" {
		a.IP = &st.ip
		a.Country = s.opts.Geo.Country(st.ip)
	}
	if s.opts.Agents != nil {
		ag := s.opts.Agents.Parse(r.UserAgent())
		a.Browser, a.BrowserVersion, a.OS, a.Device = ag.Browser, ag.BrowserVersion, ag.OS, ag.Device
	}
	if err := s.opts.Activity.CreateSessionActivity(r.Context(), a); err != nil {
		return fmt.Errorf("record session activity: %w", err)
	}
	return nil
}

// logout ends the request's session: the stored session and its activity
// row are deleted and the cookie expired; a new CSRF token is issued.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	s.audit(r, eventLogout, nil, "")
	st := stateOf(r)
	if id := st.sess.ID(); id != "" && st.sess.UserID() != 0 && s.set.SessionActivityEnabled {
		if _, err := s.opts.Activity.DeleteSessionActivity(r.Context(), id); err != nil {
			return fmt.Errorf("delete session activity: %w", err)
		}
	}
	if err := s.opts.Sessions.Destroy(r.Context(), w, st.sess); err != nil {
		return err
	}
	st.user, st.roles, st.userLoaded = nil, nil, true
	s.renewCSRF(w, r)
	return nil
}

// register creates an active user from a sign-up form (a blocked email
// domain is refused), sends the welcome email and logs the user in unless
// confirmation is required first; with SECURITY_TWO_FACTOR_REQUIRED the
// login waits for the user to set up two-factor authentication (its
// tf_state is returned, see beginLogin). When it conceals taken addresses
// (concealsSignup), an address with an account gets a notice instead, and
// the answer is a new user's: no user (nil) and no error.
func (s *Server) register(w http.ResponseWriter, r *http.Request, email, password, next string) (*accounts.User, string, error) {
	if err := s.opts.Service.CheckDomain(r.Context(), email); err != nil {
		return nil, "", err
	}
	conceal := s.concealsSignup()
	u, err := s.opts.Service.CreateUser(r.Context(), accounts.NewUser{Email: email, Password: password, Active: true,
		HashWhenTaken: conceal})
	if conceal && accounts.IsEmailTaken(err) {
		return nil, "", s.signupTaken(r, email)
	}
	if err != nil {
		return nil, "", err
	}
	loginNow, err := s.afterRegister(r, u)
	if err != nil {
		// The account exists; afterRegister queues the email again in the
		// background (and the user can ask for it again).
		s.opts.Logger.Warn("welcome email not queued; trying again", "err", err)
	}
	if !loginNow {
		return u, "", nil
	}
	tf, err := s.beginLogin(w, r, u, next)
	return u, tf, err
}

// concealsSignup reports whether sign-up answers alike for a taken address
// (SECURITY_RETURN_GENERIC_RESPONSES): only possible when a new user must
// confirm the address before logging in, so that neither gets a session.
func (s *Server) concealsSignup() bool {
	return s.set.GenericResponses && s.set.Confirmable && !s.set.LoginWithoutConfirmation
}

// signupTaken answers a sign-up with an address that has an account as a
// new user's is answered (the flash of the confirmation email), and mails
// the address' owner a notice in the welcome email's place, as
// Flask-Security's generic responses do (welcome_existing).
func (s *Server) signupTaken(r *http.Request, email string) error {
	norm, _, err := accounts.NormalizeEmail(email)
	if err != nil {
		return err
	}
	stateOf(r).sess.AddFlash("success", accounts.MsgConfirmRegistration(norm))
	d := emailData{Link: s.externalURL(r, s.set.LoginURL)}
	if s.set.Recoverable {
		d.Reset = s.externalURL(r, s.set.ResetURL)
	}
	if err := s.sendEmail(r.Context(), emailWelcomeExisting, norm, d); err != nil {
		s.opts.Logger.Error("welcome_existing email not queued", "err", err)
	}
	return nil
}
