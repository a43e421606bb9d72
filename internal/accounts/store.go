package accounts

import (
	"context"
	"time"
)

// Store is the persistence the domain needs. Implementations translate their
// driver's errors: a missing row is ENotFound, a unique violation or a stale
// version_id is EConflict.
type Store interface {
	// CreateUser inserts u (created, updated and version_id 1 set by the
	// caller) and sets u.ID. EConflict when the email or username is taken.
	CreateUser(ctx context.Context, u *User) error
	// UserByID returns the user with its login information. ENotFound.
	UserByID(ctx context.Context, id int64) (*User, error)
	// UserByEmail matches lower(email) = lower(email), so legacy
	// mixed-case rows are found. ENotFound.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns one page of users and the total count.
	ListUsers(ctx context.Context, q UserQuery) ([]*User, int, error)
	// UpdateUser writes u's password, active, confirmed_at, blocked_at and
	// verified_at, and u.Updated as updated, where id and version_id match,
	// bumping version_id (u.VersionID too). With endSessions it also
	// deletes the user's session-activity rows in the same transaction and
	// returns their sid_s. EConflict when the version is stale.
	UpdateUser(ctx context.Context, u *User, endSessions bool) (endedSIDs []string, err error)
	// RecordLogin stores a successful login in one transaction: the new
	// password hash (version-checked) when rec.NewHash is set, and the login
	// tracking row when rec.Track is set.
	RecordLogin(ctx context.Context, rec LoginRecord) error

	// CreateRole inserts r. EConflict when the name or id exists.
	CreateRole(ctx context.Context, r *Role) error
	// RoleByName returns a role. ENotFound.
	RoleByName(ctx context.Context, name string) (*Role, error)
	// ListRoles returns every role ordered by name.
	ListRoles(ctx context.Context) ([]Role, error)
	// AddUserRole links a user and a role. EConflict when already linked.
	AddUserRole(ctx context.Context, userID int64, roleID string) error
	// RemoveUserRole unlinks them. ENotFound when they were not linked.
	RemoveUserRole(ctx context.Context, userID int64, roleID string) error
	// UserRoles returns the roles of a user ordered by name.
	UserRoles(ctx context.Context, userID int64) ([]Role, error)
}

// LoginRecord is what RecordLogin writes.
type LoginRecord struct {
	User    *User
	At      time.Time
	IP      string // "" stores NULL
	Track   bool   // SECURITY_TRACKABLE
	NewHash string // a rehashed password to store, or ""
}

// PasswordHasher is the password policy the service uses
// (internal/password implements it).
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(password, stored string) (ok, needsUpdate bool)
	DummyVerify(password string)
	ValidateLength(password string) error
}

// SessionEnder ends a user's sessions everywhere (the session layer
// implements it). sids are the session-activity rows just deleted.
type SessionEnder interface {
	EndUserSessions(ctx context.Context, userID int64, sids []string) error
}

// PasswordChecker refuses passwords that are common, made of the site's
// words or of the user's own, or known to be breached (internal/pwcheck
// implements it). userInputs are the user's email address and username,
// whose words the password must not be made of. Check returns an error
// whose message is fit for the user.
type PasswordChecker interface {
	Check(ctx context.Context, password string, userInputs ...string) error
}
