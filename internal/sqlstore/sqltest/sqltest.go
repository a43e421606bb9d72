// Package sqltest gives tests databases of their own: a fresh PostgreSQL
// database on the test server (dropped when the test ends), optionally
// restored from the Invenio fixture. It imports internal/testenv and the pgx
// driver; only tests import it.
package sqltest

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"github.com/invenio-go/accounts/internal/testenv"
)

// NewPostgresDatabase creates an empty database on the server named by
// ACCOUNTS_TEST_POSTGRES_URL and returns its URL. The test is skipped (or
// fails under CI=true) when the server is not there.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	name := "accounts_test_" + strings.ToLower(rand.Text()[:12])
	exec(t, base, "CREATE DATABASE "+name)
	t.Cleanup(func() { exec(t, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewInvenioDatabase creates a database holding the Invenio fixture
// (testdata/invenio-db.sql: Invenio's schema at alembic head with users of
// every kind) and returns its URL.
func NewInvenioDatabase(t testing.TB) string {
	t.Helper()
	dsn := NewPostgresDatabase(t)
	b, err := os.ReadFile(TestdataPath(t, "invenio-db.sql"))
	if err != nil {
		t.Fatal(err)
	}
	exec(t, dsn, string(b))
	return dsn
}

// TestdataPath returns the path of a file in the repository's testdata/.
func TestdataPath(t testing.TB, name string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate testdata")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", name)
}

func exec(t testing.TB, dsn, query string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%.60s: %v", query, err)
	}
}
