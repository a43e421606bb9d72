package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

var _ accounts.DomainAdminStore = (*DB)(nil)

const domainColumns = `d.created, d.updated, d.id, d.domain, d.tld, d.status, d.flagged, d.flagged_source,
	d.org_id, c.label, d.num_users, d.num_active, d.num_inactive, d.num_confirmed, d.num_verified, d.num_blocked`

const domainFrom = ` FROM accounts_domains d LEFT JOIN accounts_domain_category c ON c.id = d.category`

var domainOrder = map[string]string{
	"": "d.domain", "domain": "d.domain", "-domain": "d.domain DESC",
	"num_users": "d.num_users, d.domain", "-num_users": "d.num_users DESC, d.domain",
	"created": "d.created, d.id", "-created": "d.created DESC, d.id DESC",
}

func scanDomain(row rowScanner) (accounts.Domain, error) {
	var (
		d     accounts.Domain
		org   sql.NullInt64
		label sql.NullString
	)
	err := row.Scan(&d.Created, &d.Updated, &d.ID, &d.Domain, &d.TLD, &d.Status, &d.Flagged, &d.FlaggedSource,
		&org, &label, &d.NumUsers, &d.NumActive, &d.NumInactive, &d.NumConfirmed, &d.NumVerified, &d.NumBlocked)
	if err != nil {
		return d, translate(err)
	}
	d.Created, d.Updated = d.Created.UTC(), d.Updated.UTC()
	if org.Valid {
		d.OrgID = &org.Int64
	}
	d.Category = str(label)
	return d, nil
}

// Domains implements accounts.DomainAdminStore.
func (s *DB) Domains(ctx context.Context, q accounts.DomainQuery) ([]accounts.Domain, int, error) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if strings.TrimSpace(q.Q) != "" {
		conds = append(conds, "d.domain LIKE "+arg(likeTerm(q.Q))+` ESCAPE '\'`)
	}
	if q.Status != 0 {
		conds = append(conds, "d.status = "+arg(q.Status))
	}
	if q.Flagged != nil {
		conds = append(conds, "d.flagged = "+arg(*q.Flagged))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	order, ok := domainOrder[q.Sort]
	if !ok {
		return nil, 0, accounts.FieldError("sort", "Unknown sort order.")
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts_domains d`+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	args = append(args, q.Limit(), q.Offset())
	n := len(args)
	rows, err := s.db.QueryContext(ctx, `SELECT `+domainColumns+domainFrom+where+` ORDER BY `+order+
		` LIMIT $`+strconv.Itoa(n-1)+` OFFSET $`+strconv.Itoa(n), args...)
	if err != nil {
		return nil, 0, translate(err)
	}
	defer rows.Close()
	out := []accounts.Domain{}
	for rows.Next() {
		d, err := scanDomain(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, translate(rows.Err())
}

// DomainByName implements accounts.DomainAdminStore.
func (s *DB) DomainByName(ctx context.Context, name string) (*accounts.Domain, error) {
	d, err := scanDomain(s.db.QueryRowContext(ctx, `SELECT `+domainColumns+domainFrom+` WHERE d.domain = $1`, name))
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateDomain implements accounts.DomainAdminStore.
func (s *DB) CreateDomain(ctx context.Context, d *accounts.Domain) error {
	err := s.db.QueryRowContext(ctx, `INSERT INTO accounts_domains (created, updated, domain, tld, status, flagged,
		flagged_source, num_users, num_active, num_inactive, num_confirmed, num_verified, num_blocked)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0, 0, 0, 0) RETURNING id`,
		d.Created, d.Updated, d.Domain, d.TLD, d.Status, d.Flagged, d.FlaggedSource).Scan(&d.ID)
	return translate(err)
}

// UpdateDomain implements accounts.DomainAdminStore.
func (s *DB) UpdateDomain(ctx context.Context, id int64, ch accounts.DomainChange, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var category any
		if ch.SetCategory && ch.Category != nil {
			cid, err := categoryID(ctx, tx, *ch.Category)
			if err != nil {
				return err
			}
			category = cid
		}
		res, err := tx.ExecContext(ctx, `UPDATE accounts_domains SET status = COALESCE($1, status),
			flagged = COALESCE($2, flagged), flagged_source = COALESCE($3, flagged_source),
			category = CASE WHEN CAST($4 AS BOOLEAN) THEN CAST($5 AS INTEGER) ELSE category END, updated = $6
			WHERE id = $7`,
			nullable(ch.Status), nullable(ch.Flagged), nullable(ch.FlaggedSource), ch.SetCategory, category, now, id)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return accounts.Errorf(accounts.ENotFound, accounts.MsgDomainNotFound)
		}
		return nil
	})
}

// categoryID returns the id of the category with that label, creating it
// when there is none (labels are not unique in Invenio's schema: the oldest
// wins).
func categoryID(ctx context.Context, tx *sql.Tx, label string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM accounts_domain_category WHERE label = $1 ORDER BY id LIMIT 1`, label).Scan(&id)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, translate(err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO accounts_domain_category (label) VALUES ($1) RETURNING id`, label).Scan(&id)
	return id, translate(err)
}

// DomainCategories implements accounts.DomainAdminStore.
func (s *DB) DomainCategories(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT label FROM accounts_domain_category
		WHERE label IS NOT NULL ORDER BY label`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, translate(rows.Err())
}
