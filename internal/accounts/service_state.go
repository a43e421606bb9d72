package accounts

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Messages for unknown users and roles.
const (
	MsgUserNotFound = "User not found."
	MsgRoleNotFound = "Role not found."
)

// FindUser resolves a reference (a numeric id or an email, compared
// case-insensitively). ENotFound.
func (s *Service) FindUser(ctx context.Context, ref UserRef) (*User, error) {
	var (
		u   *User
		err error
	)
	if id, ok := ref.ID(); ok {
		u, err = s.store.UserByID(ctx, id)
	} else {
		u, err = s.store.UserByEmail(ctx, strings.TrimSpace(string(ref)))
	}
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(ENotFound, MsgUserNotFound)
	}
	return u, err
}

// ListUsers returns a page of users and the total.
func (s *Service) ListUsers(ctx context.Context, q UserQuery) ([]*User, int, error) {
	return s.store.ListUsers(ctx, q)
}

// stateChange mutates a loaded user and reports whether anything changed and
// whether the user's sessions must end.
type stateChange func(u *User) (changed, endSessions bool)

// Activate sets active (Invenio's activate_user): it also clears blocked_at
// and confirms an unconfirmed user. changed is true if the user was inactive.
func (s *Service) Activate(ctx context.Context, ref UserRef) (*User, bool, error) {
	return s.change(ctx, ref, func(u *User) (bool, bool) {
		was := u.Active
		now := s.now()
		u.Active, u.BlockedAt = true, nil
		if u.ConfirmedAt == nil {
			u.ConfirmedAt = &now
		}
		return !was, false
	})
}

// Deactivate clears active, blocked_at and verified_at and ends the user's
// sessions (Invenio's deactivate_user). changed is false if already inactive.
func (s *Service) Deactivate(ctx context.Context, ref UserRef) (*User, bool, error) {
	return s.change(ctx, ref, func(u *User) (bool, bool) {
		if !u.Active {
			return false, false
		}
		u.Active, u.BlockedAt, u.VerifiedAt = false, nil, nil
		return true, true
	})
}

// Block sets blocked_at, clears verified_at and active, and ends the user's
// sessions (Invenio's block_user). It always reports a change.
func (s *Service) Block(ctx context.Context, ref UserRef) (*User, bool, error) {
	return s.change(ctx, ref, func(u *User) (bool, bool) {
		now := s.now()
		u.BlockedAt, u.VerifiedAt, u.Active = &now, nil, false
		return true, true
	})
}

// Verify sets verified_at and active, clears blocked_at and confirms an
// unconfirmed user (Invenio's verify_user). Sessions are kept.
func (s *Service) Verify(ctx context.Context, ref UserRef) (*User, bool, error) {
	return s.change(ctx, ref, func(u *User) (bool, bool) {
		now := s.now()
		u.BlockedAt, u.VerifiedAt, u.Active = nil, &now, true
		if u.ConfirmedAt == nil {
			u.ConfirmedAt = &now
		}
		return true, false
	})
}

// Restore unblocks and activates a user (blocked_at NULL, active true).
func (s *Service) Restore(ctx context.Context, ref UserRef) (*User, bool, error) {
	return s.change(ctx, ref, func(u *User) (bool, bool) {
		changed := u.BlockedAt != nil || !u.Active
		u.BlockedAt, u.Active = nil, true
		return changed, false
	})
}

// change loads, mutates and saves a user, retrying when a concurrent writer
// bumped version_id in between, then ends the sessions if asked to. Each
// retry waits a random moment first, so that writers that collided do not
// collide again in step; with n writers at once, the last one may need n
// attempts.
func (s *Service) change(ctx context.Context, ref UserRef, f stateChange) (*User, bool, error) {
	const attempts = 10
	for i := 0; ; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, false, ctx.Err()
			case <-time.After(time.Duration(rand.Int64N(int64(i) * int64(time.Millisecond)))):
			}
		}
		u, err := s.FindUser(ctx, ref)
		if err != nil {
			return nil, false, err
		}
		changed, end := f(u)
		if !changed {
			return u, false, nil
		}
		u.Updated = s.now()
		sids, err := s.store.UpdateUser(ctx, u, end)
		if ErrorCode(err) == EConflict && i < attempts-1 {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("update user %d: %w", u.ID, err)
		}
		if end && s.ender != nil {
			if err := s.ender.EndUserSessions(ctx, u.ID, sids); err != nil {
				return u, true, fmt.Errorf("end sessions of user %d: %w", u.ID, err)
			}
		}
		return u, true, nil
	}
}
