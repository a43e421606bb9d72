package accounts

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Pages of the administration: 1-based, 10 rows by default, at most 100.
const (
	DefaultPageSize = 10
	MaxPageSize     = 100
)

// Messages of the administration.
const (
	MsgUserChanged    = "The user was changed by someone else meanwhile; reload the page and try again."
	MsgUnknownAction  = "Unknown action."
	MsgBadPage        = "The page must be a number from 1."
	MsgBadSize        = "The size must be a number from 1 to 100."
	MsgSessionMissing = "Session not found."
)

// Admin actions on a user (README §6).
const (
	ActionBlock      = "block"
	ActionRestore    = "restore"
	ActionActivate   = "activate"
	ActionDeactivate = "deactivate"
	ActionVerify     = "verify"
)

// ActionEvent returns the audit event of an action.
func ActionEvent(action string) string {
	return map[string]string{ActionBlock: AuditUserBlocked, ActionRestore: AuditUserRestored,
		ActionActivate: AuditUserActivated, ActionDeactivate: AuditUserDeactivated, ActionVerify: AuditUserVerified}[action]
}

// Filters and sort orders of the user list.
const (
	FilterActive      = "active"
	FilterInactive    = "inactive"
	FilterBlocked     = "blocked"
	FilterUnconfirmed = "unconfirmed"
	FilterTwoFactor   = "two_factor"    // users with an authenticator
	FilterNoTwoFactor = "no_two_factor" // users without one
)

// UserFilters and UserSorts list the accepted values ("" is none, and id).
var (
	UserFilters = []string{FilterActive, FilterInactive, FilterBlocked, FilterUnconfirmed, FilterTwoFactor, FilterNoTwoFactor}
	UserSorts   = []string{"id", "-id", "email", "-email", "created", "-created", "last_login", "-last_login"}
)

// AdminUserQuery selects users for the administration.
type AdminUserQuery struct {
	Q      string // matches email, username or id
	Filter string // one of UserFilters, or ""
	Sort   string // one of UserSorts, or "" (id)
	Page   int    // 1-based; 0 means 1
	Size   int    // 0 means 10; at most 100
}

// Limit returns the page size.
func (q AdminUserQuery) Limit() int { return pageLimit(q.Size) }

// Offset returns the row offset of the page.
func (q AdminUserQuery) Offset() int { return pageOffset(q.Page, q.Size) }

// SessionQuery selects session-activity rows, newest first.
type SessionQuery struct {
	UserID int64 // 0: every user
	Page   int
	Size   int
}

// Limit returns the page size.
func (q SessionQuery) Limit() int { return pageLimit(q.Size) }

// Offset returns the row offset of the page.
func (q SessionQuery) Offset() int { return pageOffset(q.Page, q.Size) }

// AdminStore is what the administration reads and writes beyond Store
// (sqlstore implements it).
type AdminStore interface {
	// AdminUsers returns a page of users with their role names and
	// TwoFactorSince, and the total.
	AdminUsers(ctx context.Context, q AdminUserQuery) ([]*User, int, error)
	// SessionActivities returns a page of session rows and the total.
	SessionActivities(ctx context.Context, q SessionQuery) ([]SessionActivity, int, error)
	// DeleteUserSessionActivities deletes a user's session rows and returns
	// their sid_s.
	DeleteUserSessionActivities(ctx context.Context, userID int64) ([]string, error)
	// RoleByID returns a role. ENotFound.
	RoleByID(ctx context.Context, id string) (*Role, error)
	// UpdateRole writes r's name, description and updated where id and
	// version_id match, bumping version_id. EConflict when the version is
	// stale or the name taken; ENotFound.
	UpdateRole(ctx context.Context, r *Role) error
	// RoleUsers returns a page of the users who have a role (with their
	// role names and TwoFactorSince), and the total.
	RoleUsers(ctx context.Context, roleID string, page, size int) ([]*User, int, error)
	DomainAdminStore
	StatsStore
}

func (s *Service) adminStore() (AdminStore, error) {
	as, ok := s.raw.(AdminStore)
	if !ok {
		return nil, fmt.Errorf("admin: the store does not support the administration")
	}
	return as, nil
}

// AdminUsers returns a page of users (with their role names and
// TwoFactorSince) and the total.
// Errors: EInvalid for an unknown filter or sort, a bad page or size.
func (s *Service) AdminUsers(ctx context.Context, q AdminUserQuery) ([]*User, int, error) {
	if q.Filter != "" && !slices.Contains(UserFilters, q.Filter) {
		return nil, 0, FieldError("filter", fmt.Sprintf("Unknown filter %q.", q.Filter))
	}
	if q.Sort != "" && !slices.Contains(UserSorts, q.Sort) {
		return nil, 0, FieldError("sort", fmt.Sprintf("Unknown sort order %q.", q.Sort))
	}
	if err := checkPage(q.Page, q.Size); err != nil {
		return nil, 0, err
	}
	as, err := s.adminStore()
	if err != nil {
		return nil, 0, err
	}
	return as.AdminUsers(ctx, q)
}

