package mail_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/mail"
	"github.com/invenio-go/accounts/internal/mail/mailtest"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

// TestMailerEnqueueNeverWaits: while the worker is stuck on an SMTP server
// that never answers, Enqueue still returns at once; stopping Run waits for
// the stuck send to time out, records it, and leaves nothing claimed.
func TestMailerEnqueueNeverWaits(t *testing.T) {
	t.Parallel()
	port, conns := stalledServer(t)
	db := sqliteDB(t)
	m := newMailer(db, smtpTo(t, port, time.Minute), mail.Options{SendTimeout: 2 * time.Second})
	stop := runInBackground(m)
	ctx := context.Background()
	if err := m.Enqueue(ctx, message("user@example.org", "first")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-conns:
	case <-time.After(5 * time.Second):
		t.Fatal("the worker never connected")
	}
	var slowest time.Duration
	for i := range 20 {
		start := time.Now()
		if err := m.Enqueue(ctx, message("user@example.org", "more "+itoa(i))); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
	}
	if slowest > 500*time.Millisecond { // the worker is stuck for 2s
		t.Errorf("slowest Enqueue took %v while the worker was stuck, want milliseconds", slowest)
	}
	start := time.Now()
	stop()
	t.Logf("slowest Enqueue %v; Run stopped %v after cancel", slowest, time.Since(start))
	rows := queueRows(t, db)
	if len(rows) != 21 || rows[0].Status != mail.StatusQueued || rows[0].Attempts != 1 {
		t.Fatalf("first row = %+v, want the timed-out send queued for a retry", rows[0])
	}
	for _, r := range rows {
		if r.Status == mail.StatusSending {
			t.Errorf("a row is still claimed after Run returned: %+v", r)
		}
	}
}

// TestMailerGracefulStop: Run, stopped in the middle of a slow send,
// finishes that message and gives back the rest of its batch unsent.
func TestMailerGracefulStop(t *testing.T) {
	t.Parallel()
	p := mailtest.StartMailpit(t)
	port, conns := slowProxy(t, p.SMTPAddr(), 500*time.Millisecond)
	db := sqliteDB(t)
	m := newMailer(db, smtpTo(t, port, 5*time.Second), mail.Options{})
	for i := range 3 {
		if err := m.Enqueue(context.Background(), message("user@example.org", "s"+itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	stop := runInBackground(m)
	<-conns // the first send has started
	start := time.Now()
	stop()
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("Run returned %v after cancel: it did not wait for the send in flight", d)
	}
	if got := p.Messages(t); len(got) != 1 || got[0].Subject != "s0" {
		t.Fatalf("mailpit holds %+v, want only s0", got)
	}
	want := []string{mail.StatusSent, mail.StatusQueued, mail.StatusQueued}
	for i, r := range queueRows(t, db) {
		if r.Status != want[i] || (i > 0 && r.Attempts != 0) {
			t.Errorf("row %d = %+v, want %s (released rows: no attempt counted)", i, r, want[i])
		}
	}
}

// TestMailersShareOnePostgresQueue: three nodes, each with its own database
// pool and Mailer, on one PostgreSQL queue: 50 messages, each delivered
// exactly once (counted at the SMTP server).
func TestMailersShareOnePostgresQueue(t *testing.T) {
	t.Parallel()
	dsn := postgresDSN(t)
	p := mailtest.StartMailpit(t)
	// Each connection waits 20ms, as over a network, so that the nodes'
	// claims overlap.
	port, _ := slowProxy(t, p.SMTPAddr(), 20*time.Millisecond)
	const nodes, messages = 3, 50
	mailers := make([]*mail.Mailer, nodes)
	for i := range mailers {
		mailers[i] = newMailer(openPostgres(t, dsn), smtpTo(t, port, 5*time.Second),
			mail.Options{Worker: fmt.Sprint("node", i), BatchSize: 4, Poll: 50 * time.Millisecond})
		defer runInBackground(mailers[i])()
	}
	var wg sync.WaitGroup
	for i := range messages {
		wg.Go(func() {
			if err := mailers[i%nodes].Enqueue(context.Background(), message("user@example.org", fmt.Sprint("message ", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	p.WaitMessages(t, messages, 30*time.Second)
	time.Sleep(300 * time.Millisecond) // let a duplicate, if any, arrive
	wantEachOnce(t, p, messages)
	by := sentBy(t, openPostgres(t, dsn))
	t.Logf("messages sent by each node: %v", by)
	if len(by) < 2 {
		t.Errorf("only %v sent: the nodes did not share the work", by)
	}
	st, err := mailers[0].Stats(context.Background())
	if err != nil || st != (mail.Stats{Sent: messages}) {
		t.Errorf("Stats = %+v, %v; want %d sent", st, err, messages)
	}
}

// sentBy counts the sent messages by the worker that sent them.
func sentBy(t *testing.T, db *sqlstore.DB) map[string]int {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT locked_by, count(*) FROM accounts_go_mail_queue WHERE status = 'sent' GROUP BY locked_by`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var w string
		var n int
		if err := rows.Scan(&w, &n); err != nil {
			t.Fatal(err)
		}
		out[w] = n
	}
	return out
}

// wantEachOnce checks that mailpit holds "message 0" … "message n-1", each
// exactly once.
func wantEachOnce(t *testing.T, p *mailtest.Mailpit, n int) {
	t.Helper()
	count := map[string]int{}
	for _, s := range p.Messages(t) {
		count[s.Subject]++
	}
	for i := range n {
		if c := count[fmt.Sprint("message ", i)]; c != 1 {
			t.Errorf("message %d delivered %d times", i, c)
		}
	}
	if len(count) != n {
		t.Errorf("mailpit holds %d distinct subjects, want %d", len(count), n)
	}
}
