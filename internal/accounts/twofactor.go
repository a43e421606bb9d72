package accounts

import (
	"context"
	"fmt"
	"time"

	"github.com/invenio-go/accounts/internal/totp"
)

// Two-factor authentication with an authenticator app (TOTP, RFC 6238) and
// single-use recovery codes, as Flask-Security's SECURITY_TWO_FACTOR with
// the "authenticator" method does. Invenio's schema has no place for it:
// the secret and the codes live in tables of our own (TwoFactorStore).

// Messages of two-factor authentication (Flask-Security's catalogue where
// it has one).
const (
	MsgInvalidCode       = "Invalid code"
	MsgTwoFactorNotSetUp = "Two-factor authentication is not set up."
)

// DefaultRecoveryCodes is how many recovery codes a user gets
// (SECURITY_MULTI_FACTOR_RECOVERY_CODES_N).
const DefaultRecoveryCodes = 10

// TOTPRecord is a user's authenticator enrollment
// (accounts_go_user_totp).
type TOTPRecord struct {
	UserID int64
	// Secret is the base32 secret sealed by the service's SecretSealer:
	// the store never sees it in the clear.
	Secret string
	// LastStep is the last time step a code was accepted for: a code of
	// that step or an earlier one is refused (a code works once).
	LastStep int64
	Created  time.Time
}

// TwoFactorStore keeps the enrollments and recovery codes (sqlstore
// implements it).
type TwoFactorStore interface {
	// TOTP returns the user's enrollment. ENotFound when there is none.
	TOTP(ctx context.Context, userID int64) (*TOTPRecord, error)
	// SetTOTP stores t, replacing the user's enrollment if any, and
	// replaces the user's recovery codes by codeHashes, in one
	// transaction.
	SetTOTP(ctx context.Context, t *TOTPRecord, codeHashes []string) error
	// DeleteTOTP removes the user's enrollment and recovery codes and
	// reports whether there was an enrollment.
	DeleteTOTP(ctx context.Context, userID int64) (bool, error)
	// AdvanceTOTPStep records step as the user's last accepted one if it
	// is greater than the stored one, atomically, and reports whether it
	// did (false: the step was used already, or there is no enrollment).
	AdvanceTOTPStep(ctx context.Context, userID, step int64) (bool, error)
	// UseRecoveryCode marks the user's unused code with this hash used,
	// atomically, and reports whether there was one.
	UseRecoveryCode(ctx context.Context, userID int64, codeHash string, at time.Time) (bool, error)
	// ReplaceRecoveryCodes replaces the user's codes. ENotFound when the
	// user has no enrollment.
	ReplaceRecoveryCodes(ctx context.Context, userID int64, codeHashes []string) error
	// RecoveryCodesLeft counts the user's unused codes.
	RecoveryCodesLeft(ctx context.Context, userID int64) (int, error)
}

// SecretSealer encrypts the TOTP secrets at rest (totp.Sealer implements
// it).
type SecretSealer interface {
	Seal(plain string) (string, error)
	Open(sealed string) (string, error)
}

// TwoFactorStatus is what a user (or an admin) sees of an enrollment.
type TwoFactorStatus struct {
	Enabled           bool
	Since             time.Time // zero when not enabled
	RecoveryCodesLeft int
}

// TOTPSetup is a new secret offered to a user, not stored until the user
// proves with a code that the app has it (EnableTOTP).
type TOTPSetup struct {
	Secret string // base32, for typing into the app
	URI    string // otpauth:// URI, for the QR code
	// Sealed is the secret sealed: what the session keeps meanwhile and
	// what EnableTOTP takes.
	Sealed string
}

func (s *Service) twoFactorStore() (TwoFactorStore, error) {
	ts, ok := s.raw.(TwoFactorStore)
	if !ok {
		return nil, fmt.Errorf("two-factor authentication: the store does not keep enrollments")
	}
	return ts, nil
}

