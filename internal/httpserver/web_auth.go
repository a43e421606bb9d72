package httpserver

import (
	"net/http"
	"strings"

	"github.com/invenio-go/accounts/internal/accounts"
)

// Messages of the HTML pages (Flask-Security's catalogue).
const (
	msgInvalidRedirect = "Redirections outside the domain are forbidden"
)

// handleHome handles "GET /": a minimal home page.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", nil)
}

// anonymousOnly redirects a logged-in user (Flask-Security's
// anonymous_user_required) and reports whether it did.
func (s *Server) anonymousOnly(w http.ResponseWriter, r *http.Request) bool {
	u, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return true
	}
	if u != nil {
		s.redirect(w, r, s.set.PostLoginView)
		return true
	}
	return false
}

// handleLoginPage handles "GET /login/".
func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if s.anonymousOnly(w, r) {
		return
	}
	f := &form{Values: map[string]string{"next": safeNext(r.URL.Query().Get("next"))}}
	s.render(w, r, http.StatusOK, "login_user", f)
}

// handleLogin handles "POST /login/": Invenio's form and order of checks;
// a failure re-renders the form (200; 400 for a CSRF failure), a success
// logs in and redirects to next or SECURITY_POST_LOGIN_VIEW.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !s.set.LocalLoginEnabled {
		http.NotFound(w, r)
		return
	}
	if s.anonymousOnly(w, r) {
		return
	}
	f := postedForm(r, "email", "next")
	if s.formCSRFFailed(w, r, "login_user", f) {
		return
	}
	next, ok := formNext(r, f)
	if !ok {
		s.render(w, r, http.StatusOK, "login_user", f)
		return
	}
	if l := s.loginLimited(r, r.PostForm.Get("email"), nil); l != nil {
		s.pageLimited(w, r, "login_user", f, l)
		return
	}
	u, err := s.opts.Service.Authenticate(r.Context(), accounts.LoginAttempt{
		Email: r.PostForm.Get("email"), Password: r.PostForm.Get("password"), IP: stateOf(r).ip,
		DeferTracking: true}) // tracked when the session starts (login)
	s.countLogin(err)
	s.loginFailed(r, r.PostForm.Get("email"), nil, err)
	if err != nil {
		s.auditLoginFailed(r, r.PostForm.Get("email"), err)
		s.passwordFormError(w, r, "login_user", f, err)
		return
	}
	tf, err := s.beginPasswordLogin(w, r, u, next)
	if err != nil {
		s.sessionError(w, r, err)
		return
	}
	s.countStarted(tf)
	if tf != "" {
		s.redirect(w, r, s.tfPage(tf))
		return
	}
	s.setDeviceCookie(w, u)
	s.redirect(w, r, firstNonEmpty(next, s.set.PostLoginView))
}

// handleLogoutPage handles "GET /logout/": a confirmation form (logging out
// by GET would let any page log a user out).
func (s *Server) handleLogoutPage(w http.ResponseWriter, r *http.Request) {
	u, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if u == nil {
		s.redirect(w, r, s.set.PostLogoutView)
		return
	}
	f := &form{Values: map[string]string{"next": safeNext(r.URL.Query().Get("next"))}}
	s.render(w, r, http.StatusOK, "logout_user", f)
}

// handleLogout handles "POST /logout/".
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	f := postedForm(r, "next")
	if st := stateOf(r); st.csrfErr != "" {
		if u, _ := s.currentUser(r); u != nil {
			f.Error = st.csrfErr
			s.render(w, r, http.StatusBadRequest, "logout_user", f)
			return
		}
	}
	if err := s.logout(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	s.redirect(w, r, firstNonEmpty(safeNext(f.Value("next")), s.set.PostLogoutView))
}

// handleSignupPage handles "GET /signup/".
func (s *Server) handleSignupPage(w http.ResponseWriter, r *http.Request) {
	if s.anonymousOnly(w, r) {
		return
	}
	f := &form{Values: map[string]string{"next": safeNext(r.URL.Query().Get("next"))}}
	s.render(w, r, http.StatusOK, "register_user", f)
}

