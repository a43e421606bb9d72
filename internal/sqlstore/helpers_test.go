package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/sqlstore/sqltest"
)

// backends lists the databases every contract test runs on.
var backends = []struct {
	name string
	open func(t testing.TB) *sqlstore.DB
}{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

func openSQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), sqlstore.SQLite, filepath.Join(t.TempDir(), "accounts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens a fresh, empty database of its own on the test server,
// dropped when the test ends.
func openPostgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	dsn := sqltest.NewPostgresDatabase(t)
	db, err := sqlstore.Open(context.Background(), sqlstore.Postgres, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func migrated(t testing.TB, db *sqlstore.DB) *sqlstore.DB {
	t.Helper()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// forEachBackend runs f as a subtest on every backend with a migrated store.
func forEachBackend(t *testing.T, f func(t *testing.T, db *sqlstore.DB)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, migrated(t, b.open(t)))
		})
	}
}

func mustExec(t *testing.T, db *sqlstore.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQL().Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", firstLine(q), err)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return fmt.Sprintf("%.60s", l)
}
