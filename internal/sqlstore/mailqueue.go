package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/invenio-go/accounts/internal/mail"
)

// MailQueue is the durable email queue, table accounts_go_mail_queue: it
// implements mail.Queue on both drivers.
type MailQueue struct{ s *DB }

var _ mail.Queue = (*MailQueue)(nil)

// MailQueue returns the email queue stored in this database.
func (s *DB) MailQueue() *MailQueue { return &MailQueue{s: s} }

// ts is a time as stored: UTC, at PostgreSQL's microsecond precision, so that
// what is read back equals what was written and SQLite's text timestamps
// compare in time order.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Enqueue implements mail.Queue.
func (q *MailQueue) Enqueue(ctx context.Context, message []byte, now time.Time) (int64, error) {
	var id int64
	err := q.s.db.QueryRowContext(ctx, `INSERT INTO accounts_go_mail_queue
		(created, updated, status, attempts, next_attempt_at, message)
		VALUES ($1, $1, 'queued', 0, $1, $2) RETURNING id`, ts(now), string(message)).Scan(&id)
	return id, translate(err)
}

// Claim implements mail.Queue. On PostgreSQL, FOR UPDATE SKIP LOCKED lets
// concurrent workers take disjoint rows without waiting for one another;
// SQLite serialises writers with the DB's immediate transactions.
func (q *MailQueue) Claim(ctx context.Context, worker string, n int, now time.Time, lease time.Duration) ([]mail.Job, error) {
	query := claimSQLite
	if q.s.dialect.name == Postgres {
		query = claimPostgres
	}
	var jobs []mail.Job
	err := q.s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, worker, ts(now.Add(lease)), ts(now), n)
		if err != nil {
			return translate(err)
		}
		defer rows.Close()
		for rows.Next() {
			var j mail.Job
			var msg string
			if err := rows.Scan(&j.ID, &j.Attempts, &j.Created, &msg); err != nil {
				return translate(err)
			}
			j.Created, j.Message = j.Created.UTC(), []byte(msg)
			jobs = append(jobs, j)
		}
		return translate(rows.Err())
	})
	return jobs, err
}

// claimPostgres locks the due rows in a CTE (never inlined, as it locks)
// and skips rows another worker is claiming at this moment.
const claimPostgres = `WITH due AS (SELECT id FROM accounts_go_mail_queue
		WHERE (status = 'queued' AND next_attempt_at <= $3) OR (status = 'sending' AND locked_until < $3)
		ORDER BY next_attempt_at, id LIMIT $4
		FOR UPDATE SKIP LOCKED)
	UPDATE accounts_go_mail_queue q
	SET status = 'sending', locked_by = $1, locked_until = $2, attempts = q.attempts + 1, updated = $3
	FROM due WHERE q.id = due.id
	RETURNING q.id, q.attempts, q.created, q.message`

const claimSQLite = `UPDATE accounts_go_mail_queue
	SET status = 'sending', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated = $3
	WHERE id IN (SELECT id FROM accounts_go_mail_queue
		WHERE (status = 'queued' AND next_attempt_at <= $3) OR (status = 'sending' AND locked_until < $3)
		ORDER BY next_attempt_at, id LIMIT $4)
	RETURNING id, attempts, created, message`

// MarkSent implements mail.Queue. The message text is emptied: it may hold
// a confirmation or reset link that is still valid.
func (q *MailQueue) MarkSent(ctx context.Context, id int64, worker string, now time.Time) error {
	return q.held(q.s.db.ExecContext(ctx, `UPDATE accounts_go_mail_queue
		SET status = 'sent', sent_at = $1, updated = $1, locked_until = NULL, message = ''
		WHERE id = $2 AND status = 'sending' AND locked_by = $3`, ts(now), id, worker))
}

// MarkFailed implements mail.Queue.
func (q *MailQueue) MarkFailed(ctx context.Context, id int64, worker string, now time.Time, lastError string, retryAt time.Time) error {
	if retryAt.IsZero() {
		return q.held(q.s.db.ExecContext(ctx, `UPDATE accounts_go_mail_queue
			SET status = 'dead', updated = $1, locked_until = NULL, last_error = $2
			WHERE id = $3 AND status = 'sending' AND locked_by = $4`, ts(now), lastError, id, worker))
	}
	return q.held(q.s.db.ExecContext(ctx, `UPDATE accounts_go_mail_queue
		SET status = 'queued', updated = $1, locked_until = NULL, last_error = $2, next_attempt_at = $3
		WHERE id = $4 AND status = 'sending' AND locked_by = $5`, ts(now), lastError, ts(retryAt), id, worker))
}

// Release implements mail.Queue. The job keeps its due time, so it is
// claimable at once.
func (q *MailQueue) Release(ctx context.Context, id int64, worker string, now time.Time) error {
	return q.held(q.s.db.ExecContext(ctx, `UPDATE accounts_go_mail_queue
		SET status = 'queued', updated = $1, locked_until = NULL, attempts = attempts - 1
		WHERE id = $2 AND status = 'sending' AND locked_by = $3`, ts(now), id, worker))
}

// held turns an update of a job this worker should hold into
// mail.ErrLeaseLost when no row matched.
func (q *MailQueue) held(res sql.Result, err error) error {
	if err != nil {
		return translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return mail.ErrLeaseLost
	}
	return nil
}

// Stats implements mail.Queue.
func (q *MailQueue) Stats(ctx context.Context) (mail.Stats, error) {
	var st mail.Stats
	rows, err := q.s.db.QueryContext(ctx, `SELECT status, count(*) FROM accounts_go_mail_queue GROUP BY status`)
	if err != nil {
		return st, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return st, translate(err)
		}
		switch status {
		case mail.StatusQueued:
			st.Queued = n
		case mail.StatusSending:
			st.Sending = n
		case mail.StatusSent:
			st.Sent = n
		case mail.StatusDead:
			st.Dead = n
		}
	}
	if err := rows.Err(); err != nil {
		return st, translate(err)
	}
	err = q.s.db.QueryRowContext(ctx, `SELECT created FROM accounts_go_mail_queue
		WHERE status = 'queued' ORDER BY id LIMIT 1`).Scan(&st.OldestQueued)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	st.OldestQueued = st.OldestQueued.UTC()
	return st, translate(err)
}