// recaptchaPage adds the widget's key and allows Google's script and frame
// on a page that shows it.
func (s *Server) recaptchaPage(w http.ResponseWriter, d *pageData) {
	if s.recaptchaOn() {
		d.RecaptchaKey = s.set.RecaptchaPublicKey
		w.Header().Set("Content-Security-Policy", recaptchaCSP)
	}
}

// handleSignup handles "POST /signup/": Flask-Security's
// ConfirmRegisterForm; the new user is active and logged in
// (SECURITY_LOGIN_WITHOUT_CONFIRMATION).
func (s *Server) handleSignup(w http.ResponseWriter, r *http.Request) {
	if s.anonymousOnly(w, r) {
		return
	}
	f := postedForm(r, "email", "next")
	if s.formCSRFFailed(w, r, "register_user", f) {
		return
	}
	next, ok := formNext(r, f)
	if !ok {
		s.render(w, r, http.StatusOK, "register_user", f)
		return
	}
	if l := s.checkClient(r, endpointRegister); l != nil {
		s.pageLimited(w, r, "register_user", f, l)
		return
	}
	if msg := s.verifyRecaptcha(r.Context(), r.PostForm.Get(recaptchaField), stateOf(r).ip); msg != "" {
		f.Errors[recaptchaField] = msg
		s.render(w, r, http.StatusOK, "register_user", f)
		return
	}
	_, tf, err := s.register(w, r, r.PostForm.Get("email"), r.PostForm.Get("password"), next)
	if err != nil {
		if accounts.ErrorCode(err) == accounts.EInternal {
			s.serverError(w, r, err)
			return
		}
		setFormError(f, err)
		s.render(w, r, http.StatusOK, "register_user", f)
		return
	}
	if tf != "" {
		s.redirect(w, r, s.tfPage(tf))
		return
	}
	s.redirect(w, r, firstNonEmpty(next, s.set.PostRegisterView))
}

// postedForm returns the submitted values worth showing again (never a
// password).
func postedForm(r *http.Request, keep ...string) *form {
	f := &form{Values: map[string]string{}, Errors: map[string]string{}}
	for _, k := range keep {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	return f
}

// formCSRFFailed re-renders the page with the CSRF failure (400).
func (s *Server) formCSRFFailed(w http.ResponseWriter, r *http.Request, page string, f *form) bool {
	msg := stateOf(r).csrfErr
	if msg == "" {
		return false
	}
	f.Error = msg
	s.render(w, r, http.StatusBadRequest, page, f)
	return true
}

// formNext validates the form's next (or ?next): an unsafe value is the
// INVALID_REDIRECT form error.
func formNext(r *http.Request, f *form) (string, bool) {
	raw := firstNonEmpty(r.PostForm.Get("next"), r.URL.Query().Get("next"))
	if raw == "" {
		return "", true
	}
	next := safeNext(raw)
	if next == "" {
		// Flask-Security flashes the message and fails the form on "next".
		stateOf(r).sess.AddFlash("error", msgInvalidRedirect)
		f.Values["next"] = ""
		f.Errors["next"] = msgInvalidRedirect
		return "", false
	}
	return next, true
}

// setFormError puts a domain error on the form.
func setFormError(f *form, err error) {
	fields := accounts.ErrorFields(err)
	for k, v := range fields {
		f.Errors[k] = v
	}
	if len(fields) == 0 {
		f.Error = accounts.ErrorMessage(err)
	}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// passwordFormError answers a form whose password check failed (login,
// verify): the page again with the message (a wrong password is about the
// email and the password together: a form error), 503 with Retry-After
// when hashing or the database is unavailable, 500 for anything else.
func (s *Server) passwordFormError(w http.ResponseWriter, r *http.Request, page string, f *form, err error) {
	status := http.StatusOK
	switch accounts.ErrorCode(err) {
	case accounts.EInternal:
		s.serverError(w, r, err)
		return
	case accounts.EUnauthorized:
		f.Error = accounts.ErrorMessage(err)
	case accounts.EUnavailable:
		if s.clientGone(w, r, err) {
			return
		}
		f.Error, status = accounts.ErrorMessage(err), http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "1")
	default:
		setFormError(f, err)
	}
	s.render(w, r, status, page, f)
}
