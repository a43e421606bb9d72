// Package sqlstore implements accounts.Store on SQLite (modernc.org/sqlite,
// pure Go) and PostgreSQL (pgx), with Invenio's schema created by our own
// forward-only migrations.
//
// It imports internal/accounts, internal/mail (it implements the mail
// queue), internal/jobs' needs, database/sql and the two drivers; nothing
// imports it but cmd/accounts and tests.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/invenio-go/accounts/internal/accounts"
)

// Driver names accepted by Open.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// DB is an open database: it implements accounts.Store.
type DB struct {
	db      *sql.DB
	dialect dialect
	// A file-backed SQLite database is watched until Close
	// (watchWritable).
	stopWatch func()
	watchDone chan struct{}
}

var _ accounts.Store = (*DB)(nil)

// dialect holds the few statements and traits that differ between drivers.
type dialect struct {
	name string
	like string // case-insensitive LIKE
}

// Open connects to the database. For SQLite, dsn is a file path (":memory:"
// for a private in-memory database); its directory is created. For
// PostgreSQL, dsn is a URL or key=value string pgx accepts.
func Open(ctx context.Context, driver, dsn string) (*DB, error) {
	var (
		db  *sql.DB
		err error
		d   dialect
	)
	switch driver {
	case Postgres:
		d = dialect{name: Postgres, like: "ILIKE"}
		db, err = sql.Open("pgx", dsn)
		if err == nil {
			db.SetMaxOpenConns(20)
			db.SetMaxIdleConns(10)
			db.SetConnMaxIdleTime(5 * time.Minute)
		}
	case SQLite:
		d = dialect{name: SQLite, like: "LIKE"}
		db, err = openSQLite(dsn)
	default:
		return nil, fmt.Errorf("sqlstore: unknown driver %q (want %q or %q)", driver, Postgres, SQLite)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", driver, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: connect to %s: %w", driver, err)
	}
	s := &DB{db: db, dialect: d}
	if driver == SQLite && !memoryPath(dsn) {
		wctx, stop := context.WithCancel(context.Background())
		s.stopWatch, s.watchDone = stop, make(chan struct{})
		go func() {
			defer close(s.watchDone)
			s.watchWritable(wctx, sqliteConns())
		}()
	}
	return s, nil
}

func memoryPath(path string) bool { return path == ":memory:" || path == "" }

func openSQLite(path string) (*sql.DB, error) {
	memory := memoryPath(path)
	if !memory {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
		}
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	if memory {
		dsn = "file::memory:?" + q.Encode()
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		dsn = "file:" + escapePath(path) + "?" + q.Encode()
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if memory {
		// Each connection to :memory: is its own database: keep one.
		db.SetMaxOpenConns(1)
	} else {
		// Keep as many idle connections as may be open: with the default of
		// 2 idle, a burst of concurrent requests closes and reopens
		// connections (an open runs the pragmas) on every request.
		n := sqliteConns()
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		// A connection opened while the file could not be written stays
		// read-only: renew connections so that service resumes by itself
		// (and see watchWritable).
		db.SetConnMaxLifetime(sqliteConnLifetime)
	}
	return db, nil
}

// sqliteConns bounds the SQLite pool: the driver is pure Go and CPU-bound,
// and writers queue on one lock, so a few connections per core suffice.
func sqliteConns() int {
	return max(8, 2*runtime.GOMAXPROCS(0))
}

func escapePath(p string) string {
	return strings.NewReplacer("?", "%3f", "#", "%23").Replace(p)
}

// Driver returns Postgres or SQLite.
func (s *DB) Driver() string { return s.dialect.name }

// SQL returns the underlying handle, for tests and jobs.
func (s *DB) SQL() *sql.DB { return s.db }

// Ping checks that the database answers.
func (s *DB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Ready checks that the database answers and takes writes (a read-only
// SQLite file or a PostgreSQL standby answers pings but refuses writes): an
// update of no row still needs the write lock.
func (s *DB) Ready(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `UPDATE accounts_go_migrations SET name = name WHERE version < 0`)
	return translate(err)
}

// Close closes the database.
func (s *DB) Close() error {
	if s.stopWatch != nil {
		s.stopWatch()
		<-s.watchDone
	}
	return s.db.Close()
}

// tx runs f in a transaction, committing when it returns nil.
func (s *DB) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return translate(tx.Commit())
}
