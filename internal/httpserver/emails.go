package httpserver

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"net/http"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/mail"
)

// Mailer queues emails (mail.Mailer): sending never makes a request wait
// on the mail server.
type Mailer interface {
	Enqueue(ctx context.Context, m mail.Message) error
}

// The emails of Flask-Security, by template name.
const (
	emailWelcome      = "welcome"
	emailConfirmation = "confirmation_instructions"
	emailReset        = "reset_instructions"
	emailResetNotice  = "reset_notice"
	emailChangeNotice = "change_notice"
	emailTwoFactorOn  = "two_factor_enabled_notice"
	emailTwoFactorOff = "two_factor_disabled_notice"
	// emailWelcomeExisting goes to an address that signed up again, under
	// the welcome email's subject (SECURITY_RETURN_GENERIC_RESPONSES).
	emailWelcomeExisting = "welcome_existing"
)

// defaultSubjects are Flask-Security's (SECURITY_EMAIL_SUBJECT_*).
var defaultSubjects = map[string]string{
	emailWelcome:         "Welcome",
	emailConfirmation:    "Please confirm your email",
	emailReset:           "Password reset instructions",
	emailResetNotice:     "Your password has been reset",
	emailChangeNotice:    "Your password has been changed",
	emailTwoFactorOn:     "Two-factor authentication is on",
	emailTwoFactorOff:    "Two-factor authentication is off",
	emailWelcomeExisting: "Welcome",
}

// emails holds each email's text and HTML templates
// (security/email/<name>.txt and .html, overridable like the pages).
type emails struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

func loadEmails(set Settings) (*emails, error) {
	e := &emails{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for name := range defaultSubjects {
		txt, err := readTemplate(set.TemplateDir, "security/email/"+name+".txt")
		if err != nil {
			return nil, err
		}
		if e.text[name], err = texttemplate.New(name).Parse(txt); err != nil {
			return nil, fmt.Errorf("email template %s.txt: %w", name, err)
		}
		html, err := readTemplate(set.TemplateDir, "security/email/"+name+".html")
		if err != nil {
			return nil, err
		}
		if e.html[name], err = htmltemplate.New(name).Parse(html); err != nil {
			return nil, fmt.Errorf("email template %s.html: %w", name, err)
		}
	}
	return e, nil
}

// emailData is what an email template gets.
type emailData struct {
	Site   string
	Email  string
	Link   string // the confirmation or reset link, if any
	Within string // how long the link works, e.g. "30 minutes"
	Reset  string // the forgot-password page, for notices
}

// sendEmail renders an email and queues it.
func (s *Server) sendEmail(ctx context.Context, name, to string, d emailData) error {
	if s.opts.Mailer == nil {
		return fmt.Errorf("send %s email: no mailer configured", name)
	}
	d.Site, d.Email = s.set.SiteName, to
	var txt, html bytes.Buffer
	if err := s.emails.text[name].Execute(&txt, d); err != nil {
		return fmt.Errorf("render %s.txt: %w", name, err)
	}
	if err := s.emails.html[name].Execute(&html, d); err != nil {
		return fmt.Errorf("render %s.html: %w", name, err)
	}
	subject := s.set.Subjects[name]
	if name == emailWelcomeExisting {
		subject = s.set.Subjects[emailWelcome]
	}
	if subject == "" {
		subject = defaultSubjects[name]
	}
	return s.opts.Mailer.Enqueue(ctx, mail.Message{To: []string{to}, From: s.set.EmailSender,
		Subject: subject, Text: txt.String(), HTML: html.String()})
}

// laterTimeout bounds the work an answer leaves running.
const laterTimeout = 30 * time.Second

// afterAnswer sends the answer written to w (whole, with its length: see
// writeJSON and render) and then runs send (if not nil), on a copy of the
// request that outlives it, logging its failure. Forgot-password and
// resend-confirmation queue their email this way: the queue's write (a
// round trip to PostgreSQL) and the email's rendering would otherwise make
// an address with an account answer later than one without, even beside
// the answer, by taking a core while it is written. Wait waits for it.
func (s *Server) afterAnswer(w http.ResponseWriter, r *http.Request, name string, send func(r *http.Request) error) {
	if send == nil {
		// Flushed all the same: the answers must leave alike.
		http.NewResponseController(w).Flush()
		return
	}
	// Counted before the answer leaves, so that Wait, called once it is
	// read, waits for the email too.
	run := s.later(r, name, send)
	http.NewResponseController(w).Flush()
	go run()
}

// runLater runs send beside the answer, on a copy of the request that
// outlives it, and logs its failure. Wait waits for it.
func (s *Server) runLater(r *http.Request, name string, send func(r *http.Request) error) {
	go s.later(r, name, send)()
}

// later counts a send for Wait and returns it to run, on a copy of the
// request that outlives it, logging its failure.
func (s *Server) later(r *http.Request, name string, send func(r *http.Request) error) func() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), laterTimeout)
	r = r.Clone(ctx)
	s.running.Add(1)
	return func() {
		defer s.running.Done()
		defer cancel()
		if err := send(r); err != nil {
			s.opts.Logger.Error("email not queued", "email", name, "err", err)
		}
	}
}

// queueAgain queues, in the background, an email its request could not
// queue because the database refused (EUnavailable): again after 0.2 s,
// 0.4 s, ... at most 5 s apart, until laterTimeout. Serve's shutdown waits
// for it (Wait).
func (s *Server) queueAgain(r *http.Request, name string, send func(*http.Request) error) {
	run := s.later(r, name, func(r *http.Request) error {
		var err error
		for wait := 200 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			select {
			case <-r.Context().Done():
				return fmt.Errorf("gave up after %s: %w", laterTimeout, err)
			case <-time.After(wait):
			}
			if err = send(r); err == nil {
				s.opts.Logger.Info("email queued after all", "email", name)
				return nil
			}
			if accounts.ErrorCode(err) != accounts.EUnavailable {
				return err
			}
		}
	})
	go run()
}

// externalURL makes an absolute link for an email: from ACCOUNTS_BASE_URL
// when set, else from the request's host (which passed TRUSTED_HOSTS) and
// scheme; never from a host nobody vouched for when TRUSTED_HOSTS is set.
func (s *Server) externalURL(r *http.Request, path string) string {
	if s.set.BaseURL != "" {
		return strings.TrimSuffix(s.set.BaseURL, "/") + path
	}
	scheme := "http"
	if r.TLS != nil || (s.set.ProxyProtoHops > 0 && lastForwardedProto(r) == "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

func lastForwardedProto(r *http.Request) string {
	v := r.Header.Get("X-Forwarded-Proto")
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// humanDuration writes a duration as Flask-Security's "<n> <unit>" forms.
func humanDuration(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	for _, u := range units {
		if d >= u.d && d%u.d == 0 {
			n := int64(d / u.d)
			if n == 1 {
				return "1 " + u.name
			}
			return fmt.Sprintf("%d %ss", n, u.name)
		}
	}
	return d.String()
}
