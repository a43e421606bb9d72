package accounts

import (
	"context"
	"fmt"
	"strings"
)

// Login messages. Unknown users, users without a password and wrong
// passwords get the same message (Invenio tells them apart, which lets
// anyone enumerate accounts; see docs/security.md).
const (
	MsgInvalidCredentials   = "Invalid email or password."
	MsgDisabledAccount      = "Account is disabled."
	MsgConfirmationRequired = "Email requires confirmation."
	MsgPasswordNotProvided  = "Password not provided"
)

// LoginAttempt is the input of Authenticate.
type LoginAttempt struct {
	Email    string
	Password string
	IP       string // the trusted client address, or ""
	// DeferTracking leaves the login tracking to the caller (TrackLogin),
	// which records it when the session starts: after a second factor,
	// if one follows. The hash upgrade is still done.
	DeferTracking bool
}

// Authenticate checks an email and password as Flask-Security's login form
// does and records the login (tracking, unless deferred, and an upgraded
// hash when the stored one is deprecated or has fewer rounds than
// configured) in one transaction.
//
// Errors: EInvalid for missing fields; EUnauthorized (MsgInvalidCredentials)
// for an unknown email, no stored password or a wrong password, each after a
// full-cost verification; EForbidden (MsgConfirmationRequired,
// MsgDisabledAccount) only after a correct password.
func (s *Service) Authenticate(ctx context.Context, in LoginAttempt) (*User, error) {
	if strings.TrimSpace(in.Email) == "" {
		return nil, FieldError("email", MsgEmailNotProvided)
	}
	if in.Password == "" {
		return nil, FieldError("password", MsgPasswordNotProvided)
	}
	release, err := s.pool.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(in.Email))
	switch {
	case ErrorCode(err) == ENotFound:
		s.hasher.DummyVerify(in.Password)
		return nil, invalidCredentials()
	case err != nil:
		return nil, fmt.Errorf("authenticate: %w", err)
	case !u.HasPassword():
		s.hasher.DummyVerify(in.Password)
		return nil, invalidCredentials()
	}
	ok, needsUpdate := s.hasher.Verify(in.Password, *u.Password)
	if !ok {
		return nil, invalidCredentials()
	}
	if !s.opts.LoginWithoutConfirmation && u.ConfirmedAt == nil {
		return nil, Errorf(EForbidden, MsgConfirmationRequired)
	}
	if !u.Active {
		return nil, Errorf(EForbidden, MsgDisabledAccount)
	}
	rec := LoginRecord{User: u, At: s.now(), IP: in.IP, Track: s.opts.Trackable && !in.DeferTracking}
	if needsUpdate {
		if rec.NewHash, err = s.hasher.Hash(in.Password); err != nil {
			return nil, fmt.Errorf("rehash: %w", err)
		}
	}
	if !rec.Track && rec.NewHash == "" {
		return u, nil // nothing to write
	}
	if err := s.store.RecordLogin(ctx, rec); err != nil {
		return nil, fmt.Errorf("record login: %w", err)
	}
	return u, nil
}

func invalidCredentials() error {
	return &Error{Code: EUnauthorized, Message: MsgInvalidCredentials,
		Fields: map[string]string{"password": MsgInvalidCredentials}}
}

// TrackLogin records a login that Authenticate did not (an automatic login
// after sign-up, a confirmation or a reset, or a login whose tracking was
// deferred to the start of its session), as Flask-Security's login_user
// does.
func (s *Service) TrackLogin(ctx context.Context, u *User, ip string) error {
	if !s.opts.Trackable {
		return nil
	}
	if err := s.store.RecordLogin(ctx, LoginRecord{User: u, At: s.now(), IP: ip, Track: true}); err != nil {
		return fmt.Errorf("record login: %w", err)
	}
	return nil
}

// VerifyPassword checks the password of a logged-in user who is asked to
// authenticate again (Flask-Security's verify step). It records no login.
//
// Errors: EInvalid (MsgPasswordNotProvided on "password") for an empty
// password; EUnauthorized (MsgInvalidCredentials, the login form's message)
// for a wrong password or none stored, each after a full-cost verification;
// EUnavailable when hashing is saturated.
func (s *Service) VerifyPassword(ctx context.Context, u *User, password string) error {
	if password == "" {
		return FieldError("password", MsgPasswordNotProvided)
	}
	release, err := s.pool.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	if !u.HasPassword() {
		s.hasher.DummyVerify(password)
		return invalidCredentials()
	}
	if ok, _ := s.hasher.Verify(password, *u.Password); !ok {
		return invalidCredentials()
	}
	return nil
}
