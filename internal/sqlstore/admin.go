package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/invenio-go/accounts/internal/accounts"
)

var _ accounts.AdminStore = (*DB)(nil)

// userOrder maps the admin list's sort orders to ORDER BY clauses; the id
// breaks ties so that pages never overlap.
var userOrder = map[string]string{
	"": "u.id", "id": "u.id", "-id": "u.id DESC",
	"email": "lower(u.email), u.id", "-email": "lower(u.email) DESC, u.id DESC",
	"created": "u.created, u.id", "-created": "u.created DESC, u.id DESC",
	"last_login": "l.current_login_at NULLS FIRST, u.id", "-last_login": "l.current_login_at DESC NULLS LAST, u.id DESC",
}

// AdminUsers implements accounts.AdminStore.
func (s *DB) AdminUsers(ctx context.Context, q accounts.AdminUserQuery) ([]*accounts.User, int, error) {
	uq := accounts.UserQuery{Q: q.Q}
	t, f := true, false
	switch q.Filter {
	case accounts.FilterActive:
		uq.Active = &t
	case accounts.FilterInactive:
		uq.Active = &f
	case accounts.FilterBlocked:
		uq.Blocked = &t
	}
	where, args := s.userFilter(uq)
	switch q.Filter {
	case accounts.FilterUnconfirmed:
		where = addCond(where, "u.confirmed_at IS NULL")
	case accounts.FilterTwoFactor:
		where = addCond(where, "EXISTS (SELECT 1 FROM accounts_go_user_totp t WHERE t.user_id = u.id)")
	case accounts.FilterNoTwoFactor:
		where = addCond(where, "NOT EXISTS (SELECT 1 FROM accounts_go_user_totp t WHERE t.user_id = u.id)")
	}
	order, ok := userOrder[q.Sort]
	if !ok {
		return nil, 0, accounts.FieldError("sort", "Unknown sort order.")
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts_user u`+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	args = append(args, q.Limit(), q.Offset())
	n := len(args)
	users, err := s.queryUsers(ctx, `SELECT `+userColumns+userFrom+where+` ORDER BY `+order+
		` LIMIT $`+strconv.Itoa(n-1)+` OFFSET $`+strconv.Itoa(n), args...)
	if err != nil {
		return nil, 0, err
	}
	return users, total, s.fillAdmin(ctx, users)
}

// fillAdmin sets the Roles and TwoFactorSince of each user: two queries
// whatever the page's size.
func (s *DB) fillAdmin(ctx context.Context, users []*accounts.User) error {
	if err := s.fillRoles(ctx, users); err != nil {
		return err
	}
	return s.fillTwoFactor(ctx, users)
}

// addCond adds a condition to a WHERE clause that may be empty.
func addCond(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

func (s *DB) queryUsers(ctx context.Context, q string, args ...any) ([]*accounts.User, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	users := []*accounts.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		u.Roles = []string{}
		users = append(users, u)
	}
	return users, translate(rows.Err())
}

// SessionActivities implements accounts.AdminStore.
func (s *DB) SessionActivities(ctx context.Context, q accounts.SessionQuery) ([]accounts.SessionActivity, int, error) {
	where, args := "", []any{}
	if q.UserID != 0 {
		where, args = " WHERE user_id = $1", append(args, q.UserID)
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts_user_session_activity`+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	args = append(args, q.Limit(), q.Offset())
	n := len(args)
	rows, err := s.db.QueryContext(ctx, `SELECT `+activityColumns+` FROM accounts_user_session_activity`+where+
		` ORDER BY created DESC, sid_s LIMIT $`+strconv.Itoa(n-1)+` OFFSET $`+strconv.Itoa(n), args...)
	if err != nil {
		return nil, 0, translate(err)
	}
	defer rows.Close()
	out := []accounts.SessionActivity{}
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, translate(rows.Err())
}

// DeleteUserSessionActivities implements accounts.AdminStore.
func (s *DB) DeleteUserSessionActivities(ctx context.Context, userID int64) ([]string, error) {
	var sids []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		sids, err = deleteUserSessionRows(ctx, tx, userID)
		return err
	})
	return sids, err
}

// RoleByID implements accounts.AdminStore.
func (s *DB) RoleByID(ctx context.Context, id string) (*accounts.Role, error) {
	r, err := scanRole(s.db.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM accounts_role r WHERE r.id = $1`, id))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// UpdateRole implements accounts.AdminStore.
func (s *DB) UpdateRole(ctx context.Context, r *accounts.Role) error {
	res, err := s.db.ExecContext(ctx, `UPDATE accounts_role SET name = $1, description = $2, updated = $3,
		version_id = version_id + 1 WHERE id = $4 AND version_id = $5`, r.Name, r.Description, r.Updated, r.ID, r.VersionID)
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return stale("role " + r.ID)
	}
	r.VersionID++
	return nil
}

// RoleUsers implements accounts.AdminStore. Legacy duplicate links count
// once.
func (s *DB) RoleUsers(ctx context.Context, roleID string, page, size int) ([]*accounts.User, int, error) {
	q := accounts.AdminUserQuery{Page: page, Size: size}
	const members = ` WHERE u.id IN (SELECT user_id FROM accounts_userrole WHERE role_id = $1)`
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts_user u`+members, roleID).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	users, err := s.queryUsers(ctx, `SELECT `+userColumns+userFrom+members+` ORDER BY lower(u.email), u.id
		LIMIT $2 OFFSET $3`, roleID, q.Limit(), q.Offset())
	if err != nil {
		return nil, 0, err
	}
	return users, total, s.fillAdmin(ctx, users)
}

// likeTerm is a case-insensitive LIKE pattern for a part of a value.
func likeTerm(term string) string {
	return "%" + escapeLike(strings.ToLower(strings.TrimSpace(term))) + "%"
}
