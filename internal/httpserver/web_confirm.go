package httpserver

import (
	"context"
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

// The confirmation link. Invenio confirms the address and logs the user in
// on GET /confirm/<token>, and mails new instructions for an expired link
// on GET too; so does accounts by default (handleConfirmGet), as the spec
// asks. With ACCOUNTS_CONFIRM_BY_POST, GET only reads the token and shows a
// button; the POST it makes (CSRF token, same-origin check) does what
// Invenio's GET does. So an email scanner that prefetches links, or an
// <img> on another site, changes nothing and cannot log a browser into an
// account (ASVS 3.5.3).

// endpointConfirm is Invenio's endpoint name of the link: listed in
// RATELIMIT_PER_ENDPOINT, its posts count against that limit instead of the
// general one.
const endpointConfirm = "security.confirm_email"

// confirmState is what a confirmation token is worth, read without changing
// anything.
type confirmState int

const (
	confirmValid confirmState = iota
	confirmInvalid
	confirmAlready
	confirmExpired
)

// checkConfirmToken reads a confirmation token: the user (nil when invalid)
// and the state. It changes nothing.
func (s *Server) checkConfirmToken(ctx context.Context, tok string) (*accounts.User, confirmState, error) {
	u, expired, err := s.tokenUser(ctx, s.confirm, tok, s.set.ConfirmWithin,
		func(u *accounts.User) string { return u.Email })
	switch {
	case err == errInvalidToken:
		return nil, confirmInvalid, nil
	case err != nil:
		return nil, confirmInvalid, err
	case u.ConfirmedAt != nil:
		return u, confirmAlready, nil
	case expired:
		return u, confirmExpired, nil
	}
	return u, confirmValid, nil
}

// confirmToken applies a confirmation token. It returns the confirmed user
// and EMAIL_CONFIRMED, or nil and the message of the failure (invalid,
// already confirmed, expired: new instructions are sent when resend).
func (s *Server) confirmToken(r *http.Request, tok string, resend bool) (*accounts.User, string, error) {
	u, state, err := s.checkConfirmToken(r.Context(), tok)
	if err != nil {
		return nil, "", err
	}
	return s.applyConfirmation(r, u, state, resend)
}

// applyConfirmation is confirmToken for a token already read.
func (s *Server) applyConfirmation(r *http.Request, u *accounts.User, state confirmState, resend bool) (*accounts.User, string, error) {
	switch state {
	case confirmInvalid:
		return nil, accounts.MsgInvalidConfirmToken, nil
	case confirmAlready:
		return nil, accounts.MsgAlreadyConfirmed, nil
	case confirmExpired:
		if resend {
			if err := s.sendConfirmation(r, u, emailConfirmation); err != nil {
				return nil, "", err
			}
		}
		return nil, accounts.MsgConfirmationExpired(humanDuration(s.set.ConfirmWithin), u.Email), nil
	}
	if _, err := s.opts.Service.Confirm(r.Context(), u); err != nil {
		return nil, "", err
	}
	fresh, err := s.opts.Service.FindUser(r.Context(), accounts.UserRef(itoa(u.ID)))
	if err != nil {
		return nil, "", err
	}
	s.auditConfirmed(r, fresh)
	return fresh, accounts.MsgEmailConfirmed, nil
}

// confirmForm is the confirmation page's data: the address, and whether
// the link expired (the button then asks for new instructions).
func (s *Server) confirmForm(u *accounts.User, state confirmState) *form {
	f := &form{Values: map[string]string{"within": humanDuration(s.set.ConfirmWithin)}, Errors: map[string]string{}}
	if u != nil {
		f.Values["email"] = u.Email
	}
	if state == confirmExpired {
		f.Values["expired"] = "1"
	}
	return f
}

// confirmRefused handles a link that is invalid or already used as Invenio
// does: its message flashed, a redirect to the send-confirmation page. It
// reports whether it did.
func (s *Server) confirmRefused(w http.ResponseWriter, r *http.Request, state confirmState) bool {
	sess := stateOf(r).sess
	switch state {
	case confirmInvalid:
		sess.AddFlash("error", accounts.MsgInvalidConfirmToken)
	case confirmAlready:
		sess.AddFlash("info", accounts.MsgAlreadyConfirmed) // Invenio's category
	default:
		return false
	}
	s.redirect(w, r, s.set.ConfirmURL)
	return true
}

// handleConfirmPage handles "GET /confirm/{token}": it reads the token and
// changes nothing. A valid link shows a button that posts to the same URL,
// an expired one a button that asks for new instructions; an invalid or
// used one is refused as Invenio does.
func (s *Server) handleConfirmPage(w http.ResponseWriter, r *http.Request) {
	if u, state, ok := s.usableConfirmLink(w, r); ok {
		s.render(w, r, http.StatusOK, "confirm_email", s.confirmForm(u, state))
	}
}

// usableConfirmLink reads the request's confirmation token for a GET; it
// answers (500, or Invenio's refusal of an invalid or used link) and
// returns false unless the link is valid or expired.
func (s *Server) usableConfirmLink(w http.ResponseWriter, r *http.Request) (*accounts.User, confirmState, bool) {
	u, state, err := s.checkConfirmToken(r.Context(), r.PathValue("token"))
	if err != nil {
		s.serverError(w, r, err)
		return nil, state, false
	}
	return u, state, !s.confirmRefused(w, r, state)
}

// handleConfirm handles "POST /confirm/{token}": Invenio's GET. It confirms
// and logs the user in (SECURITY_AUTO_LOGIN_AFTER_CONFIRM), never switching
// a browser logged in as someone else; an expired link mails new
// instructions (CONFIRMATION_EXPIRED).
func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	u, state, err := s.checkConfirmToken(r.Context(), r.PathValue("token"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := s.confirmForm(u, state)
	if s.formCSRFFailed(w, r, "confirm_email", f) || s.confirmRefused(w, r, state) {
		return
	}
	if l := s.confirmLimited(r, u, state); l != nil {
		s.pageLimited(w, r, "confirm_email", f, l)
		return
	}
	s.confirmAndRedirect(w, r, u, state)
}

// handleConfirmGet handles "GET /confirm/{token}" as Invenio does (unless
// ACCOUNTS_CONFIRM_BY_POST): it confirms and logs the user in at once, with
// the same messages and redirects as handleConfirm.
func (s *Server) handleConfirmGet(w http.ResponseWriter, r *http.Request) {
	if u, state, ok := s.usableConfirmLink(w, r); ok {
		s.confirmAndRedirect(w, r, u, state)
	}
}

// confirmAndRedirect applies a token read as valid or expired: it confirms
// (or mails new instructions), flashes the outcome and redirects.
func (s *Server) confirmAndRedirect(w http.ResponseWriter, r *http.Request, u *accounts.User, state confirmState) {
	confirmed, msg, err := s.applyConfirmation(r, u, state, true)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if confirmed == nil {
		stateOf(r).sess.AddFlash("error", msg)
		s.redirect(w, r, s.set.ConfirmURL)
		return
	}
	stateOf(r).sess.AddFlash("success", msg)
	s.afterConfirm(w, r, confirmed)
}

// confirmLimited checks the client's limit on the link's posts
// (RATELIMIT_PER_ENDPOINT "security.confirm_email", when listed) and, when
// the post would mail new instructions, the account's send-confirmation
// limit (ACCOUNTS_SEND_CONFIRMATION_RATELIMIT) as the resend form does.
func (s *Server) confirmLimited(r *http.Request, u *accounts.User, state confirmState) *limit {
	if l := s.checkClient(r, endpointConfirm); l != nil {
		return l
	}
	if state == confirmExpired {
		return s.checkAccount(r, s.set.SendConfirmationAccountLimit, u.Email)
	}
	return nil
}

// afterConfirm logs the confirmed user in when it may and redirects: to
// SECURITY_POST_CONFIRM_VIEW, or to the login page when it did not log in.
func (s *Server) afterConfirm(w http.ResponseWriter, r *http.Request, u *accounts.User) {
	cur, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	to := s.set.PostConfirmView
	switch {
	case cur != nil:
		// Never switch a logged-in browser to another account: a page could
		// otherwise log its visitor into an account its author made.
	case s.set.AutoLoginAfterConfirm && u.Active:
		tf, err := s.beginLogin(w, r, u, to)
		if err != nil {
			s.sessionError(w, r, err)
			return
		}
		if tf != "" { // the link proves the address, not the second factor
			to = s.tfPage(tf)
		}
	default:
		to = s.set.LoginURL
	}
	s.redirect(w, r, to)
}
