package sqlstore

import (
	"context"
	"database/sql"

	"github.com/invenio-go/accounts/internal/accounts"
)

// RecordLogin implements accounts.Store. The new hash replaces exactly the
// hash that was verified: if someone changed the password in between, the
// upgrade is skipped rather than overwriting their change.
func (s *DB) RecordLogin(ctx context.Context, rec accounts.LoginRecord) error {
	u := rec.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if rec.NewHash != "" && u.Password != nil {
			res, err := tx.ExecContext(ctx, `UPDATE accounts_user SET password = $1, updated = $2,
				version_id = version_id + 1 WHERE id = $3 AND password = $4`, rec.NewHash, rec.At, u.ID, *u.Password)
			if err != nil {
				return translate(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				rec.NewHash = ""
			}
		}
		if !rec.Track {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts_user_login_information
			(user_id, current_login_at, current_login_ip, last_login_at, last_login_ip, login_count)
			VALUES ($1, $2, $3, $2, NULL, 1)
			ON CONFLICT (user_id) DO UPDATE SET
				last_login_at = COALESCE(accounts_user_login_information.current_login_at, excluded.current_login_at),
				last_login_ip = accounts_user_login_information.current_login_ip,
				current_login_at = excluded.current_login_at,
				current_login_ip = excluded.current_login_ip,
				login_count = COALESCE(accounts_user_login_information.login_count, 0) + 1`,
			u.ID, rec.At, nullIP(rec.IP))
		return translate(err)
	})
	if err != nil {
		return err
	}
	if rec.NewHash != "" {
		u.Password, u.Updated = &rec.NewHash, rec.At
		u.VersionID++
	}
	if rec.Track {
		trackLogin(&u.Login, rec)
	}
	return nil
}

// trackLogin applies to the in-memory user what the upsert did to the row.
func trackLogin(l *accounts.LoginInfo, rec accounts.LoginRecord) {
	at := rec.At
	if l.CurrentLoginAt != nil {
		l.LastLoginAt = l.CurrentLoginAt
	} else {
		l.LastLoginAt = &at
	}
	l.LastLoginIP = l.CurrentLoginIP
	l.CurrentLoginAt = &at
	l.CurrentLoginIP = nil
	if ip := nullIP(rec.IP); ip != nil {
		s := rec.IP
		l.CurrentLoginIP = &s
	}
	l.LoginCount++
}

// nullIP stores "" and Invenio's "untrackable" as NULL.
func nullIP(ip string) any {
	if ip == "" || ip == "untrackable" {
		return nil
	}
	if len(ip) > 50 {
		ip = ip[:50]
	}
	return ip
}
