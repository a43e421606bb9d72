package sqlstore

import (
	"context"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

var _ accounts.DomainStore = (*DB)(nil)

// DomainStatus implements accounts.DomainStore.
func (s *DB) DomainStatus(ctx context.Context, domain string) (int, bool, error) {
	var status int
	err := s.db.QueryRowContext(ctx, `SELECT status FROM accounts_domains WHERE domain = $1`, domain).Scan(&status)
	if accounts.ErrorCode(translate(err)) == accounts.ENotFound {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, translate(err)
	}
	return status, true, nil
}

// EnsureDomain implements accounts.DomainStore: a new row with Invenio's
// defaults, or nothing when one exists (concurrent calls included).
func (s *DB) EnsureDomain(ctx context.Context, domain, tld string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO accounts_domains (created, updated, domain, tld, status, flagged,
		flagged_source, num_users, num_active, num_inactive, num_confirmed, num_verified, num_blocked)
		VALUES ($1, $1, $2, $3, 1, false, '', 0, 0, 0, 0, 0, 0) ON CONFLICT (domain) DO NOTHING`, now, domain, tld)
	return translate(err)
}
