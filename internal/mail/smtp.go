package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"slices"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// SMTPOptions are Flask-Mail's settings.
type SMTPOptions struct {
	Server string // MAIL_SERVER: host name or IP address (required)
	Port   int    // MAIL_PORT; 0 means 25
	// UseTLS (MAIL_USE_TLS) requires STARTTLS: a server that does not offer
	// it, or whose certificate does not verify, gets nothing.
	UseTLS bool
	// UseSSL (MAIL_USE_SSL) speaks TLS from the first byte (SMTPS, usually
	// port 465). UseTLS and UseSSL are exclusive.
	UseSSL bool
	// Username and Password (MAIL_USERNAME, MAIL_PASSWORD) log in when
	// Username is set. PLAIN and LOGIN, which show the password, are used
	// only over TLS or to a loopback server.
	Username, Password string
	// Timeout (MAIL_TIMEOUT) bounds connecting and each SMTP command; 0
	// means 30 seconds.
	Timeout time.Duration
	// DefaultSender (MAIL_DEFAULT_SENDER) is the From of messages without
	// one.
	DefaultSender string
	// TLSConfig, when set, replaces the default (system roots, Server as
	// the name to verify, TLS 1.2 or newer); tests use it to trust their own
	// certificate.
	TLSConfig *tls.Config
}

// SMTP sends messages to an SMTP server, one connection a message. It is
// safe for concurrent use.
type SMTP struct {
	opts          []gomail.Option
	server        string
	ssl           bool
	tls           *tls.Config
	defaultSender string
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks the options and returns the sender; it does not connect.
// It fails when Server is empty, Port is out of range, or both UseTLS and
// UseSSL are set.
func NewSMTP(o SMTPOptions) (*SMTP, error) {
	if o.Server == "" {
		return nil, errors.New("mail: SMTP server not set")
	}
	if o.UseTLS && o.UseSSL {
		return nil, errors.New("mail: MAIL_USE_TLS and MAIL_USE_SSL are exclusive")
	}
	if o.Port == 0 {
		o.Port = 25
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	s := &SMTP{server: o.Server, ssl: o.UseSSL, tls: o.TLSConfig, defaultSender: o.DefaultSender}
	if s.tls == nil {
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if s.tls.ServerName == "" {
		s.tls = s.tls.Clone()
		s.tls.ServerName = o.Server
	}
	// With UseSSL our dialer does the TLS handshake, so go-mail's policy
	// stays NoTLS (no STARTTLS inside TLS).
	policy := gomail.NoTLS
	if o.UseTLS {
		policy = gomail.TLSMandatory
	}
	s.opts = []gomail.Option{gomail.WithPort(o.Port), gomail.WithTimeout(o.Timeout),
		gomail.WithTLSPolicy(policy), gomail.WithTLSConfig(s.tls)}
	if o.Username != "" {
		// PLAIN and LOGIN refuse to run unencrypted except to localhost.
		s.opts = append(s.opts, gomail.WithUsername(o.Username), gomail.WithPassword(o.Password),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin, gomail.SMTPAuthCramMD5))
	}
	if _, err := gomail.NewClient(o.Server, s.opts...); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return s, nil
}

// Send implements Sender: it connects, logs in if configured, and offers m
// to the server. The error is a *SendError (see there for what is
// permanent). When ctx ends, the connection is closed and Send returns.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = s.defaultSender
	}
	raw, err := Render(m)
	if err != nil {
		return &SendError{Permanent: true, Err: err}
	}
	from, to, err := envelope(m)
	if err != nil {
		return &SendError{Permanent: true, Err: err}
	}
	c, stop, err := s.dial(ctx)
	defer stop()
	if err != nil {
		return connectionError(errors.Join(ctx.Err(), err))
	}
	defer c.Quit()
	if err := transact(c, from, to, raw); err != nil {
		if ctx.Err() != nil {
			return &SendError{Err: errors.Join(ctx.Err(), err)}
		}
		return err
	}
	return nil
}

// dial connects, greets, starts TLS and logs in. Until stop is called, the
// end of ctx closes the connection: go-mail itself honours ctx only while
// dialling, and holds a lock while it waits for a reply.
func (s *SMTP) dial(ctx context.Context) (c *smtp.Client, stop func() bool, err error) {
	stop = func() bool { return false }
	var raw net.Conn
	dialer := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var conn net.Conn
		var err error
		if s.ssl {
			conn, err = (&tls.Dialer{Config: s.tls}).DialContext(dctx, network, addr)
		} else {
			conn, err = (&net.Dialer{}).DialContext(dctx, network, addr)
		}
		if err == nil {
			raw = conn
			stop = context.AfterFunc(ctx, func() { conn.Close() })
		}
		return conn, err
	}
	// Clip: concurrent Sends must not append into one shared array.
	client, err := gomail.NewClient(s.server, append(slices.Clip(s.opts), gomail.WithDialContextFunc(dialer))...)
	if err != nil {
		return nil, stop, err
	}
	c, err = client.DialToSMTPClientWithContext(ctx)
	if err != nil && raw != nil {
		raw.Close() // go-mail leaves it open when STARTTLS or AUTH fails
	}
	return c, stop, err
}

// transact offers one message. A refused recipient fails the whole message
// (Invenio sends one recipient a message).
func transact(c *smtp.Client, from string, to []string, raw []byte) error {
	if err := c.Mail(from); err != nil {
		c.Reset()
		return transactionError(stepMail, err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			c.Reset()
			return transactionError(stepRcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return transactionError(stepData, err)
	}
	if _, err := w.Write(raw); err != nil {
		w.Close()
		return transactionError(stepData, err)
	}
	if err := w.Close(); err != nil {
		return transactionError(stepDataEnd, err)
	}
	return nil
}

// envelope returns the SMTP envelope of m: the bare From and To addresses
// in angle brackets.
func envelope(m Message) (from string, to []string, err error) {
	a, err := parseAddress(m.From)
	if err != nil {
		return "", nil, err
	}
	from = (&mail.Address{Address: a.Address}).String()
	for _, s := range m.To {
		a, err := parseAddress(s)
		if err != nil {
			return "", nil, err
		}
		to = append(to, (&mail.Address{Address: a.Address}).String())
	}
	return from, to, nil
}
