package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

var _ accounts.ActivityStore = (*DB)(nil)

const activityColumns = `sid_s, user_id, created, updated, ip, country, browser, browser_version, os, device`

// CreateSessionActivity implements accounts.ActivityStore.
func (s *DB) CreateSessionActivity(ctx context.Context, a *accounts.SessionActivity) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO accounts_user_session_activity (`+activityColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.SID, a.UserID, a.Created, a.Updated, clip(a.IP, 80), clip(a.Country, 3), clip(a.Browser, 80),
		clip(a.BrowserVersion, 30), clip(a.OS, 80), clip(a.Device, 80))
	return translate(err)
}

// clip fits a value into its VARCHAR(n) column (PostgreSQL refuses longer
// values; a user agent is outside input).
func clip(p *string, n int) any {
	if p == nil {
		return nil
	}
	r := []rune(*p)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// SessionActivity implements accounts.ActivityStore.
func (s *DB) SessionActivity(ctx context.Context, sid string) (*accounts.SessionActivity, error) {
	a, err := scanActivity(s.db.QueryRowContext(ctx, `SELECT `+activityColumns+
		` FROM accounts_user_session_activity WHERE sid_s = $1`, sid))
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// UserSessionActivities implements accounts.ActivityStore.
func (s *DB) UserSessionActivities(ctx context.Context, userID int64) ([]accounts.SessionActivity, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+activityColumns+
		` FROM accounts_user_session_activity WHERE user_id = $1 ORDER BY created DESC, sid_s`, userID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []accounts.SessionActivity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// TouchSessionActivity implements accounts.ActivityStore.
func (s *DB) TouchSessionActivity(ctx context.Context, sid string, at time.Time, ip *string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE accounts_user_session_activity SET updated = $1,
		ip = COALESCE(CAST($2 AS VARCHAR(80)), ip) WHERE sid_s = $3`, at, clip(ip, 80), sid)
	return translate(err)
}

// DeleteSessionActivity implements accounts.ActivityStore.
func (s *DB) DeleteSessionActivity(ctx context.Context, sid string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM accounts_user_session_activity WHERE sid_s = $1`, sid)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func scanActivity(row rowScanner) (accounts.SessionActivity, error) {
	var (
		a                                  accounts.SessionActivity
		uid                                sql.NullInt64
		ip, country, browser, ver, os, dev sql.NullString
	)
	err := row.Scan(&a.SID, &uid, &a.Created, &a.Updated, &ip, &country, &browser, &ver, &os, &dev)
	if err != nil {
		return a, translate(err)
	}
	a.UserID = uid.Int64
	a.Created, a.Updated = a.Created.UTC(), a.Updated.UTC()
	a.IP, a.Country, a.Browser, a.BrowserVersion, a.OS, a.Device = str(ip), str(country), str(browser), str(ver), str(os), str(dev)
	return a, nil
}

// CountSessionActivities returns the number of session rows (the
// active-sessions gauge).
func (s *DB) CountSessionActivities(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts_user_session_activity`).Scan(&n)
	return n, translate(err)
}
