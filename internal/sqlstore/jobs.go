package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// The batch operations of the periodic jobs. Each is one short transaction
// over at most limit rows, so that a job never holds locks long enough to
// stall logins, and a job stopped between batches leaves consistent data
// that the next run picks up. Several nodes may run them at once: on
// PostgreSQL rows another node is working on are skipped (SKIP LOCKED), and
// every statement is idempotent.

// DeleteExpiredSessionActivities deletes up to limit session-activity rows
// created before cutoff and returns their sid_s (Invenio's
// clean_session_table, batched).
func (s *DB) DeleteExpiredSessionActivities(ctx context.Context, cutoff time.Time, limit int) ([]string, error) {
	q := `DELETE FROM accounts_user_session_activity WHERE sid_s IN (
		SELECT sid_s FROM accounts_user_session_activity WHERE created < $1 LIMIT $2` + s.skipLocked() + `)
		RETURNING sid_s`
	rows, err := s.db.QueryContext(ctx, q, cutoff, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var sids []string
	for rows.Next() {
		var sid string
		if err := rows.Scan(&sid); err != nil {
			return nil, err
		}
		sids = append(sids, sid)
	}
	return sids, translate(rows.Err())
}

func (s *DB) skipLocked() string {
	if s.dialect.name == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ForgetLoginIPs nulls, for up to limit rows each, the login IPs recorded
// before cutoff and the IPs of session rows created before cutoff (Invenio's
// delete_ips, which forgot the latter). It returns how many rows changed.
func (s *DB) ForgetLoginIPs(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	stmts := []string{
		`UPDATE accounts_user_login_information SET last_login_ip = NULL WHERE user_id IN (
			SELECT user_id FROM accounts_user_login_information
			WHERE last_login_ip IS NOT NULL AND last_login_at < $1 LIMIT $2` + s.skipLocked() + `)`,
		`UPDATE accounts_user_login_information SET current_login_ip = NULL WHERE user_id IN (
			SELECT user_id FROM accounts_user_login_information
			WHERE current_login_ip IS NOT NULL AND current_login_at < $1 LIMIT $2` + s.skipLocked() + `)`,
		`UPDATE accounts_user_session_activity SET ip = NULL WHERE sid_s IN (
			SELECT sid_s FROM accounts_user_session_activity
			WHERE ip IS NOT NULL AND created < $1 LIMIT $2` + s.skipLocked() + `)`,
	}
	total := 0
	for _, q := range stmts {
		var n int64
		err := s.tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, q, cutoff, limit)
			if err != nil {
				return translate(err)
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		total += int(n)
	}
	return total, nil
}

// domainCounters are the per-domain counters of accounts_domains.
const domainCounts = `SELECT u.domain,
		count(u.id),
		sum(CASE WHEN u.active THEN 1 ELSE 0 END),
		sum(CASE WHEN u.active IS NOT NULL AND NOT u.active THEN 1 ELSE 0 END),
		count(u.confirmed_at), count(u.verified_at), count(u.blocked_at)
	FROM accounts_user u WHERE u.domain IS NOT NULL GROUP BY u.domain`

// UpdateDomainCounters brings up to limit accounts_domains rows whose
// counters differ from their users' up to date (Invenio's
// update_domain_status); domains without users are left as they are. It
// returns how many rows changed.
func (s *DB) UpdateDomainCounters(ctx context.Context, now time.Time, limit int) (int, error) {
	q := `UPDATE accounts_domains SET num_users = c.n, num_active = c.a, num_inactive = c.i,
		num_confirmed = c.cf, num_verified = c.v, num_blocked = c.b, updated = $1
		FROM (SELECT d.id, x.n, x.a, x.i, x.cf, x.v, x.b FROM accounts_domains d
			JOIN (` + domainCounts + `) AS x(domain, n, a, i, cf, v, b) ON x.domain = d.domain
			WHERE (d.num_users, d.num_active, d.num_inactive, d.num_confirmed, d.num_verified, d.num_blocked)
				<> (x.n, x.a, x.i, x.cf, x.v, x.b)
			ORDER BY d.id LIMIT $2) AS c
		WHERE accounts_domains.id = c.id`
	if s.dialect.name == SQLite {
		q = sqliteDomainUpdate
	}
	res, err := s.db.ExecContext(ctx, q, now, limit)
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// sqliteDomainUpdate is UpdateDomainCounters for SQLite, which has no
// column-list aliases for derived tables.
const sqliteDomainUpdate = `WITH x(domain, n, a, i, cf, v, b) AS (` + domainCounts + `),
	c AS (SELECT d.id, x.n, x.a, x.i, x.cf, x.v, x.b FROM accounts_domains d JOIN x ON x.domain = d.domain
		WHERE d.num_users <> x.n OR d.num_active <> x.a OR d.num_inactive <> x.i OR d.num_confirmed <> x.cf
			OR d.num_verified <> x.v OR d.num_blocked <> x.b
		ORDER BY d.id LIMIT $2)
	UPDATE accounts_domains SET num_users = c.n, num_active = c.a, num_inactive = c.i,
		num_confirmed = c.cf, num_verified = c.v, num_blocked = c.b, updated = $1
	FROM c WHERE accounts_domains.id = c.id`
