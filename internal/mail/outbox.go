package mail

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Outbox is the Sender used when no MAIL_SERVER is set: each message becomes
// one RFC 5322 file in a directory (ACCOUNTS_DATA_DIR/outbox), named
// <UTC time>-<random>.eml so that names sort by time and never collide, and
// one log line that names the file but never shows the body (it holds
// confirmation and reset links). It is safe for concurrent use.
type Outbox struct {
	dir           string
	log           *slog.Logger
	defaultSender string
}

var _ Sender = (*Outbox)(nil)

// NewOutbox creates dir (mode 0700) when missing and returns the outbox.
// defaultSender is the From of messages without one; logger may be nil.
// It fails when dir cannot be created.
func NewOutbox(dir, defaultSender string, logger *slog.Logger) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Outbox{dir: dir, log: logger, defaultSender: defaultSender}, nil
}

// Dir returns the outbox directory.
func (o *Outbox) Dir() string { return o.dir }

// Send implements Sender. The file appears complete or not at all (a
// temporary file renamed into place). An invalid message is a permanent
// *SendError; a failed write (disk full) a temporary one.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = o.defaultSender
	}
	raw, err := Render(m)
	if err != nil {
		return &SendError{Permanent: true, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Err: err}
	}
	name := time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + rand.Text()[:10] + ".eml"
	if err := writeFileAtomic(filepath.Join(o.dir, name), raw); err != nil {
		return &SendError{Err: fmt.Errorf("outbox: %w", err)}
	}
	o.log.InfoContext(ctx, "email written to the outbox (no MAIL_SERVER)",
		"recipients", len(m.To), "subject", m.Subject, "file", filepath.Join(o.dir, name))
	return nil
}

// writeFileAtomic writes data to a hidden temporary file in the same
// directory, syncs it and renames it to path.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
