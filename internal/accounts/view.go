package accounts

import "time"

// UserView is the user object of the admin API and `accounts users list
// --json` (README §6: id, email, username, active, confirmed_at,
// verified_at, blocked_at, created, roles and login), and two_factor_since:
// when the user set up two-factor authentication, null when they have not.
type UserView struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Username    *string    `json:"username"`
	Active      bool       `json:"active"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	VerifiedAt  *time.Time `json:"verified_at"`
	BlockedAt   *time.Time `json:"blocked_at"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
	Domain      *string    `json:"domain"`
	Roles       []string   `json:"roles"`
	Login       LoginView  `json:"login"`
	// TwoFactorSince is User.TwoFactorSince: the calls that build views
	// for the administration fill it.
	TwoFactorSince *time.Time `json:"two_factor_since"`
}

// LoginView is the login information inside a UserView.
type LoginView struct {
	CurrentLoginAt *time.Time `json:"current_login_at"`
	CurrentLoginIP *string    `json:"current_login_ip"`
	LastLoginAt    *time.Time `json:"last_login_at"`
	LastLoginIP    *string    `json:"last_login_ip"`
	LoginCount     int64      `json:"login_count"`
}

// ViewOf returns the view of a user. Roles is never nil.
func ViewOf(u *User) UserView {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	l := u.Login
	return UserView{ID: u.ID, Email: u.Email, Username: u.Username, Active: u.Active,
		ConfirmedAt: u.ConfirmedAt, VerifiedAt: u.VerifiedAt, BlockedAt: u.BlockedAt,
		Created: u.Created, Updated: u.Updated, Domain: u.Domain, Roles: roles,
		Login: LoginView{CurrentLoginAt: l.CurrentLoginAt, CurrentLoginIP: l.CurrentLoginIP,
			LastLoginAt: l.LastLoginAt, LastLoginIP: l.LastLoginIP, LoginCount: l.LoginCount},
		TwoFactorSince: u.TwoFactorSince}
}
