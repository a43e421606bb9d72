package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/invenio-go/accounts/internal/accounts"
)

// CreateUser implements accounts.Store.
func (s *DB) CreateUser(ctx context.Context, u *accounts.User) error {
	err := s.db.QueryRowContext(ctx, `INSERT INTO accounts_user (email, password, active, confirmed_at,
		created, updated, version_id, profile, preferences, displayname, username, blocked_at, verified_at, domain)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		u.Email, nullable(u.Password), u.Active, nullable(u.ConfirmedAt), u.Created, u.Updated, u.VersionID,
		jsonValue(u.Profile), jsonValue(u.Preferences), nullable(u.DisplayName), nullable(u.Username),
		nullable(u.BlockedAt), nullable(u.VerifiedAt), nullable(u.Domain)).Scan(&u.ID)
	return translate(err)
}

// UserByID implements accounts.Store.
func (s *DB) UserByID(ctx context.Context, id int64) (*accounts.User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+` WHERE u.id = $1`, id))
}

// UserByEmail implements accounts.Store. The exact match (on the lower-cased
// address, as every row written since Invenio 3.4.3 is stored) uses the
// unique index; only a miss falls back to lower(email) for legacy rows.
func (s *DB) UserByEmail(ctx context.Context, email string) (*accounts.User, error) {
	email = strings.ToLower(email)
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+` WHERE u.email = $1`, email))
	if accounts.ErrorCode(err) != accounts.ENotFound {
		return u, err
	}
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+
		` WHERE lower(u.email) = $1 ORDER BY u.id LIMIT 1`, email))
}

// ListUsers implements accounts.Store.
func (s *DB) ListUsers(ctx context.Context, q accounts.UserQuery) ([]*accounts.User, int, error) {
	where, args := s.userFilter(q)
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts_user u`+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	args = append(args, q.Limit(), q.Offset())
	n := len(args)
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+userFrom+where+
		` ORDER BY u.id LIMIT $`+strconv.Itoa(n-1)+` OFFSET $`+strconv.Itoa(n), args...)
	if err != nil {
		return nil, 0, translate(err)
	}
	defer rows.Close()
	var users []*accounts.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translate(err)
	}
	if q.WithRole {
		if err := s.fillRoles(ctx, users); err != nil {
			return nil, 0, err
		}
	}
	if q.WithTwoFactor {
		if err := s.fillTwoFactor(ctx, users); err != nil {
			return nil, 0, err
		}
	}
	return users, total, nil
}

func (s *DB) userFilter(q accounts.UserQuery) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if term := strings.TrimSpace(q.Q); term != "" {
		like := arg("%" + escapeLike(strings.ToLower(term)) + "%")
		c := "(lower(u.email) " + s.dialect.like + " " + like + ` ESCAPE '\' OR u.username ` +
			s.dialect.like + " " + like + ` ESCAPE '\'`
		if id, err := strconv.ParseInt(term, 10, 32); err == nil {
			c += " OR u.id = " + arg(id)
		}
		conds = append(conds, c+")")
	}
	if q.Active != nil {
		conds = append(conds, "COALESCE(u.active, "+s.falseLit()+") = "+arg(*q.Active))
	}
	if q.Blocked != nil {
		if *q.Blocked {
			conds = append(conds, "u.blocked_at IS NOT NULL")
		} else {
			conds = append(conds, "u.blocked_at IS NULL")
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func (s *DB) falseLit() string {
	if s.dialect.name == Postgres {
		return "false"
	}
	return "0"
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UpdateUser implements accounts.Store.
func (s *DB) UpdateUser(ctx context.Context, u *accounts.User, endSessions bool) ([]string, error) {
	var sids []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts_user SET password = $1, active = $2, confirmed_at = $3,
			blocked_at = $4, verified_at = $5, updated = $6, version_id = version_id + 1
			WHERE id = $7 AND version_id = $8`,
			nullable(u.Password), u.Active, nullable(u.ConfirmedAt), nullable(u.BlockedAt),
			nullable(u.VerifiedAt), u.Updated, u.ID, u.VersionID)
		if err != nil {
			return translate(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return stale("user " + strconv.FormatInt(u.ID, 10))
		}
		if endSessions {
			sids, err = deleteUserSessionRows(ctx, tx, u.ID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	u.VersionID++
	return sids, nil
}

func deleteUserSessionRows(ctx context.Context, tx *sql.Tx, userID int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT sid_s FROM accounts_user_session_activity WHERE user_id = $1`, userID)
	if err != nil {
		return nil, translate(err)
	}
	var sids []string
	for rows.Next() {
		var sid string
		if err := rows.Scan(&sid); err != nil {
			rows.Close()
			return nil, err
		}
		sids = append(sids, sid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM accounts_user_session_activity WHERE user_id = $1`, userID)
	return sids, translate(err)
}
