package accounts

import (
	"context"
	"fmt"
	"strings"
)

// CreateRole creates a role whose id is its name, as Invenio's CLI does.
// created is false (and err nil) when a role of that name existed.
// EInvalid for an empty or over-long name.
func (s *Service) CreateRole(ctx context.Context, name, description string) (r *Role, created bool, err error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 80 || len(description) > 255 {
		return nil, false, FieldError("name", "Role names are 1 to 80 characters, descriptions at most 255.")
	}
	if r, err := s.store.RoleByName(ctx, name); err == nil {
		return r, false, nil
	} else if ErrorCode(err) != ENotFound {
		return nil, false, fmt.Errorf("create role: %w", err)
	}
	now := s.now()
	r = &Role{ID: name, Name: name, Description: description, Created: now, Updated: now,
		VersionID: 1, IsManaged: true}
	if err := s.store.CreateRole(ctx, r); err != nil {
		if ErrorCode(err) == EConflict {
			return r, false, nil
		}
		return nil, false, fmt.Errorf("create role: %w", err)
	}
	return r, true, nil
}

// ListRoles returns every role.
func (s *Service) ListRoles(ctx context.Context) ([]Role, error) { return s.store.ListRoles(ctx) }

// AddRole gives a user a role (by name). ENotFound for an unknown user or
// role, EConflict when the user has it already.
func (s *Service) AddRole(ctx context.Context, ref UserRef, roleName string) (*User, *Role, error) {
	u, r, err := s.userAndRole(ctx, ref, roleName)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.AddUserRole(ctx, u.ID, r.ID); err != nil {
		return nil, nil, err
	}
	return u, r, nil
}

// RemoveRole takes a role from a user. ENotFound for an unknown user or
// role, or when the user does not have it.
func (s *Service) RemoveRole(ctx context.Context, ref UserRef, roleName string) (*User, *Role, error) {
	u, r, err := s.userAndRole(ctx, ref, roleName)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.RemoveUserRole(ctx, u.ID, r.ID); err != nil {
		return nil, nil, err
	}
	return u, r, nil
}

// UserRoles returns the roles of a user.
func (s *Service) UserRoles(ctx context.Context, userID int64) ([]Role, error) {
	return s.store.UserRoles(ctx, userID)
}

func (s *Service) userAndRole(ctx context.Context, ref UserRef, roleName string) (*User, *Role, error) {
	u, err := s.FindUser(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.store.RoleByName(ctx, strings.TrimSpace(roleName))
	if ErrorCode(err) == ENotFound {
		return nil, nil, Errorf(ENotFound, MsgRoleNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find role: %w", err)
	}
	return u, r, nil
}
