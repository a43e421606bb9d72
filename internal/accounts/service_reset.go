package accounts

import (
	"context"
	"fmt"
)

// Messages of recovery and confirmation (Flask-Security's catalogue).
const (
	MsgInvalidResetToken    = "Invalid reset password token."
	MsgInvalidConfirmToken  = "Invalid confirmation token."
	MsgPasswordReset        = "You successfully reset your password and you have been logged in automatically."
	MsgPasswordResetNoLogin = "You successfully reset your password. You can now log in with it."
)

// MsgResetRequest is PASSWORD_RESET_REQUEST for an address.
func MsgResetRequest(email string) string {
	return fmt.Sprintf("Instructions to reset your password have been sent to %s.", email)
}

// MsgConfirmationRequest is CONFIRMATION_REQUEST for an address.
func MsgConfirmationRequest(email string) string {
	return fmt.Sprintf("Confirmation instructions have been sent to %s.", email)
}

// MsgConfirmRegistration is CONFIRM_REGISTRATION for an address.
func MsgConfirmRegistration(email string) string {
	return fmt.Sprintf("Thank you. Confirmation instructions have been sent to %s.", email)
}

// MsgResetExpired is PASSWORD_RESET_EXPIRED.
func MsgResetExpired(within, email string) string {
	return fmt.Sprintf("You did not reset your password within %s. New instructions have been sent to %s.", within, email)
}

// MsgConfirmationExpired is CONFIRMATION_EXPIRED.
func MsgConfirmationExpired(within, email string) string {
	return fmt.Sprintf("You did not confirm your email within %s. New instructions to confirm your email have been sent to %s.", within, email)
}

// ResetPassword sets a new password for a user who proved control of
// their email (a reset token) and ends all their sessions. The whole
// password policy applies (Invenio's HTML reset form skipped it). Errors: EInvalid on field "password";
// EUnavailable when hashing is saturated.
func (s *Service) ResetPassword(ctx context.Context, u *User, next string) error {
	if err := s.ValidatePassword(ctx, next, u.Email, deref(u.DisplayName)); err != nil {
		return err
	}
	release, err := s.pool.acquire(ctx)
	if err != nil {
		return err
	}
	hash, err := s.hasher.Hash(next)
	release()
	if err != nil {
		return FieldError("password", err.Error())
	}
	u.Password, u.Updated = &hash, s.now()
	sids, err := s.store.UpdateUser(ctx, u, true)
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	// Whoever knew the old password is out: every session of the user ends.
	if s.ender != nil {
		if err := s.ender.EndUserSessions(ctx, u.ID, sids); err != nil {
			return fmt.Errorf("reset password: end sessions: %w", err)
		}
	}
	return nil
}
