package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/mail"
	"github.com/invenio-go/accounts/internal/mail/mailtest"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

const sender = "Accounts <no-reply@example.org>"

// newMailer is a Mailer on db's queue with test-sized timings.
func newMailer(db *sqlstore.DB, s mail.Sender, o mail.Options) *mail.Mailer {
	o.DefaultFrom = sender
	if o.RetryBase == 0 {
		o.RetryBase = 200 * time.Millisecond
	}
	if o.SendTimeout == 0 {
		o.SendTimeout = 5 * time.Second
	}
	return mail.New(db.MailQueue(), s, o)
}

func runOnce(t *testing.T, m *mail.Mailer) mail.Result {
	t.Helper()
	res, err := m.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return res
}

// runInBackground runs m until the returned stop is called; stop waits for
// Run to return.
func runInBackground(m *mail.Mailer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func TestMailerDelivers(t *testing.T) {
	t.Parallel()
	p := mailtest.StartMailpit(t)
	db := sqliteDB(t)
	m := newMailer(db, mailpitSender(t, p), mail.Options{})
	for i := range 3 {
		if err := m.Enqueue(context.Background(), message("user@example.org", "subject "+itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if res := runOnce(t, m); res != (mail.Result{Claimed: 3, Sent: 3}) {
		t.Errorf("RunOnce = %+v, want 3 sent", res)
	}
	got := p.WaitMessages(t, 3, 5*time.Second)
	for _, s := range got {
		if s.From.Address != "no-reply@example.org" || len(s.To) != 1 || !strings.HasPrefix(s.Subject, "subject ") {
			t.Errorf("delivered %+v", s)
		}
	}
	for _, r := range queueRows(t, db) {
		if r.Status != mail.StatusSent || r.Attempts != 1 || r.Message != "" {
			t.Errorf("row %+v, want sent after 1 attempt, body dropped", r)
		}
	}
	if st, err := m.Stats(context.Background()); err != nil || st.Sent != 3 || st.Queued != 0 {
		t.Errorf("Stats = %+v, %v", st, err)
	}
}

func TestMailerEnqueueValidates(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	m := newMailer(db, nil, mail.Options{})
	for _, msg := range []mail.Message{
		message("user@example.org\r\nBcc: victim@example.org", "s"),
		message("not an address", "s"),
		message("user@example.org", "line\nbreak"),
		{To: []string{"user@example.org"}, Subject: "no body"},
		{Subject: "no recipient", Text: "t"},
	} {
		if err := m.Enqueue(context.Background(), msg); !errors.Is(err, mail.ErrInvalid) {
			t.Errorf("Enqueue(%q, %q) = %v, want ErrInvalid", msg.To, msg.Subject, err)
		}
	}
	if rows := queueRows(t, db); len(rows) != 0 {
		t.Errorf("queued %d invalid messages", len(rows))
	}
}

// TestMailerOutbox: with the outbox, Enqueue wakes the worker (the poll
// interval is an hour) and the message lands in a file.
func TestMailerOutbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, err := mail.NewOutbox(dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := newMailer(sqliteDB(t), o, mail.Options{Poll: time.Hour})
	stop := runInBackground(m)
	defer stop()
	if err := m.Enqueue(context.Background(), message("user@example.org", "Welcome")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if entries, _ := os.ReadDir(dir); len(entries) == 1 && outboxName.MatchString(entries[0].Name()) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no file in the outbox 5s after Enqueue")
		}
	}
}

// TestMailerSMTPDown: nothing listens; the message stays queued with its
// attempt counted and a retry time ahead, and goes out once the server is up.
func TestMailerSMTPDown(t *testing.T) {
	t.Parallel()
	port := mailtest.FreePort(t)
	db := sqliteDB(t)
	m := newMailer(db, smtpTo(t, port, 2*time.Second), mail.Options{RetryBase: 300 * time.Millisecond})
	if err := m.Enqueue(context.Background(), message("user@example.org", "s")); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if res := runOnce(t, m); res != (mail.Result{Claimed: 1, Retried: 1}) {
		t.Fatalf("RunOnce with SMTP down = %+v, want 1 retried", res)
	}
	r := queueRows(t, db)[0]
	if r.Status != mail.StatusQueued || r.Attempts != 1 || !r.NextAttemptAt.After(before) ||
		!strings.Contains(r.LastError, "connect") {
		t.Fatalf("row after a failed attempt = %+v, want queued, 1 attempt, a retry time ahead and the error", r)
	}
	if res := runOnce(t, m); res.Claimed != 0 {
		t.Fatalf("claimed before the retry time: %+v", res)
	}
	p := mailtest.StartMailpitOn(t, port)
	time.Sleep(time.Until(r.NextAttemptAt))
	if res := runOnce(t, m); res != (mail.Result{Claimed: 1, Sent: 1}) {
		t.Fatalf("RunOnce with SMTP up = %+v, want 1 sent", res)
	}
	p.WaitMessages(t, 1, 5*time.Second)
	if r := queueRows(t, db)[0]; r.Status != mail.StatusSent || r.Attempts != 2 {
		t.Errorf("row = %+v, want sent at the second attempt", r)
	}
}

// TestMailerRejections: a 5xx is a dead letter after one try, with an error
// log line that does not show the body; a 4xx is retried until it passes.
func TestMailerRejections(t *testing.T) {
	t.Parallel()
	p := mailtest.StartMailpit(t, "--smtp-allowed-recipients", "^ok@", "--enable-chaos")
	db := sqliteDB(t)
	var logs syncBuffer
	m := newMailer(db, mailpitSender(t, p), mail.Options{RetryBase: 50 * time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx := context.Background()
	for _, to := range []string{"nobody@example.org", "ok@example.org"} {
		if err := m.Enqueue(ctx, message(to, "to "+to)); err != nil {
			t.Fatal(err)
		}
	}
	p.SetChaos(t, 451, 0)
	if res := runOnce(t, m); res != (mail.Result{Claimed: 2, Sent: 1, Dead: 1}) {
		t.Fatalf("RunOnce = %+v, want 1 sent and 1 dead", res)
	}
	dead := queueRows(t, db)[0]
	if dead.Status != mail.StatusDead || dead.Attempts != 1 || !strings.Contains(dead.LastError, "550") || dead.Message == "" {
		t.Errorf("rejected row = %+v, want dead after 1 attempt with the 550, body kept", dead)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"email given up (dead letter)"`) ||
		strings.Contains(logs.String(), "SECRET-TOKEN") {
		t.Errorf("logs: want an error line for the dead letter and no body:\n%s", logs.String())
	}

	p.SetChaos(t, 451, 100)
	if err := m.Enqueue(ctx, message("ok@example.org", "greylisted")); err != nil {
		t.Fatal(err)
	}
	if res := runOnce(t, m); res != (mail.Result{Claimed: 1, Retried: 1}) {
		t.Fatalf("RunOnce with 451 = %+v, want 1 retried", res)
	}
	p.SetChaos(t, 451, 0)
	time.Sleep(100 * time.Millisecond)
	if res := runOnce(t, m); res != (mail.Result{Claimed: 1, Sent: 1}) {
		t.Fatalf("RunOnce after the 451 = %+v, want 1 sent", res)
	}
}

func TestMailerDeadAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	m := newMailer(db, smtpTo(t, mailtest.FreePort(t), time.Second), mail.Options{MaxAttempts: 3, RetryBase: time.Millisecond})
	if err := m.Enqueue(context.Background(), message("user@example.org", "s")); err != nil {
		t.Fatal(err)
	}
	var total mail.Result
	for i := 0; i < 200 && total.Dead == 0; i++ {
		res := runOnce(t, m)
		total.Claimed, total.Retried, total.Dead = total.Claimed+res.Claimed, total.Retried+res.Retried, total.Dead+res.Dead
		time.Sleep(2 * time.Millisecond)
	}
	if total != (mail.Result{Claimed: 3, Retried: 2, Dead: 1}) {
		t.Errorf("results = %+v, want 2 retries then a dead letter", total)
	}
	if r := queueRows(t, db)[0]; r.Status != mail.StatusDead || r.Attempts != 3 {
		t.Errorf("row = %+v, want dead after 3 attempts", r)
	}
}

// failSender fails the test when called.
type failSender struct{ t *testing.T }

func (f failSender) Send(context.Context, mail.Message) error {
	f.t.Error("Send called")
	return nil
}

// TestMailerLeaseExpiredTooOften: a job whose workers kept dying mid-send
// becomes a dead letter instead of being claimed forever.
func TestMailerLeaseExpiredTooOften(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	m := newMailer(db, failSender{t}, mail.Options{MaxAttempts: 2})
	msg := message("user@example.org", "s")
	msg.From = sender
	raw, err := mail.Render(msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MailQueue().Enqueue(context.Background(), raw, time.Now().Add(-4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i := 3; i > 0; i-- { // a worker that claims and dies, three times
		if _, err := db.MailQueue().Claim(context.Background(), "ghost", 1, time.Now().Add(-time.Duration(i)*time.Hour), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if res := runOnce(t, m); res != (mail.Result{Claimed: 1, Dead: 1}) {
		t.Errorf("RunOnce = %+v, want 1 dead", res)
	}
	if r := queueRows(t, db)[0]; r.Status != mail.StatusDead || !strings.Contains(r.LastError, "lease expired") {
		t.Errorf("row = %+v", r)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// refusingQueue is a real queue whose MarkSent first fails as a database
// that cannot be written does (fault injection), refuse times.
type refusingQueue struct {
	mail.Queue
	mu     sync.Mutex
	refuse int
	calls  int
}

func (q *refusingQueue) MarkSent(ctx context.Context, id int64, worker string, now time.Time) error {
	q.mu.Lock()
	q.calls++
	refused := q.calls <= q.refuse
	q.mu.Unlock()
	if refused {
		return errors.New("attempt to write a readonly database")
	}
	return q.Queue.MarkSent(ctx, id, worker, now)
}

// TestMailerRecordsDeliveryAfterRefusals (docs/reliability.md, finding 4):
// a delivered message whose record the database refuses for a moment is
// recorded once it can be, not left "sending" to be sent again when its
// lease ends; a stopping worker does not wait for the database.
func TestMailerRecordsDeliveryAfterRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		refuse    int
		stopAfter time.Duration // 0: never
		wantSent  int
		wantErr   bool
		status    string
		maxTime   time.Duration
	}{
		{"refused twice", 2, 0, 1, false, mail.StatusSent, 5 * time.Second},
		{"refused while the worker stops", 1000, 500 * time.Millisecond, 0, true, mail.StatusSending, 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := sqliteDB(t)
			o, err := mail.NewOutbox(t.TempDir(), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			q := &refusingQueue{Queue: db.MailQueue(), refuse: tc.refuse}
			m := mail.New(q, o, mail.Options{DefaultFrom: sender, SendTimeout: 5 * time.Second})
			if err := m.Enqueue(context.Background(), message("user@example.org", "Welcome")); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.stopAfter > 0 {
				time.AfterFunc(tc.stopAfter, cancel)
			}
			start := time.Now()
			res, err := m.RunOnce(ctx)
			took := time.Since(start)
			if res.Sent != tc.wantSent || (err != nil) != tc.wantErr || took > tc.maxTime {
				t.Errorf("RunOnce = %+v, %v after %s; want %d sent, error %v, within %s", res, err, took, tc.wantSent, tc.wantErr, tc.maxTime)
			}
			if r := queueRows(t, db)[0]; r.Status != tc.status {
				t.Errorf("row %+v, want %s", r, tc.status)
			}
		})
	}
}
