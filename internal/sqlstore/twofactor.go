package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

var _ accounts.TwoFactorStore = (*DB)(nil)

// TOTP implements accounts.TwoFactorStore.
func (s *DB) TOTP(ctx context.Context, userID int64) (*accounts.TOTPRecord, error) {
	t := &accounts.TOTPRecord{UserID: userID}
	err := s.db.QueryRowContext(ctx, `SELECT secret, last_step, created FROM accounts_go_user_totp
		WHERE user_id = $1`, userID).Scan(&t.Secret, &t.LastStep, &t.Created)
	if err != nil {
		return nil, translate(err)
	}
	t.Created = t.Created.UTC()
	return t, nil
}

// SetTOTP implements accounts.TwoFactorStore.
func (s *DB) SetTOTP(ctx context.Context, t *accounts.TOTPRecord, codeHashes []string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts_go_user_totp (user_id, secret, last_step, created)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = excluded.last_step,
				created = excluded.created`, t.UserID, t.Secret, t.LastStep, t.Created)
		if err != nil {
			return translate(err)
		}
		return replaceCodes(ctx, tx, t.UserID, codeHashes)
	})
}

func replaceCodes(ctx context.Context, tx *sql.Tx, userID int64, codeHashes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM accounts_go_recovery_code WHERE user_id = $1`, userID); err != nil {
		return translate(err)
	}
	for _, h := range codeHashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO accounts_go_recovery_code (user_id, code_hash)
			VALUES ($1, $2)`, userID, h); err != nil {
			return translate(err)
		}
	}
	return nil
}

// DeleteTOTP implements accounts.TwoFactorStore.
func (s *DB) DeleteTOTP(ctx context.Context, userID int64) (bool, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM accounts_go_recovery_code WHERE user_id = $1`, userID); err != nil {
			return translate(err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM accounts_go_user_totp WHERE user_id = $1`, userID)
		if err != nil {
			return translate(err)
		}
		n, err = res.RowsAffected()
		return translate(err)
	})
	return n > 0, err
}

// AdvanceTOTPStep implements accounts.TwoFactorStore: one conditional
// UPDATE, so two requests with the same code cannot both pass.
func (s *DB) AdvanceTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	n, err := s.execCount(ctx, `UPDATE accounts_go_user_totp SET last_step = $2
		WHERE user_id = $1 AND last_step < $2`, userID, step)
	return n > 0, err
}

// UseRecoveryCode implements accounts.TwoFactorStore.
func (s *DB) UseRecoveryCode(ctx context.Context, userID int64, codeHash string, at time.Time) (bool, error) {
	n, err := s.execCount(ctx, `UPDATE accounts_go_recovery_code SET used_at = $3
		WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, codeHash, at)
	return n > 0, err
}

// ReplaceRecoveryCodes implements accounts.TwoFactorStore.
func (s *DB) ReplaceRecoveryCodes(ctx context.Context, userID int64, codeHashes []string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		q := `SELECT user_id FROM accounts_go_user_totp WHERE user_id = $1`
		if s.dialect.name == Postgres {
			q += ` FOR UPDATE`
		}
		var id int64
		if err := tx.QueryRowContext(ctx, q, userID).Scan(&id); err != nil {
			return translate(err)
		}
		return replaceCodes(ctx, tx, userID, codeHashes)
	})
}

// RecoveryCodesLeft implements accounts.TwoFactorStore.
func (s *DB) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts_go_recovery_code
		WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	return n, translate(err)
}

// fillTwoFactor sets the TwoFactorSince of each user with one query.
func (s *DB) fillTwoFactor(ctx context.Context, users []*accounts.User) error {
	if len(users) == 0 {
		return nil
	}
	byID, in, args := usersByID(users)
	rows, err := s.db.QueryContext(ctx, `SELECT user_id, created FROM accounts_go_user_totp
		WHERE user_id IN (`+in+`)`, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var created time.Time
		if err := rows.Scan(&id, &created); err != nil {
			return err
		}
		if u := byID[id]; u != nil {
			created = created.UTC()
			u.TwoFactorSince = &created
		}
	}
	return translate(rows.Err())
}
