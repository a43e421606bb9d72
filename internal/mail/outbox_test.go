package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/mail"
)

var outboxName = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[A-Z2-7]{10}\.eml$`)

func TestOutbox(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "outbox")
	var logs bytes.Buffer
	o, err := mail.NewOutbox(dir, "Accounts <no-reply@example.org>", slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	subjects := []string{"Welcome", "Please confirm your email", "Réinitialisation"}
	for _, s := range subjects {
		if err := o.Send(context.Background(), message("user@example.org", s)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // names sort by time
	}
	names := outboxFiles(t, dir)
	if len(names) != len(subjects) {
		t.Fatalf("outbox holds %v, want %d files", names, len(subjects))
	}
	for i, name := range names {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got := readBack(t, raw)
		if got.Subject != subjects[i] || got.From != `"Accounts" <no-reply@example.org>` ||
			!strings.Contains(got.Text, "SECRET-TOKEN") || !strings.Contains(got.HTML, `<a href=`) {
			t.Errorf("%s: %+v, want subject %q with both parts", name, got, subjects[i])
		}
		if !strings.Contains(logs.String(), name) {
			t.Errorf("no log line names %s:\n%s", name, logs.String())
		}
	}
	if strings.Contains(logs.String(), "SECRET-TOKEN") || !strings.Contains(logs.String(), `"recipients":1`) {
		t.Errorf("log lines must give the recipient count and never the body:\n%s", logs.String())
	}
}

// outboxFiles lists the outbox, sorted, checking each name and mode.
func outboxFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !outboxName.MatchString(e.Name()) {
			t.Errorf("unexpected file %q in the outbox (a temporary file left behind?)", e.Name())
		}
		if info, _ := e.Info(); info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600 (it holds links with tokens)", e.Name(), info.Mode().Perm())
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestOutboxRefusesInvalid(t *testing.T) {
	o, err := mail.NewOutbox(t.TempDir(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = o.Send(context.Background(), message("user@example.org\r\nBcc: x@example.org", "s"))
	if !mail.IsPermanent(err) {
		t.Errorf("Send = %v, want a permanent error", err)
	}
	if entries, _ := os.ReadDir(o.Dir()); len(entries) != 0 {
		t.Errorf("outbox holds %d files, want none", len(entries))
	}
}

func TestOutboxUnwritable(t *testing.T) {
	dir := t.TempDir()
	o, err := mail.NewOutbox(dir, "no-reply@example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	err = o.Send(context.Background(), message("user@example.org", "s"))
	if err == nil || mail.IsPermanent(err) {
		t.Errorf("Send into a missing directory = %v, want a temporary error", err)
	}
}