func (s *Service) sealer() (SecretSealer, error) {
	if s.opts.Sealer == nil {
		return nil, fmt.Errorf("two-factor authentication: no secret sealer configured")
	}
	return s.opts.Sealer, nil
}

// TwoFactorStatus returns the user's enrollment status.
func (s *Service) TwoFactorStatus(ctx context.Context, userID int64) (TwoFactorStatus, error) {
	ts, err := s.twoFactorStore()
	if err != nil {
		return TwoFactorStatus{}, err
	}
	t, err := ts.TOTP(ctx, userID)
	if ErrorCode(err) == ENotFound {
		return TwoFactorStatus{}, nil
	}
	if err != nil {
		return TwoFactorStatus{}, fmt.Errorf("read two-factor enrollment: %w", err)
	}
	left, err := ts.RecoveryCodesLeft(ctx, userID)
	if err != nil {
		return TwoFactorStatus{}, fmt.Errorf("count recovery codes: %w", err)
	}
	return TwoFactorStatus{Enabled: true, Since: t.Created, RecoveryCodesLeft: left}, nil
}

// HasTwoFactor reports whether the user must give a second factor at login.
func (s *Service) HasTwoFactor(ctx context.Context, userID int64) (bool, error) {
	ts, err := s.twoFactorStore()
	if err != nil {
		return false, err
	}
	_, err = ts.TOTP(ctx, userID)
	switch ErrorCode(err) {
	case "":
		return true, nil
	case ENotFound:
		return false, nil
	}
	return false, fmt.Errorf("read two-factor enrollment: %w", err)
}

// NewTOTPSetup makes a new secret for the user's authenticator app, named
// after the issuer (SECURITY_TOTP_ISSUER) and the user's email.
func (s *Service) NewTOTPSetup(u *User, issuer string) (TOTPSetup, error) {
	sealer, err := s.sealer()
	if err != nil {
		return TOTPSetup{}, err
	}
	secret, err := totp.NewSecret()
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("new totp secret: %w", err)
	}
	sealed, err := sealer.Seal(secret)
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("seal totp secret: %w", err)
	}
	return TOTPSetup{Secret: secret, URI: totp.URI(issuer, u.Email, secret), Sealed: sealed}, nil
}

// TOTPSetupOf opens a setup made by NewTOTPSetup again (to show it once
// more after a wrong code). EInvalid when sealed is not one.
func (s *Service) TOTPSetupOf(u *User, issuer, sealed string) (TOTPSetup, error) {
	sealer, err := s.sealer()
	if err != nil {
		return TOTPSetup{}, err
	}
	secret, err := sealer.Open(sealed)
	if err != nil {
		return TOTPSetup{}, Errorf(EInvalid, MsgTwoFactorNotSetUp)
	}
	return TOTPSetup{Secret: secret, URI: totp.URI(issuer, u.Email, secret), Sealed: sealed}, nil
}

