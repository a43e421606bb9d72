package accounts

import (
	"context"
	"fmt"
	"strings"
)

// Messages about roles in the administration.
const (
	MsgRoleChanged = "The role was changed by someone else meanwhile; reload the page and try again."
	MsgRoleExists  = "A role of that name exists already."
	MsgRoleName    = "Role names are 1 to 80 characters, descriptions at most 255."
)

// RoleByID returns a role by id. ENotFound (MsgRoleNotFound).
func (s *Service) RoleByID(ctx context.Context, id string) (*Role, error) {
	as, err := s.adminStore()
	if err != nil {
		return nil, err
	}
	r, err := as.RoleByID(ctx, id)
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(ENotFound, MsgRoleNotFound)
	}
	return r, err
}

// UpdateRole renames a role and sets its description. version is the
// version_id the admin saw (0: do not check). Links to users are by id, so
// they follow a rename. Errors: EInvalid, ENotFound, EConflict
// (MsgRoleChanged, MsgRoleExists).
func (s *Service) UpdateRole(ctx context.Context, id, name, description string, version int64) (*Role, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 80 || len(description) > 255 {
		return nil, FieldError("name", MsgRoleName)
	}
	r, err := s.RoleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if version > 0 && r.VersionID != version {
		return nil, Errorf(EConflict, MsgRoleChanged)
	}
	if other, err := s.store.RoleByName(ctx, name); err == nil && other.ID != r.ID {
		return nil, FieldError("name", MsgRoleExists)
	} else if err != nil && ErrorCode(err) != ENotFound {
		return nil, fmt.Errorf("update role: %w", err)
	}
	r.Name, r.Description, r.Updated = name, description, s.now()
	as, _ := s.adminStore()
	err = as.UpdateRole(ctx, r)
	s.usersChanged(ctx) // the role is in its users' payloads
	if err != nil {
		if ErrorCode(err) == EConflict && strings.HasPrefix(ErrorMessage(err), "duplicate value") {
			return nil, FieldError("name", MsgRoleExists)
		}
		if ErrorCode(err) == EConflict {
			return nil, Errorf(EConflict, MsgRoleChanged)
		}
		return nil, fmt.Errorf("update role: %w", err)
	}
	return r, nil
}

// RoleUsers returns a page of the users who have the role, and the total.
// Errors: EInvalid for a bad page or size.
func (s *Service) RoleUsers(ctx context.Context, roleID string, page, size int) ([]*User, int, error) {
	if err := checkPage(page, size); err != nil {
		return nil, 0, err
	}
	as, err := s.adminStore()
	if err != nil {
		return nil, 0, err
	}
	return as.RoleUsers(ctx, roleID, page, size)
}
