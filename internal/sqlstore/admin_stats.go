package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

var _ accounts.StatsStore = (*DB)(nil)

// dayOf is the UTC day of a timestamp column as "YYYY-MM-DD". SQLite's
// date() reads the offset our driver writes and converts to UTC.
func (s *DB) dayOf(col string) string {
	if s.dialect.name == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "date(" + col + ")"
}

// SignupsPerDay implements accounts.StatsStore.
func (s *DB) SignupsPerDay(ctx context.Context, since time.Time) (map[string]int, error) {
	return s.perDay(ctx, `SELECT `+s.dayOf("created")+`, count(*) FROM accounts_user
		WHERE created >= $1 GROUP BY 1`, since)
}

// AuditPerDay implements accounts.StatsStore.
func (s *DB) AuditPerDay(ctx context.Context, event string, since time.Time) (map[string]int, error) {
	return s.perDay(ctx, `SELECT `+s.dayOf("created")+`, count(*) FROM accounts_go_audit_log
		WHERE event = $2 AND created >= $1 GROUP BY 1`, since, event)
}

func (s *DB) perDay(ctx context.Context, q string, args ...any) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var day string
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			return nil, err
		}
		out[day] = n
	}
	return out, translate(rows.Err())
}

// sessionColumns are the columns SessionsBy may group by.
var sessionColumns = map[string]bool{
	accounts.ByCountry: true, accounts.ByBrowser: true, accounts.ByOS: true, accounts.ByDevice: true,
}

// SessionsBy implements accounts.StatsStore.
func (s *DB) SessionsBy(ctx context.Context, column string) ([]accounts.LabelCount, error) {
	if !sessionColumns[column] {
		return nil, fmt.Errorf("sessions by %q: not a breakdown", column)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(`+column+`, ''), count(*) FROM accounts_user_session_activity
		GROUP BY 1 ORDER BY 2 DESC, 1`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []accounts.LabelCount{}
	for rows.Next() {
		var c accounts.LabelCount
		if err := rows.Scan(&c.Label, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// UserCounts implements accounts.StatsStore.
func (s *DB) UserCounts(ctx context.Context) (accounts.UserCounts, error) {
	var c accounts.UserCounts
	err := s.db.QueryRowContext(ctx, `SELECT count(*),
		COALESCE(sum(CASE WHEN active THEN 1 ELSE 0 END), 0),
		count(blocked_at),
		COALESCE(sum(CASE WHEN confirmed_at IS NULL THEN 1 ELSE 0 END), 0),
		(SELECT count(*) FROM accounts_go_user_totp)
		FROM accounts_user`).Scan(&c.Users, &c.Active, &c.Blocked, &c.Unconfirmed, &c.TwoFactor)
	return c, translate(err)
}
