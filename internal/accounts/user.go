package accounts

import (
	"encoding/json"
	"strconv"
	"time"
)

// User is a row of accounts_user with its login information.
//
// Nullable columns are pointers. Active is nullable in Invenio's schema; a
// NULL reads as false.
type User struct {
	ID          int64
	Email       string  // lower-cased for every row we write; legacy rows may be mixed case
	Password    *string // passlib hash string; nil for external-login-only users
	Active      bool
	ConfirmedAt *time.Time
	BlockedAt   *time.Time
	VerifiedAt  *time.Time
	Created     time.Time
	Updated     time.Time
	VersionID   int64           // SQLAlchemy's optimistic-lock counter
	Profile     json.RawMessage // JSON object or nil (SQL NULL)
	Preferences json.RawMessage // JSON object or nil (SQL NULL)
	DisplayName *string         // the username as typed
	Username    *string         // lower(username)
	Domain      *string         // lower-cased email domain
	Login       LoginInfo
	Roles       []string // role names, filled by the calls that say so
	// TwoFactorSince is when the user set up an authenticator app, nil
	// when they have none; filled by the calls that say so.
	TwoFactorSince *time.Time
}

// LoginInfo is a row of accounts_user_login_information (zero when absent).
type LoginInfo struct {
	CurrentLoginAt *time.Time
	CurrentLoginIP *string
	LastLoginAt    *time.Time
	LastLoginIP    *string
	LoginCount     int64
}

// IsBlocked reports whether the user is blocked (blocked_at set).
func (u *User) IsBlocked() bool { return u.BlockedAt != nil }

// IsConfirmed reports whether the user confirmed their email.
func (u *User) IsConfirmed() bool { return u.ConfirmedAt != nil }

// HasPassword reports whether a password hash is stored.
func (u *User) HasPassword() bool { return u.Password != nil && *u.Password != "" }

// Role is a row of accounts_role.
type Role struct {
	ID          string // the name for roles we create (as Invenio's CLI does)
	Name        string
	Description string
	Created     time.Time
	Updated     time.Time
	VersionID   int64
	IsManaged   bool
}

// String renders a role as Invenio does: "name - description".
func (r Role) String() string { return r.Name + " - " + r.Description }

// UserQuery selects users for listings.
type UserQuery struct {
	Q             string // matches email, username or id
	Active        *bool
	Blocked       *bool
	Page          int // 1-based; 0 means 1
	Size          int // 0 means 10
	OrderBy       string
	WithRole      bool // fill User.Roles
	WithTwoFactor bool // fill User.TwoFactorSince
}

// Offset returns the row offset of the query's page.
func (q UserQuery) Offset() int {
	if q.Page < 1 {
		return 0
	}
	return (q.Page - 1) * q.Limit()
}

// Limit returns the page size (default 10, at most 1000).
func (q UserQuery) Limit() int {
	switch {
	case q.Size <= 0:
		return 10
	case q.Size > 1000:
		return 1000
	}
	return q.Size
}

// UserRef is how commands name a user: an email or a numeric id.
type UserRef string

// ID returns the numeric id when the reference is one.
func (r UserRef) ID() (int64, bool) {
	id, err := strconv.ParseInt(string(r), 10, 64)
	return id, err == nil && id > 0
}
