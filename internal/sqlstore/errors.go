package sqlstore

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/invenio-go/accounts/internal/accounts"
)

// translate maps driver errors to domain errors by error code, never by
// message text: no rows → ENotFound, unique or primary-key violations →
// EConflict (naming the constraint). Other errors are returned as they are.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &accounts.Error{Code: accounts.ENotFound, Message: "not found"}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return &accounts.Error{Code: accounts.EConflict, Message: "duplicate value: " + pgErr.ConstraintName}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &accounts.Error{Code: accounts.EConflict, Message: "duplicate value: " + sqErr.Error()}
		}
	}
	return err
}

// stale is the error for an update that lost an optimistic-lock race.
func stale(what string) error {
	return &accounts.Error{Code: accounts.EConflict, Message: what + " was changed by someone else; try again"}
}
