package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/invenio-go/accounts/internal/accounts"
)

// translate maps driver errors to domain errors by error code, never by
// message text: no rows → ENotFound, unique or primary-key violations →
// EConflict (naming the constraint), a database that cannot be reached or
// written (connection failures, PostgreSQL shutting down or starting, SQLite
// read-only, busy, full or failing I/O) → EUnavailable, so that callers
// answer 503 and clients retry. Other errors are returned as they are.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &accounts.Error{Code: accounts.ENotFound, Message: "not found"}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return &accounts.Error{Code: accounts.EConflict, Message: "duplicate value: " + pgErr.ConstraintName}
		case strings.HasPrefix(pgErr.Code, "08"), strings.HasPrefix(pgErr.Code, "57P"), pgErr.Code == "53300":
			return unavailable(err)
		}
		return err
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &accounts.Error{Code: accounts.EConflict, Message: "duplicate value: " + sqErr.Error()}
		}
		switch sqErr.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN:
			return unavailable(err)
		}
		return err
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	// pgconn.SafeToRetry: pgx did not send the statement, e.g. "conn
	// closed" on a connection PostgreSQL dropped while it sat in the pool.
	if errors.As(err, &connErr) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		pgconn.SafeToRetry(err) {
		return unavailable(err)
	}
	return err
}

// unavailable wraps a failure of the database as EUnavailable, keeping the
// driver's error for the logs.
func unavailable(err error) error {
	return fmt.Errorf("%w: %w", &accounts.Error{Code: accounts.EUnavailable, Message: "The database is unavailable. Please try again in a moment."}, err)
}

// stale is the error for an update that lost an optimistic-lock race.
func stale(what string) error {
	return &accounts.Error{Code: accounts.EConflict, Message: what + " was changed by someone else; try again"}
}
