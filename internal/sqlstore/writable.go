package sqlstore

import (
	"context"
	"errors"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// A SQLite file that could not be written for a while (a read-only
// remount, a wrong chmod, a backup tool) must take writes again once it
// can, without a restart. Two things keep a process read-only after that:
//
//   - A connection opened while the file could not be written falls back
//     to read-only for its whole life: the pool renews every connection
//     after sqliteConnLifetime.
//   - SQLite maps the WAL index (the -shm file) once per process and file,
//     shared by all connections, when the first of them needs it, and
//     unmaps it when the last one closes. Mapped while the -shm file could
//     not be written (after every connection had closed during the fault),
//     it is read-only for every connection, old and new, for as long as one
//     connection keeps it: under steady load one always does, so the node
//     stayed read-only for good (TestSQLiteTakesWritesAgain).
//
// watchWritable checks every writableEvery that the database takes a
// write, and when it answers read-only it drains the pool: for
// drainFor it allows a single connection, closed after each use, so that
// at some moment none is open and the next one maps the index again,
// writable once the file is.
const (
	sqliteConnLifetime = time.Second
	writableEvery      = time.Second
	drainFor           = 250 * time.Millisecond
)

// watchWritable runs until ctx ends; conns is the pool's size to restore
// after a drain.
func (s *DB) watchWritable(ctx context.Context, conns int) {
	t := time.NewTicker(writableEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, writableEvery)
		err := s.Ready(pctx)
		cancel()
		if isReadOnly(err) {
			s.drain(ctx, conns)
		}
	}
}

// drain closes the pool's connections so that, for a moment, none is
// open: one connection at most, each closed when it is given back (its
// lifetime is over at once), then the pool as it was.
func (s *DB) drain(ctx context.Context, conns int) {
	s.db.SetMaxOpenConns(1)
	s.db.SetConnMaxLifetime(time.Nanosecond)
	select {
	case <-ctx.Done():
	case <-time.After(drainFor):
	}
	s.db.SetConnMaxLifetime(sqliteConnLifetime)
	s.db.SetMaxOpenConns(conns)
	s.db.SetMaxIdleConns(conns)
}

// isReadOnly reports whether err is SQLite's SQLITE_READONLY, with any
// extended code.
func isReadOnly(err error) bool {
	var sqErr *sqlite.Error
	return errors.As(err, &sqErr) && sqErr.Code()&0xff == sqlite3.SQLITE_READONLY
}
