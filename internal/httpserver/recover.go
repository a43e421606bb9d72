package httpserver

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/token"
)

// The links of the emails: Invenio's routes.
func (s *Server) confirmLink(r *http.Request, tok string) string {
	return s.externalURL(r, s.set.ConfirmURL+"/"+url.PathEscape(tok))
}

func (s *Server) resetLink(r *http.Request, tok string) string {
	return s.externalURL(r, s.set.ResetURL+url.PathEscape(tok)+"/")
}

// sendConfirmation mails confirmation instructions (or, after sign-up, the
// welcome email with the link).
func (s *Server) sendConfirmation(r *http.Request, u *accounts.User, name string) error {
	send, err := s.confirmationSender(u, name)
	if err != nil {
		return err
	}
	return send(r)
}

// confirmationSender makes u's confirmation token and returns the sending
// of the email that carries it.
func (s *Server) confirmationSender(u *accounts.User, name string) (func(*http.Request) error, error) {
	tok, err := s.confirm.Make(u.ID, u.Email, s.opts.Now())
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) error {
		return s.sendEmail(r.Context(), name, u.Email, emailData{Link: s.confirmLink(r, tok), Within: humanDuration(s.set.ConfirmWithin)})
	}, nil
}

// sendResetInstructions mails a reset link bound to the current password
// hash (so it works once).
func (s *Server) sendResetInstructions(r *http.Request, u *accounts.User) error {
	send, err := s.resetSender(u)
	if err != nil {
		return err
	}
	return send(r)
}

// resetSender makes u's reset token and returns the sending of the email
// that carries it.
func (s *Server) resetSender(u *accounts.User) (func(*http.Request) error, error) {
	tok, err := s.reset.Make(u.ID, deref(u.Password), s.opts.Now())
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) error {
		return s.sendEmail(r.Context(), emailReset, u.Email, emailData{Link: s.resetLink(r, tok), Within: humanDuration(s.set.ResetWithin)})
	}, nil
}

// afterRegister sends the welcome email (with the confirmation link when
// confirmation is on) and says whether the new user may be logged in.
func (s *Server) afterRegister(r *http.Request, u *accounts.User) (loginNow bool, err error) {
	if s.set.SendRegisterEmail {
		if s.set.Confirmable {
			stateOf(r).sess.AddFlash("success", accounts.MsgConfirmRegistration(u.Email))
		}
		if err = s.sendWelcome(r, u); err != nil {
			// The account exists: its email must not be lost to a
			// moment's fault of the database.
			s.queueAgain(r, emailWelcome, func(r *http.Request) error { return s.sendWelcome(r, u) })
		}
	}
	return !s.set.Confirmable || s.set.LoginWithoutConfirmation, err
}

// sendWelcome queues the welcome email of a new user: with the
// confirmation link when SECURITY_CONFIRMABLE is on.
func (s *Server) sendWelcome(r *http.Request, u *accounts.User) error {
	if s.set.Confirmable {
		return s.sendConfirmation(r, u, emailWelcome)
	}
	return s.sendEmail(r.Context(), emailWelcome, u.Email, emailData{})
}

// tokenUser reads a token and loads its user, checking that the token was
// bound to data(user). The user is returned with an expired token too.
func (s *Server) tokenUser(ctx context.Context, at *token.AccountTokens, tok string, within time.Duration, data func(*accounts.User) string) (*accounts.User, bool, error) {
	claim, err := at.Read(tok, within, s.opts.Now())
	expired := errors.Is(err, token.ErrExpired)
	if err != nil && !expired {
		return nil, false, errInvalidToken
	}
	u, err := s.opts.Service.FindUser(ctx, accounts.UserRef(itoa(claim.UserID)))
	if accounts.ErrorCode(err) == accounts.ENotFound {
		return nil, false, errInvalidToken
	}
	if err != nil {
		return nil, false, err
	}
	if !claim.Matches(data(u)) {
		return nil, false, errInvalidToken
	}
	return u, expired, nil
}

var errInvalidToken = errors.New("invalid token")
