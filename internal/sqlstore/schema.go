package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// invenioColumns lists every column of Invenio's tables at head: the schema
// check selects them all, so a database made by an older Invenio (or edited
// by hand) is refused with a clear message instead of failing later.
var invenioColumns = map[string][]string{
	"accounts_role": {"id", "name", "description", "created", "updated", "version_id", "is_managed"},
	"accounts_user": {"id", "email", "password", "active", "confirmed_at", "created", "updated", "version_id",
		"profile", "preferences", "displayname", "username", "blocked_at", "verified_at", "domain"},
	"accounts_userrole": {"user_id", "role_id"},
	"accounts_user_login_information": {"user_id", "current_login_at", "current_login_ip", "last_login_at",
		"last_login_ip", "login_count"},
	"accounts_user_session_activity": {"created", "updated", "sid_s", "user_id", "browser", "browser_version",
		"country", "device", "ip", "os"},
	"accounts_useridentity":    {"created", "updated", "id", "method", "id_user"},
	"accounts_domain_category": {"id", "label"},
	"accounts_domain_org":      {"id", "pid", "name", "json", "parent_id"},
	"accounts_domains": {"created", "updated", "id", "domain", "tld", "status", "flagged", "flagged_source",
		"org_id", "category", "num_users", "num_active", "num_inactive", "num_confirmed", "num_verified", "num_blocked"},
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func checkSchema(ctx context.Context, q querier) error {
	for table, cols := range invenioColumns {
		rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+table+" WHERE 1 = 0")
		if err != nil {
			return fmt.Errorf("schema check: table %s does not have Invenio's columns at revision %s (%v); upgrade the Invenio database first (invenio alembic upgrade)", table, inveniosHead, err)
		}
		rows.Close()
	}
	return nil
}

// checkInvenioRevision refuses a database whose alembic_version names an
// older invenio-accounts revision. A database without alembic_version (ours,
// or empty) passes. alembic_version is only read, never written.
func checkInvenioRevision(ctx context.Context, q querier) error {
	rows, err := q.QueryContext(ctx, "SELECT version_num FROM alembic_version")
	if err != nil {
		return nil // no alembic_version table: not an Invenio database
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		for _, old := range olderInvenioRevisions {
			if v == old {
				return fmt.Errorf("migrate: this Invenio database is at invenio-accounts revision %s; accounts needs %s: run `invenio alembic upgrade` first", v, inveniosHead)
			}
		}
	}
	return rows.Err()
}