// EnableTOTP stores the setup's secret (sealed, as TOTPSetup.Sealed) as the
// user's authenticator once code proves the app has it, replacing any
// earlier enrollment, and returns the user's new recovery codes (shown
// once; only their hashes are kept). A wrong code is EInvalid with
// MsgInvalidCode.
func (s *Service) EnableTOTP(ctx context.Context, u *User, sealed, code string) ([]string, error) {
	ts, err := s.twoFactorStore()
	if err != nil {
		return nil, err
	}
	sealer, err := s.sealer()
	if err != nil {
		return nil, err
	}
	secret, err := sealer.Open(sealed)
	if err != nil {
		return nil, Errorf(EInvalid, MsgTwoFactorNotSetUp)
	}
	step, ok := totp.Match(secret, code, s.now())
	if !ok {
		return nil, Errorf(EInvalid, MsgInvalidCode)
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	// The step that proved the app is spent: the same code cannot log in.
	t := &TOTPRecord{UserID: u.ID, Secret: sealed, LastStep: step, Created: s.now()}
	if err := ts.SetTOTP(ctx, t, hashes); err != nil {
		return nil, fmt.Errorf("store two-factor enrollment: %w", err)
	}
	return codes, nil
}

// DisableTOTP removes the user's authenticator and recovery codes and
// reports whether there were any.
func (s *Service) DisableTOTP(ctx context.Context, userID int64) (bool, error) {
	ts, err := s.twoFactorStore()
	if err != nil {
		return false, err
	}
	ok, err := ts.DeleteTOTP(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("remove two-factor enrollment: %w", err)
	}
	return ok, nil
}

// NewRecoveryCodes replaces the user's recovery codes and returns the new
// ones. ENotFound with MsgTwoFactorNotSetUp when the user has no
// authenticator.
func (s *Service) NewRecoveryCodes(ctx context.Context, userID int64) ([]string, error) {
	ts, err := s.twoFactorStore()
	if err != nil {
		return nil, err
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = ts.ReplaceRecoveryCodes(ctx, userID, hashes)
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(ENotFound, MsgTwoFactorNotSetUp)
	}
	if err != nil {
		return nil, fmt.Errorf("store recovery codes: %w", err)
	}
	return codes, nil
}

func (s *Service) newRecoveryCodes() (codes, hashes []string, err error) {
	n := s.opts.RecoveryCodes
	if n <= 0 {
		n = DefaultRecoveryCodes
	}
	codes, err = totp.NewRecoveryCodes(n)
	if err != nil {
		return nil, nil, fmt.Errorf("new recovery codes: %w", err)
	}
	for _, c := range codes {
		norm, _ := totp.NormalizeRecoveryCode(c)
		hashes = append(hashes, totp.HashRecoveryCode(norm))
	}
	return codes, hashes, nil
}

// SecondFactor is how a user passed CheckSecondFactor.
type SecondFactor int

// The ways to pass the second factor.
const (
	ByAuthenticator SecondFactor = iota + 1
	ByRecoveryCode
)

// CheckSecondFactor checks a code from the user's authenticator (each
// works once, within 30 seconds either side of its time step) or one of
// the user's recovery codes (each works once). A wrong, reused or malformed
// code is EInvalid with MsgInvalidCode; a user without an authenticator
// gets the same error.
func (s *Service) CheckSecondFactor(ctx context.Context, u *User, input string) (SecondFactor, error) {
	ts, err := s.twoFactorStore()
	if err != nil {
		return 0, err
	}
	invalid := Errorf(EInvalid, MsgInvalidCode)
	if code, ok := totp.ParseCode(input); ok {
		t, err := ts.TOTP(ctx, u.ID)
		if ErrorCode(err) == ENotFound {
			return 0, invalid
		}
		if err != nil {
			return 0, fmt.Errorf("read two-factor enrollment: %w", err)
		}
		sealer, err := s.sealer()
		if err != nil {
			return 0, err
		}
		secret, err := sealer.Open(t.Secret)
		if err != nil {
			// SECRET_KEY changed since the user enrolled: an admin must
			// reset the user's two-factor authentication.
			return 0, fmt.Errorf("open totp secret of user %d: %w", u.ID, err)
		}
		step, ok := totp.Match(secret, code, s.now())
		if !ok || step <= t.LastStep {
			return 0, invalid
		}
		advanced, err := ts.AdvanceTOTPStep(ctx, u.ID, step)
		if err != nil {
			return 0, fmt.Errorf("record totp step: %w", err)
		}
		if !advanced { // another request took this code first
			return 0, invalid
		}
		return ByAuthenticator, nil
	}
	if code, ok := totp.NormalizeRecoveryCode(input); ok {
		used, err := ts.UseRecoveryCode(ctx, u.ID, totp.HashRecoveryCode(code), s.now())
		if err != nil {
			return 0, fmt.Errorf("use recovery code: %w", err)
		}
		if !used {
			return 0, invalid
		}
		return ByRecoveryCode, nil
	}
	return 0, invalid
}
