package main

import (
	"database/sql"
	"html"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the binary's SQLite database, read by the test

	"github.com/invenio-go/accounts/internal/mail/mailtest"
)

const e2eMailSender = "accounts@example.org"

// TestEndToEndMail drives the real binary's email flows against a mailpit
// SMTP server: the welcome email and its confirmation link, a password
// reset through the emailed link (used once), and a reset requested while
// the SMTP server is down, which is answered at once, stays queued and is
// delivered when the server is back.
//
// The mail worker's retry wait (30 s ±20%, mail.Options.RetryBase) has no
// setting in serve, so the last part pulls the queued message's
// next_attempt_at forward in the binary's database instead of waiting;
// the worker then retries it on its next poll (5 s).
func TestEndToEndMail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped in -short mode")
	}
	mailtest.MailpitBinary(t) // skip (fail under CI) before building
	bin := e2eBuild(t)

	// The SMTP port is chosen now and each subtest runs its own mailpit on
	// it, stopped when the subtest ends: so the SMTP server goes away and
	// comes back at the same address while the binary keeps running.
	smtpPort := mailtest.FreePort(t)
	addr := freeAddr(t)
	base := "http://" + addr
	dataDir := t.TempDir()
	srv := e2eStart(t, bin, addr, dataDir, []string{
		"MAIL_SERVER=127.0.0.1",
		"MAIL_PORT=" + strconv.Itoa(smtpPort),
		"MAIL_DEFAULT_SENDER=" + e2eMailSender,
		"ACCOUNTS_BASE_URL=" + base,
	})

	const (
		email       = "e2e-mail@example.org"
		oldPassword = "correct horse battery staple"
		newPassword = "new staple horse battery 42"
	)

	ok := t.Run("ConfirmAndReset", func(t *testing.T) {
		mp := mailtest.StartMailpitOn(t, smtpPort)
		c := newE2EClient(t)

		// 1. Sign-up: the welcome email carries the confirmation link.
		creds := map[string]string{"email": email, "password": oldPassword}
		if r := c.do("POST", base+"/api/register", creds); r.status != http.StatusOK {
			t.Fatalf("POST /api/register = %d %s, want 200", r.status, r.body)
		}
		welcome := e2eWaitMail(t, mp, email, "Welcome", 15*time.Second)
		e2eCheckMail(t, mp, welcome, email)
		if !strings.Contains(welcome.Text, "Welcome "+email+"!") || !strings.Contains(welcome.HTML, "Welcome "+email+"!") {
			t.Errorf("welcome email does not greet %s:\ntext: %s\nhtml: %s", email, welcome.Text, welcome.HTML)
		}
		confirmLink := e2eMailLink(t, welcome, addr, "/confirm/")
		if r := e2eMailGet(c, confirmLink); r.status != http.StatusFound || r.location != "/" {
			t.Fatalf("GET %s = %d (Location %q), want 302 to /\n%s", confirmLink, r.status, r.location, r.body)
		}
		me := c.do("GET", base+"/api/me", nil)
		if me.status != http.StatusOK || me.json(t)["email"] != email {
			t.Fatalf("GET /api/me after confirming = %d %s, want 200 with %s", me.status, me.body, email)
		}
		if at, _ := me.json(t)["confirmed_at"].(string); at == "" {
			t.Fatalf("GET /api/me after confirming: confirmed_at is %v, want a time (%s)", me.json(t)["confirmed_at"], me.body)
		}

		// 2. Forgotten password: the emailed link opens the reset form.
		if r := c.do("POST", base+"/api/logout", nil); r.status != http.StatusOK {
			t.Fatalf("POST /api/logout = %d %s, want 200", r.status, r.body)
		}
		if r := c.do("POST", base+"/api/forgot-password", map[string]string{"email": email}); r.status != http.StatusOK {
			t.Fatalf("POST /api/forgot-password = %d %s, want 200", r.status, r.body)
		}
		instructions := e2eWaitMail(t, mp, email, "Password reset instructions", 15*time.Second)
		e2eCheckMail(t, mp, instructions, email)
		resetLink := e2eMailLink(t, instructions, addr, "/lost-password/")
		if !strings.HasSuffix(resetLink, "/") {
			t.Errorf("reset link %s does not end in /", resetLink)
		}
		page := e2eMailGet(c, resetLink)
		if page.status != http.StatusOK || !strings.Contains(page.body, `name="password_confirm"`) {
			t.Fatalf("GET %s = %d, want 200 with the reset form\n%s", resetLink, page.status, page.body)
		}
		csrf := c.cookie(resetLink, "csrftoken")
		if csrf == "" || !strings.Contains(page.body, `name="csrf_token" value="`+csrf+`"`) {
			t.Fatalf("the reset form's csrf_token is not the csrftoken cookie %q:\n%s", csrf, page.body)
		}
		form := url.Values{"password": {newPassword}, "password_confirm": {newPassword}, "csrf_token": {csrf}}
		if r := e2eMailPostForm(c, resetLink, form); r.status != http.StatusFound || r.location != "/login/" {
			t.Fatalf("POST %s = %d (Location %q), want 302 to /login/\n%s", resetLink, r.status, r.location, r.body)
		}
		notice := e2eWaitMail(t, mp, email, "Your password has been reset", 15*time.Second)
		e2eCheckMail(t, mp, notice, email)
		if !strings.Contains(notice.Text, "Your password has been reset.") {
			t.Errorf("reset notice text: %s", notice.Text)
		}

		if r := c.do("POST", base+"/api/login", map[string]string{"email": email, "password": newPassword}); r.status != http.StatusOK {
			t.Fatalf("POST /api/login with the new password = %d %s, want 200", r.status, r.body)
		}
		c.wantMe(base, email)
		if r := c.do("POST", base+"/api/logout", nil); r.status != http.StatusOK {
			t.Fatalf("POST /api/logout = %d %s, want 200", r.status, r.body)
		}
		if r := c.do("POST", base+"/api/login", creds); r.status != http.StatusBadRequest {
			t.Fatalf("POST /api/login with the old password = %d %s, want 400", r.status, r.body)
		}

		// 3. The reset link works once: it was bound to the old password.
		if r := e2eMailGet(c, resetLink); r.status != http.StatusFound || r.location != "/lost-password/" {
			t.Fatalf("GET %s again = %d (Location %q), want 302 to /lost-password/\n%s", resetLink, r.status, r.location, r.body)
		}
		if r := e2eMailGet(c, base+"/lost-password/"); r.status != http.StatusOK || !strings.Contains(r.body, "Invalid reset password token.") {
			t.Errorf("GET /lost-password/ after the used link = %d, want 200 flashing the invalid token\n%s", r.status, r.body)
		}
		form.Set("csrf_token", c.cookie(resetLink, "csrftoken"))
		form.Set("password", oldPassword)
		form.Set("password_confirm", oldPassword)
		if r := e2eMailPostForm(c, resetLink, form); r.status != http.StatusFound || r.location != "/lost-password/" {
			t.Fatalf("POST %s again = %d (Location %q), want 302 to /lost-password/\n%s", resetLink, r.status, r.location, r.body)
		}
		if r := c.do("POST", base+"/api/login", creds); r.status != http.StatusBadRequest {
			t.Fatalf("POST /api/login with the old password after reusing the link = %d %s, want 400", r.status, r.body)
		}
		if ms := mp.Messages(t); len(ms) != 3 {
			t.Errorf("mailpit holds %d messages, want 3 (welcome, instructions, notice): %+v", len(ms), ms)
		}
	})
	if !ok {
		return
	}

	t.Run("SMTPDownThenBack", func(t *testing.T) {
		// The subtest's mailpit is gone: nothing listens on smtpPort.
		db := e2eOpenQueue(t, dataDir)
		if got := e2eQueueCounts(t, db); got != "sent=3" {
			t.Fatalf("mail queue before = %s, want sent=3", got)
		}

		c := newE2EClient(t)
		start := time.Now()
		r := c.do("POST", base+"/api/forgot-password", map[string]string{"email": email})
		took := time.Since(start)
		if r.status != http.StatusOK {
			t.Fatalf("POST /api/forgot-password with SMTP down = %d %s, want 200", r.status, r.body)
		}
		if took > 2*time.Second {
			t.Fatalf("POST /api/forgot-password with SMTP down took %s, want < 2s (the request must not wait on SMTP)", took)
		}
		t.Logf("POST /api/forgot-password with SMTP down answered in %s", took.Round(time.Millisecond))

		// The worker tries at once, fails, and keeps the message for later.
		job := e2eWaitQueue(t, db, 10*time.Second, func(j e2eMailJob) bool {
			return j.status == "queued" && j.attempts == 1 && j.lastError != ""
		})
		if !strings.Contains(job.message, "Password reset instructions") || !strings.Contains(job.message, email) {
			t.Fatalf("queued message %d is not the reset instructions to %s:\n%s", job.id, email, job.message)
		}
		wait := time.Until(job.nextAttempt)
		if wait < 15*time.Second || wait > 40*time.Second {
			t.Errorf("next attempt of message %d in %s, want the first backoff (30s ±20%%)", job.id, wait.Round(time.Millisecond))
		}
		t.Logf("message %d queued after a failed attempt (%s); next attempt in %s", job.id, job.lastError, wait.Round(time.Second))

		mp := mailtest.StartMailpitOn(t, smtpPort)
		// Bring the retry forward rather than wait out the backoff.
		res, err := db.Exec(`UPDATE accounts_go_mail_queue SET next_attempt_at = created
			WHERE id = ? AND status = 'queued'`, job.id)
		if err != nil {
			t.Fatalf("moving the retry forward: %v", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("moving the retry forward updated %d rows, want 1", n)
		}
		back := time.Now()
		instructions := e2eWaitMail(t, mp, email, "Password reset instructions", 15*time.Second)
		t.Logf("delivered %s after the SMTP server came back", time.Since(back).Round(time.Millisecond))
		e2eCheckMail(t, mp, instructions, email)
		e2eWaitQueue(t, db, 10*time.Second, func(j e2eMailJob) bool {
			return j.id == job.id && j.status == "sent" && j.attempts == 2
		})
		if got := e2eQueueCounts(t, db); got != "sent=4" {
			t.Errorf("mail queue after = %s, want sent=4", got)
		}
		if ms := mp.Messages(t); len(ms) != 1 {
			t.Errorf("mailpit holds %d messages, want 1: %+v", len(ms), ms)
		}

		// The delayed link still works.
		link := e2eMailLink(t, instructions, addr, "/lost-password/")
		if r := e2eMailGet(c, link); r.status != http.StatusOK || !strings.Contains(r.body, `name="password_confirm"`) {
			t.Fatalf("GET %s = %d, want 200 with the reset form\n%s", link, r.status, r.body)
		}
	})

	srv.stop()
}

