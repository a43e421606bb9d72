package config

import (
	"errors"
	"net/url"
	"strings"
)

// Database drivers returned by Config.Database.
const (
	DriverPostgres = "postgres"
	DriverSQLite   = "sqlite"
)

const expectDatabase = `expected "postgresql://user:password@host:port/db" (also postgres://, ` +
	`postgresql+psycopg2://, postgresql+psycopg://) or "sqlite:///relative/path", "sqlite:////absolute/path", "sqlite://" (memory)`

func setDatabase(c *Config, raw string) error {
	driver, dsn, err := parseDatabaseURI(raw)
	c.DatabaseURI, c.dbDriver, c.dbDSN = raw, driver, dsn
	return err
}

// parseDatabaseURI turns an SQLAlchemy database URL into a driver name and a
// DSN: a postgresql:// URL for pgx (the "+driver" part dropped) or a SQLite
// file path.
func parseDatabaseURI(uri string) (driver, dsn string, err error) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(uri), "://")
	dialect, dbapi, _ := strings.Cut(strings.ToLower(scheme), "+")
	switch {
	case !ok:
	case dialect == "postgresql" || dialect == "postgres":
		if dbapi != "" && dbapi != "psycopg2" && dbapi != "psycopg" {
			return "", "", errors.New("unsupported PostgreSQL driver " + dbapi + "; " + expectDatabase)
		}
		dsn = "postgresql://" + rest
		if _, err := url.Parse(dsn); err != nil {
			return "", "", errors.New("malformed URL; " + expectDatabase)
		}
		return DriverPostgres, dsn, nil
	case dialect == "sqlite" && (dbapi == "" || dbapi == "pysqlite"):
		path, err := sqlitePath(rest)
		if err != nil {
			return "", "", err
		}
		return DriverSQLite, path, nil
	}
	return "", "", errors.New(expectDatabase)
}

// sqlitePath reads the part of an SQLAlchemy SQLite URL after "sqlite://":
// "" is memory, "/x" the relative path x, "//x" the absolute path /x.
func sqlitePath(rest string) (string, error) {
	if rest == "" {
		return ":memory:", nil
	}
	if !strings.HasPrefix(rest, "/") || strings.ContainsAny(rest, "?#") {
		return "", errors.New(`expected "sqlite:///path" (no host, no query); ` + expectDatabase)
	}
	path, err := url.PathUnescape(rest[1:])
	if err != nil || strings.ContainsRune(path, 0) {
		return "", errors.New("malformed path; " + expectDatabase)
	}
	if path == "" || path == ":memory:" {
		return ":memory:", nil
	}
	return path, nil
}
