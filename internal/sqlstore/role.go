package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/invenio-go/accounts/internal/accounts"
)

const roleColumns = `r.id, r.name, r.description, r.created, r.updated, r.version_id, r.is_managed`

func scanRole(row rowScanner) (accounts.Role, error) {
	var (
		r          accounts.Role
		name, desc sql.NullString
	)
	if err := row.Scan(&r.ID, &name, &desc, &r.Created, &r.Updated, &r.VersionID, &r.IsManaged); err != nil {
		return r, translate(err)
	}
	r.Name, r.Description = name.String, desc.String
	r.Created, r.Updated = r.Created.UTC(), r.Updated.UTC()
	return r, nil
}

// CreateRole implements accounts.Store.
func (s *DB) CreateRole(ctx context.Context, r *accounts.Role) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO accounts_role (id, name, description, created, updated,
		version_id, is_managed) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.ID, r.Name, r.Description, r.Created, r.Updated, r.VersionID, r.IsManaged)
	return translate(err)
}

// RoleByName implements accounts.Store.
func (s *DB) RoleByName(ctx context.Context, name string) (*accounts.Role, error) {
	r, err := scanRole(s.db.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM accounts_role r WHERE r.name = $1`, name))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ListRoles implements accounts.Store.
func (s *DB) ListRoles(ctx context.Context) ([]accounts.Role, error) {
	return s.queryRoles(ctx, `SELECT `+roleColumns+` FROM accounts_role r ORDER BY r.name, r.id`)
}

// UserRoles implements accounts.Store. Legacy duplicate links count once.
func (s *DB) UserRoles(ctx context.Context, userID int64) ([]accounts.Role, error) {
	return s.queryRoles(ctx, `SELECT `+roleColumns+` FROM accounts_role r WHERE r.id IN
		(SELECT role_id FROM accounts_userrole WHERE user_id = $1) ORDER BY r.name, r.id`, userID)
}

func (s *DB) queryRoles(ctx context.Context, query string, args ...any) ([]accounts.Role, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var roles []accounts.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		roles = append(roles, r)
	}
	return roles, translate(rows.Err())
}

// usersByID indexes a page of users by id, and returns the list of
// placeholders ("$1, $2, ...") and arguments for "user_id IN (...)": the
// fill queries read the page's rows only (a page sorted by email may span
// every id).
func usersByID(users []*accounts.User) (byID map[int64]*accounts.User, in string, args []any) {
	byID = make(map[int64]*accounts.User, len(users))
	var b strings.Builder
	for _, u := range users {
		if _, dup := byID[u.ID]; dup {
			continue
		}
		byID[u.ID] = u
		if len(args) > 0 {
			b.WriteString(", ")
		}
		args = append(args, u.ID)
		b.WriteString("$" + strconv.Itoa(len(args)))
	}
	return byID, b.String(), args
}

// fillRoles sets the Roles of each user with one query.
func (s *DB) fillRoles(ctx context.Context, users []*accounts.User) error {
	if len(users) == 0 {
		return nil
	}
	byID, in, args := usersByID(users)
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT ur.user_id, r.name FROM accounts_userrole ur
		JOIN accounts_role r ON r.id = ur.role_id WHERE ur.user_id IN (`+in+`) AND r.name IS NOT NULL
		ORDER BY ur.user_id, r.name`, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		if u := byID[id]; u != nil {
			u.Roles = append(u.Roles, name)
		}
	}
	return translate(rows.Err())
}

// AddUserRole implements accounts.Store. accounts_userrole has no unique
// constraint, so the check and the insert run under a lock on the user row
// (PostgreSQL) or the database write lock (SQLite).
func (s *DB) AddUserRole(ctx context.Context, userID int64, roleID string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts_userrole (user_id, role_id) SELECT CAST($1 AS INTEGER), CAST($2 AS VARCHAR(80))
			WHERE NOT EXISTS (SELECT 1 FROM accounts_userrole WHERE user_id = $1 AND role_id = $2)`, userID, roleID)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return accounts.Errorf(accounts.EConflict, "The user already has this role.")
		}
		return nil
	})
}

func (s *DB) lockUser(ctx context.Context, tx *sql.Tx, userID int64) error {
	q := `SELECT id FROM accounts_user WHERE id = $1`
	if s.dialect.name == Postgres {
		q += ` FOR UPDATE`
	}
	var id int64
	return translate(tx.QueryRowContext(ctx, q, userID).Scan(&id))
}

// RemoveUserRole implements accounts.Store.
func (s *DB) RemoveUserRole(ctx context.Context, userID int64, roleID string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM accounts_userrole WHERE user_id = $1 AND role_id = $2`, userID, roleID)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return accounts.Errorf(accounts.ENotFound, "Cannot remove role from user.")
	}
	return nil
}
