package accounts

import (
	"context"
	"fmt"
)

// Messages of password changes (Flask-Security's catalogue).
const (
	MsgInvalidPassword        = "Invalid password"
	MsgPasswordIsTheSame      = "Your new password must be different than your previous password."
	MsgPasswordChanged        = "You successfully changed your password."
	MsgRetypePasswordMismatch = "Passwords do not match"
)

// ChangePassword replaces the user's password after checking the current
// one (Flask-Security's change-password form). The caller ends the user's
// other sessions. Errors: EInvalid on field "password" (wrong current
// password, MsgInvalidPassword) or "new_password" (the same as before, or
// refused by the policy); EUnavailable when hashing is saturated; EConflict
// when the user changed meanwhile.
func (s *Service) ChangePassword(ctx context.Context, u *User, current, next string) error {
	release, err := s.pool.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	if !u.HasPassword() {
		s.hasher.DummyVerify(current)
		return FieldError("password", MsgInvalidPassword)
	}
	if ok, _ := s.hasher.Verify(current, *u.Password); !ok {
		return FieldError("password", MsgInvalidPassword)
	}
	if current == next {
		return FieldError("new_password", MsgPasswordIsTheSame)
	}
	if err := s.ValidatePassword(ctx, next, u.Email, deref(u.DisplayName)); err != nil {
		return FieldError("new_password", ErrorMessage(err))
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return FieldError("new_password", err.Error())
	}
	u.Password, u.Updated = &hash, s.now()
	if _, err := s.store.UpdateUser(ctx, u, false); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	return nil
}