// AdminUser returns a user by id with its role names and TwoFactorSince.
// ENotFound.
func (s *Service) AdminUser(ctx context.Context, id int64) (*User, error) {
	u, err := s.FindUser(ctx, UserRef(itoa(id)))
	if err != nil {
		return nil, err
	}
	roles, err := s.store.UserRoles(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("user roles: %w", err)
	}
	u.Roles = []string{}
	for _, r := range roles {
		if r.Name != "" {
			u.Roles = append(u.Roles, r.Name)
		}
	}
	if u.TwoFactorSince, err = s.twoFactorSince(ctx, u.ID); err != nil {
		return nil, err
	}
	return u, nil
}

// twoFactorSince returns when the user set up an authenticator, nil when
// they have none (or the store keeps no enrollments).
func (s *Service) twoFactorSince(ctx context.Context, userID int64) (*time.Time, error) {
	ts, ok := s.raw.(TwoFactorStore)
	if !ok {
		return nil, nil
	}
	t, err := ts.TOTP(ctx, userID)
	switch ErrorCode(err) {
	case "":
		return &t.Created, nil
	case ENotFound:
		return nil, nil
	}
	return nil, fmt.Errorf("read two-factor enrollment: %w", err)
}

// AdminAction applies an action (block, restore, activate, deactivate,
// verify) to a user. A positive version is the version_id the admin saw:
// when the user changed since, nothing is done (EConflict, MsgUserChanged),
// so that no one acts on a stale page. Concurrent actions never lose an
// update either way: each is a version-checked write, retried on a fresh
// read. Block and deactivate end the user's sessions. changed is false when
// the user already was in that state. Errors: EInvalid (MsgUnknownAction),
// ENotFound, EConflict.
func (s *Service) AdminAction(ctx context.Context, id int64, action string, version int64) (*User, bool, error) {
	ref := UserRef(itoa(id))
	apply := map[string]func(context.Context, UserRef) (*User, bool, error){
		ActionBlock: s.Block, ActionRestore: s.Restore, ActionActivate: s.Activate,
		ActionDeactivate: s.Deactivate, ActionVerify: s.Verify,
	}[action]
	if apply == nil {
		return nil, false, Errorf(EInvalid, MsgUnknownAction)
	}
	if version > 0 {
		u, err := s.FindUser(ctx, ref)
		if err != nil {
			return nil, false, err
		}
		if u.VersionID != version {
			return nil, false, Errorf(EConflict, MsgUserChanged)
		}
	}
	return apply(ctx, ref)
}

// EndUserSessions ends every session of a user at once: the session rows
// are deleted and the stored sessions (those without a row too) end on every
// node. It returns how many rows there were. ENotFound for an unknown user.
func (s *Service) EndUserSessions(ctx context.Context, id int64) (int, error) {
	if _, err := s.FindUser(ctx, UserRef(itoa(id))); err != nil {
		return 0, err
	}
	as, err := s.adminStore()
	if err != nil {
		return 0, err
	}
	sids, err := as.DeleteUserSessionActivities(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("end sessions of user %d: %w", id, err)
	}
	if s.ender != nil {
		if err := s.ender.EndUserSessions(ctx, id, sids); err != nil {
			return len(sids), fmt.Errorf("end sessions of user %d: %w", id, err)
		}
	}
	return len(sids), nil
}

// SessionActivities returns a page of session rows, newest first, and the
// total. Errors: EInvalid for a bad page or size.
func (s *Service) SessionActivities(ctx context.Context, q SessionQuery) ([]SessionActivity, int, error) {
	if err := checkPage(q.Page, q.Size); err != nil {
		return nil, 0, err
	}
	as, err := s.adminStore()
	if err != nil {
		return nil, 0, err
	}
	return as.SessionActivities(ctx, q)
}

func checkPage(page, size int) error {
	if page < 0 {
		return FieldError("page", MsgBadPage)
	}
	if size < 0 || size > MaxPageSize {
		return FieldError("size", MsgBadSize)
	}
	return nil
}

func pageLimit(size int) int {
	if size <= 0 {
		return DefaultPageSize
	}
	return min(size, MaxPageSize)
}

func pageOffset(page, size int) int {
	if page < 1 {
		return 0
	}
	return (page - 1) * pageLimit(size)
}
