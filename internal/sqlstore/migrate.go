package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one forward-only schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// inveniosHead is the alembic revision of invenio-accounts' schema we serve.
const inveniosHead = "23e196599f9f"

// olderInvenioRevisions are invenio-accounts revisions before the head: a
// database at one of them lacks columns and must be upgraded by Invenio first.
var olderInvenioRevisions = []string{
	"843bc79c426f", "9848d0149abd", "e12419831262", "999dcbd19ace", "dfbdf43a3e96",
	"62efc52773d4", "eb9743315a9d", "f2522cdd5fcd", "037afe10e9ff", "6ec5ce377ca3",
}

// Migrations returns the migrations of the driver, in order.
func Migrations(driver string) ([]Migration, error) {
	dir := path.Join("migrations", driver)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", driver, err)
	}
	var ms []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Applied is a migration recorded in accounts_go_migrations.
type Applied struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// Migrate brings the database to the newest schema: Invenio's tables when
// they are missing, then our own. It records each step in
// accounts_go_migrations and never touches alembic_version. Several
// processes may run it at once (PostgreSQL: an advisory lock; SQLite: an
// immediate transaction). It returns the migrations it applied.
func (s *DB) Migrate(ctx context.Context) ([]Migration, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, translate(err)
	}
	defer conn.Close()
	if s.dialect.name == Postgres {
		// One lock for every node; released when the connection closes.
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7240861952)`); err != nil {
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7240861952)`)
	}
	if err := checkInvenioRevision(ctx, conn); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS accounts_go_migrations (
		version INTEGER NOT NULL PRIMARY KEY,
		name VARCHAR(255) NOT NULL,
		applied_at `+s.timestampType()+` NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: create accounts_go_migrations: %w", err)
	}
	ms, err := Migrations(s.dialect.name)
	if err != nil {
		return nil, err
	}
	done, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, err
	}
	if err := checkNotNewer(done, ms); err != nil {
		return nil, err
	}
	var applied []Migration
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if err := s.apply(ctx, conn, m); err != nil {
			return applied, err
		}
		applied = append(applied, m)
	}
	return applied, checkSchema(ctx, conn)
}

func (s *DB) timestampType() string {
	if s.dialect.name == Postgres {
		return "TIMESTAMP WITH TIME ZONE"
	}
	return "TIMESTAMP"
}

func (s *DB) apply(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %04d_%s: %w", m.Version, m.Name, err)
	}
	defer tx.Rollback()
	// A concurrent SQLite process may have applied it since we looked.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts_go_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
		return fmt.Errorf("migrate %04d_%s: %w", m.Version, m.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migrate %04d_%s: %w", m.Version, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO accounts_go_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, time.Now().UTC()); err != nil {
		return fmt.Errorf("migrate %04d_%s: record: %w", m.Version, m.Name, err)
	}
	return tx.Commit()
}

func appliedVersions(ctx context.Context, conn *sql.Conn) (map[int]bool, error) {
	rows, err := conn.QueryContext(ctx, `SELECT version FROM accounts_go_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read accounts_go_migrations: %w", err)
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

func checkNotNewer(done map[int]bool, ms []Migration) error {
	known := map[int]bool{}
	for _, m := range ms {
		known[m.Version] = true
	}
	for v := range done {
		if !known[v] {
			return fmt.Errorf("migrate: the database has migration %04d, which this accounts binary does not know: it was migrated by a newer version", v)
		}
	}
	return nil
}

// CheckMigrated returns an error saying to run `accounts migrate` when the
// database lacks migrations this binary knows, or was migrated by a newer one.
func (s *DB) CheckMigrated(ctx context.Context) error {
	ms, err := Migrations(s.dialect.name)
	if err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	done, err := appliedVersions(ctx, conn)
	if err != nil {
		return fmt.Errorf("the database has not been migrated: run `accounts migrate` (%w)", err)
	}
	if err := checkNotNewer(done, ms); err != nil {
		return err
	}
	for _, m := range ms {
		if !done[m.Version] {
			return fmt.Errorf("the database lacks migration %04d_%s: run `accounts migrate`", m.Version, m.Name)
		}
	}
	return nil
}

// Status lists the applied migrations and the pending ones.
func (s *DB) Status(ctx context.Context) (applied []Applied, pending []Migration, err error) {
	ms, err := Migrations(s.dialect.name)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version, name, applied_at FROM accounts_go_migrations ORDER BY version`)
	if err != nil {
		return nil, ms, nil // not migrated at all
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var a Applied
		if err := rows.Scan(&a.Version, &a.Name, &a.AppliedAt); err != nil {
			return nil, nil, err
		}
		done[a.Version] = true
		applied = append(applied, a)
	}
	for _, m := range ms {
		if !done[m.Version] {
			pending = append(pending, m)
		}
	}
	return applied, pending, rows.Err()
}
