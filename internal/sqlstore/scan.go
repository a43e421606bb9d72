package sqlstore

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

// userColumns is the select list every user query scans with scanUser.
const userColumns = `u.id, u.email, u.password, u.active, u.confirmed_at, u.blocked_at, u.verified_at,
	u.created, u.updated, u.version_id, u.profile, u.preferences, u.displayname, u.username, u.domain,
	l.current_login_at, l.current_login_ip, l.last_login_at, l.last_login_ip, l.login_count`

const userFrom = ` FROM accounts_user u LEFT JOIN accounts_user_login_information l ON l.user_id = u.id`

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(row rowScanner) (*accounts.User, error) {
	var (
		u                                     accounts.User
		email, password, profile, preferences sql.NullString
		displayName, username, domain         sql.NullString
		active                                sql.NullBool
		confirmed, blocked, verified          sql.NullTime
		curAt, lastAt                         sql.NullTime
		curIP, lastIP                         sql.NullString
		count                                 sql.NullInt64
	)
	err := row.Scan(&u.ID, &email, &password, &active, &confirmed, &blocked, &verified,
		&u.Created, &u.Updated, &u.VersionID, &profile, &preferences, &displayName, &username, &domain,
		&curAt, &curIP, &lastAt, &lastIP, &count)
	if err != nil {
		return nil, translate(err)
	}
	u.Email, u.Active = email.String, active.Bool
	u.Password, u.DisplayName, u.Username, u.Domain = str(password), str(displayName), str(username), str(domain)
	u.ConfirmedAt, u.BlockedAt, u.VerifiedAt = tm(confirmed), tm(blocked), tm(verified)
	u.Created, u.Updated = u.Created.UTC(), u.Updated.UTC()
	u.Profile, u.Preferences = raw(profile), raw(preferences)
	u.Login = accounts.LoginInfo{CurrentLoginAt: tm(curAt), CurrentLoginIP: str(curIP),
		LastLoginAt: tm(lastAt), LastLoginIP: str(lastIP), LoginCount: count.Int64}
	return &u, nil
}

func str(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func tm(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func raw(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// nullable returns a driver value: nil for a nil pointer.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// jsonValue returns the JSON text, or nil for SQL NULL.
func jsonValue(r json.RawMessage) any {
	if r == nil {
		return nil
	}
	return string(r)
}