// e2eWaitMail polls mailpit until it holds a message to the address with
// the subject, and returns it decoded.
func e2eWaitMail(t *testing.T, mp *mailtest.Mailpit, to, subject string, timeout time.Duration) mailtest.Detail {
	t.Helper()
	start := time.Now()
	for {
		ms := mp.Messages(t)
		for _, m := range ms {
			if m.Subject == subject && slices.ContainsFunc(m.To, func(a mailtest.Address) bool { return a.Address == to }) {
				t.Logf("%q to %s arrived in %s", subject, to, time.Since(start).Round(time.Millisecond))
				return mp.Message(t, m.ID)
			}
		}
		if time.Since(start) > timeout {
			subjects := make([]string, len(ms))
			for i, m := range ms {
				subjects[i] = m.Subject
			}
			t.Fatalf("no %q email to %s within %s; mailpit holds %q", subject, to, timeout, subjects)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// e2eCheckMail checks what every account email has: our sender, the one
// recipient, and both a text and an HTML part.
func e2eCheckMail(t *testing.T, mp *mailtest.Mailpit, d mailtest.Detail, to string) {
	t.Helper()
	if d.From == nil || d.From.Address != e2eMailSender {
		t.Errorf("%q: From = %+v, want %s", d.Subject, d.From, e2eMailSender)
	}
	if len(d.To) != 1 || d.To[0].Address != to {
		t.Errorf("%q: To = %+v, want only %s", d.Subject, d.To, to)
	}
	if strings.TrimSpace(d.Text) == "" || strings.TrimSpace(d.HTML) == "" {
		t.Errorf("%q: want a text and an HTML part; text %q, HTML %q", d.Subject, d.Text, d.HTML)
	}
	if raw := string(mp.Raw(t, d.ID)); !strings.Contains(raw, "multipart/alternative") {
		t.Errorf("%q is not multipart/alternative:\n%s", d.Subject, raw)
	}
}

var e2eLinkRE = regexp.MustCompile(`https?://[^\s"'<>]+`)

// e2eMailLink returns the link of the email whose path starts with prefix,
// requiring the same link in the text and the HTML part and the binary's
// own address as its host.
func e2eMailLink(t *testing.T, d mailtest.Detail, addr, prefix string) string {
	t.Helper()
	find := func(part, body string) string {
		for _, l := range e2eLinkRE.FindAllString(body, -1) {
			if u, err := url.Parse(l); err == nil && strings.HasPrefix(u.Path, prefix) {
				return l
			}
		}
		t.Fatalf("%q: no %s link in the %s part:\n%s", d.Subject, prefix, part, body)
		return ""
	}
	link := find("text", d.Text)
	if h := find("HTML", html.UnescapeString(d.HTML)); h != link {
		t.Errorf("%q: the HTML link %s differs from the text link %s", d.Subject, h, link)
	}
	u, _ := url.Parse(link)
	if u.Scheme != "http" || u.Host != addr || len(u.Path) <= len(prefix) {
		t.Fatalf("%q: link %s, want http://%s%s<token>", d.Subject, link, addr, prefix)
	}
	return link
}

// e2eMailResponse is a response with its redirect target.
type e2eMailResponse struct {
	status         int
	location, body string
}

func e2eMailGet(c *e2eClient, rawURL string) e2eMailResponse {
	c.t.Helper()
	return e2eMailSend(c, "GET", rawURL, "", nil)
}

// e2eMailPostForm posts an HTML form as a browser does.
func e2eMailPostForm(c *e2eClient, rawURL string, form url.Values) e2eMailResponse {
	c.t.Helper()
	return e2eMailSend(c, "POST", rawURL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func e2eMailSend(c *e2eClient, method, rawURL, contentType string, body io.Reader) e2eMailResponse {
	c.t.Helper()
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the body: %v", method, rawURL, err)
	}
	return e2eMailResponse{resp.StatusCode, resp.Header.Get("Location"), string(b)}
}

// e2eOpenQueue opens the binary's SQLite database (WAL: it may be read and
// written while the binary runs).
func e2eOpenQueue(t *testing.T, dataDir string) *sql.DB {
	t.Helper()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "accounts.db")+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// e2eMailJob is the newest row of accounts_go_mail_queue.
type e2eMailJob struct {
	id, attempts               int64
	status, lastError, message string
	nextAttempt                time.Time
}

// e2eWaitQueue polls the newest queued message until ok holds.
func e2eWaitQueue(t *testing.T, db *sql.DB, timeout time.Duration, ok func(e2eMailJob) bool) e2eMailJob {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var j e2eMailJob
		err := db.QueryRow(`SELECT id, attempts, status, COALESCE(last_error, ''), message, next_attempt_at
			FROM accounts_go_mail_queue ORDER BY id DESC LIMIT 1`).
			Scan(&j.id, &j.attempts, &j.status, &j.lastError, &j.message, &j.nextAttempt)
		if err != nil {
			t.Fatalf("reading the mail queue: %v", err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("mail queue: newest message after %s: id %d, status %s, attempts %d, last error %q, next attempt %s",
				timeout, j.id, j.status, j.attempts, j.lastError, j.nextAttempt)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// e2eQueueCounts returns the queue's rows by status, e.g. "queued=1 sent=3".
func e2eQueueCounts(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT status, count(*) FROM accounts_go_mail_queue GROUP BY status ORDER BY status`)
	if err != nil {
		t.Fatalf("reading the mail queue: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, status+"="+strconv.Itoa(n))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}
