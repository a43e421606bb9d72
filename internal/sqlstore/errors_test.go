package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/invenio-go/accounts/internal/accounts"
)

// notSent is how pgx reports a statement it never sent (its "conn closed"
// is one): SafeToRetry is true.
type notSent struct{}

func (notSent) Error() string     { return "conn closed" }
func (notSent) SafeToRetry() bool { return true }

// TestTranslate: driver errors map to the domain's codes, whatever wraps
// them; a database that cannot be reached is EUnavailable (503), never an
// unclassified error (500).
func TestTranslate(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"no rows", sql.ErrNoRows, accounts.ENotFound},
		{"unique violation", &pgconn.PgError{Code: "23505", ConstraintName: "uq_email"}, accounts.EConflict},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, accounts.EUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, accounts.EUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, accounts.EUnavailable},
		{"bad conn", driver.ErrBadConn, accounts.EUnavailable},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), accounts.EUnavailable},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), accounts.EUnavailable},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), accounts.EUnavailable},
		{"statement not sent (conn closed)", fmt.Errorf("record login: %w", notSent{}), accounts.EUnavailable},
		{"syntax error", &pgconn.PgError{Code: "42601"}, accounts.EInternal},
		{"other", errors.New("something else"), accounts.EInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := translate(c.err)
			if code := accounts.ErrorCode(got); code != c.want {
				t.Errorf("translate(%v) = %v (code %q), want code %q", c.err, got, code, c.want)
			}
			if !errors.Is(got, c.err) && c.want != accounts.ENotFound && c.want != accounts.EConflict {
				t.Errorf("translate(%v) lost the driver's error: %v", c.err, got)
			}
		})
	}
}
