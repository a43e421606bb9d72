package mail_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/invenio-go/accounts/internal/mail"
	"github.com/invenio-go/accounts/internal/mail/mailtest"
)

func TestSMTPDelivers(t *testing.T) {
	t.Parallel()
	cert, key, trust := testCert(t)
	tlsFlags := []string{"--smtp-tls-cert", cert, "--smtp-tls-key", key}
	authFlags := []string{"--smtp-auth-file", authFile(t, "mailer", "pw-1")}
	tests := []struct {
		name  string
		flags []string
		opts  mail.SMTPOptions
	}{
		{name: "plain SMTP"},
		{name: "AUTH without TLS to loopback", flags: append([]string{"--smtp-auth-allow-insecure"}, authFlags...),
			opts: mail.SMTPOptions{Username: "mailer", Password: "pw-1"}},
		{name: "STARTTLS and AUTH", flags: append(append([]string{"--smtp-require-starttls"}, tlsFlags...), authFlags...),
			opts: mail.SMTPOptions{UseTLS: true, TLSConfig: trust, Username: "mailer", Password: "pw-1"}},
		{name: "implicit TLS", flags: append([]string{"--smtp-require-tls"}, tlsFlags...),
			opts: mail.SMTPOptions{UseSSL: true, TLSConfig: trust}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mailtest.StartMailpit(t, tt.flags...)
			o := tt.opts
			o.Server, o.Port, o.Timeout = p.SMTPHost, p.SMTPPort, 5*time.Second
			o.DefaultSender = "Zenodo Équipe <no-reply@example.org>"
			s, err := mail.NewSMTP(o)
			if err != nil {
				t.Fatal(err)
			}
			m := mail.Message{To: []string{"Jösé Ü <jose@example.org>", "josé@example.org"},
				Subject: "Réinitialisez votre mot de passe 🔑", Text: "Lien : https://example.org/r/é\nfin",
				HTML: "<p>Lien : <a href=\"https://example.org/r/é\">ici</a></p>"}
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := p.WaitMessages(t, 1, 5*time.Second)
			if len(got) != 1 {
				t.Fatalf("mailpit holds %d messages, want 1", len(got))
			}
			d := p.Message(t, got[0].ID)
			want := mailtest.Detail{ID: d.ID, MessageID: d.MessageID, Date: d.Date,
				Subject: m.Subject, Text: "Lien : https://example.org/r/é\r\nfin", HTML: m.HTML,
				From: &mailtest.Address{Name: "Zenodo Équipe", Address: "no-reply@example.org"},
				To:   []mailtest.Address{{Name: "Jösé Ü", Address: "jose@example.org"}, {Address: "josé@example.org"}}}
			if diff := cmp.Diff(want, d); diff != "" {
				t.Errorf("message in mailpit (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSMTPErrors(t *testing.T) {
	t.Parallel()
	stalled, _ := stalledServer(t)
	tests := []struct {
		name      string
		server    func(t *testing.T) int // the SMTP port
		opts      mail.SMTPOptions
		ctx       time.Duration // cancel the send after this; 0: never
		permanent bool
		code      int
		within    time.Duration
	}{
		{name: "connection refused", server: func(t *testing.T) int { return mailtest.FreePort(t) }, within: 2 * time.Second},
		{name: "550 unknown recipient", server: mailpitWith("--smtp-allowed-recipients", "^ok@"),
			permanent: true, code: 550, within: 5 * time.Second},
		{name: "451 try later", server: mailpitWith("--enable-chaos", "--chaos-triggers", "Recipient:451:100"),
			code: 451, within: 5 * time.Second},
		{name: "STARTTLS required but not offered", server: mailpitWith(),
			opts: mail.SMTPOptions{UseTLS: true}, within: 5 * time.Second},
		{name: "AUTH configured but not offered", server: mailpitWith(),
			opts: mail.SMTPOptions{Username: "u", Password: "p"}, within: 5 * time.Second},
		{name: "wrong password", server: mailpitWith("--smtp-auth-allow-insecure", "--smtp-auth-file", authFile(t, "mailer", "right")),
			opts: mail.SMTPOptions{Username: "mailer", Password: "wrong"}, code: 535, within: 5 * time.Second},
		{name: "AUTH required but not configured", server: mailpitWith("--smtp-auth-allow-insecure", "--smtp-auth-file", authFile(t, "mailer", "right")),
			code: 530, within: 5 * time.Second},
		{name: "silent server: timeout", server: func(*testing.T) int { return stalled },
			opts: mail.SMTPOptions{Timeout: 300 * time.Millisecond}, within: 2 * time.Second},
		{name: "silent server: context ends", server: func(*testing.T) int { return stalled },
			opts: mail.SMTPOptions{Timeout: time.Minute}, ctx: 200 * time.Millisecond, within: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := tt.opts
			o.Server, o.Port, o.DefaultSender = "127.0.0.1", tt.server(t), "no-reply@example.org"
			s, err := mail.NewSMTP(o)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tt.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctx)
				defer cancel()
			}
			start := time.Now()
			err = s.Send(ctx, message("bad@example.org", "s"))
			var se *mail.SendError
			if !errors.As(err, &se) || se.Permanent != tt.permanent || mail.IsPermanent(err) != tt.permanent || se.Code != tt.code {
				t.Errorf("Send = %#v (%v), want a SendError permanent=%v code=%d", err, err, tt.permanent, tt.code)
			}
			if d := time.Since(start); d > tt.within {
				t.Errorf("Send took %v, want under %v", d, tt.within)
			}
			if err != nil && strings.Contains(err.Error(), "SECRET-TOKEN") {
				t.Errorf("the error shows the body: %v", err)
			}
		})
	}
}

// authFile writes a mailpit password file with one user.
func authFile(t *testing.T, user, password string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "smtp-auth")
	if err := os.WriteFile(p, []byte(user+":"+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mailpitWith(flags ...string) func(t *testing.T) int {
	return func(t *testing.T) int { return mailtest.StartMailpit(t, flags...).SMTPPort }
}

func TestNewSMTPRefusesBadOptions(t *testing.T) {
	for _, o := range []mail.SMTPOptions{
		{},
		{Server: "smtp.example.org", UseTLS: true, UseSSL: true},
		{Server: "smtp.example.org", Port: 70000},
	} {
		if _, err := mail.NewSMTP(o); err == nil {
			t.Errorf("NewSMTP(%+v) = nil error", o)
		}
	}
}

// TestSMTPConcurrentSends: one SMTP sender is safe for concurrent use.
func TestSMTPConcurrentSends(t *testing.T) {
	t.Parallel()
	p := mailtest.StartMailpit(t, "--smtp-auth-allow-insecure", "--smtp-auth-file", authFile(t, "mailer", "pw"))
	s, err := mail.NewSMTP(mail.SMTPOptions{Server: p.SMTPHost, Port: p.SMTPPort, Username: "mailer", Password: "pw",
		DefaultSender: "no-reply@example.org", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if err := s.Send(context.Background(), message("user@example.org", fmt.Sprint("message ", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	p.WaitMessages(t, 10, 5*time.Second)
	wantEachOnce(t, p, 10)
}
