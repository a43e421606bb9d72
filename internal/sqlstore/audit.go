package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

var _ accounts.AuditStore = (*DB)(nil)

const auditColumns = `id, created, event, actor_id, actor_email, target_id, target_email, object, ip, reason`

// AddAudit implements accounts.AuditStore.
func (s *DB) AddAudit(ctx context.Context, e *accounts.AuditEntry) error {
	err := s.db.QueryRowContext(ctx, `INSERT INTO accounts_go_audit_log (created, event, actor_id, actor_email,
		target_id, target_email, object, ip, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		e.Created, e.Event, nullID(e.ActorID), nullString(e.ActorEmail), nullID(e.TargetID),
		nullString(e.TargetEmail), nullString(e.Object), nullString(e.IP), nullString(e.Reason)).Scan(&e.ID)
	return translate(err)
}

// ListAudit implements accounts.AuditStore.
func (s *DB) ListAudit(ctx context.Context, q accounts.AuditQuery) ([]accounts.AuditEntry, int, error) {
	where, args := auditFilter(q)
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts_go_audit_log`+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	args = append(args, q.Limit(), q.Offset())
	n := len(args)
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM accounts_go_audit_log`+where+
		` ORDER BY created DESC, id DESC LIMIT $`+strconv.Itoa(n-1)+` OFFSET $`+strconv.Itoa(n), args...)
	if err != nil {
		return nil, 0, translate(err)
	}
	defer rows.Close()
	var out []accounts.AuditEntry
	for rows.Next() {
		var (
			e                                     accounts.AuditEntry
			actor, target                         sql.NullInt64
			actorEmail, targetEmail, obj, ip, why sql.NullString
		)
		if err := rows.Scan(&e.ID, &e.Created, &e.Event, &actor, &actorEmail, &target, &targetEmail,
			&obj, &ip, &why); err != nil {
			return nil, 0, translate(err)
		}
		e.Created = e.Created.UTC()
		e.ActorID, e.TargetID = actor.Int64, target.Int64
		e.ActorEmail, e.TargetEmail, e.Object, e.IP, e.Reason = actorEmail.String, targetEmail.String,
			obj.String, ip.String, why.String
		out = append(out, e)
	}
	return out, total, translate(rows.Err())
}

func auditFilter(q accounts.AuditQuery) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case strings.HasSuffix(q.Event, "."):
		conds = append(conds, "event LIKE "+arg(escapeLike(q.Event)+"%")+` ESCAPE '\'`)
	case q.Event != "":
		conds = append(conds, "event = "+arg(q.Event))
	}
	if q.UserID != 0 {
		p := arg(q.UserID)
		conds = append(conds, "(actor_id = "+p+" OR target_id = "+p+")")
	}
	if q.ActorID != 0 {
		conds = append(conds, "actor_id = "+arg(q.ActorID))
	}
	if q.TargetID != 0 {
		conds = append(conds, "target_id = "+arg(q.TargetID))
	}
	if !q.Since.IsZero() {
		conds = append(conds, "created >= "+arg(q.Since.UTC()))
	}
	if !q.Until.IsZero() {
		conds = append(conds, "created < "+arg(q.Until.UTC()))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// PruneAudit implements accounts.AuditStore.
func (s *DB) PruneAudit(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return s.execCount(ctx, `DELETE FROM accounts_go_audit_log WHERE id IN (
		SELECT id FROM accounts_go_audit_log WHERE created < $1 ORDER BY created LIMIT $2`+s.skipLocked()+`)`,
		cutoff, limit)
}

// ForgetAuditIPs implements accounts.AuditStore.
func (s *DB) ForgetAuditIPs(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return s.execCount(ctx, `UPDATE accounts_go_audit_log SET ip = NULL WHERE id IN (
		SELECT id FROM accounts_go_audit_log WHERE ip IS NOT NULL AND created < $1 LIMIT $2`+s.skipLocked()+`)`,
		cutoff, limit)
}

// execCount runs a statement and returns the rows it affected.
func (s *DB) execCount(ctx context.Context, q string, args ...any) (int, error) {
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// nullID stores 0 as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
