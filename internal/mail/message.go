// Package mail sends the service's emails without making a request wait on
// SMTP and without losing a message silently.
//
// It provides Message (rendered to RFC 5322 by Render and read back by
// Parse), the Sender interface with two implementations (SMTP, through
// github.com/wneessen/go-mail with Flask-Mail's MAIL_* settings, and Outbox,
// which writes .eml files when no MAIL_SERVER is set), the durable Queue
// interface, and Mailer: Enqueue stores a rendered message, Run delivers it in
// the background with retries, backoff and dead letters.
//
// It imports only the standard library and go-mail. The Queue is
// implemented by internal/sqlstore (which imports this package, never the
// other way round); internal/mail/mailtest holds the Queue contract suite and
// a mailpit harness for tests.
package mail

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every error about a message that can never be
// sent as it is: no recipient, an unparseable address, a header with a line
// break, no body.
var ErrInvalid = errors.New("invalid message")

// Message is one email. To and From hold RFC 5322 addresses
// ("user@example.org" or "Name <user@example.org>", UTF-8 allowed). Text and
// HTML are the two alternative bodies; at least one is required. Headers adds
// header fields; "Date" and "Message-ID" given there are used as they are,
// otherwise Render makes them.
type Message struct {
	To      []string
	From    string
	Subject string
	Text    string
	HTML    string
	Headers map[string]string
}

// maxHeader bounds a subject or header field, so that even unencoded it
// fits the 998-byte line limit of RFC 5322.
const maxHeader = 900

// headers Render writes itself: Headers may not set them.
var reservedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Subject": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true, "Sender": true,
}

// Validate reports what makes m unsendable, wrapping ErrInvalid: no
// recipient, no From, an address net/mail cannot parse, a CR, LF or other
// control character in an address, the subject or a header, a reserved or
// malformed header name, or neither a text nor an HTML body.
func (m Message) Validate() error {
	if len(m.To) == 0 {
		return fmt.Errorf("%w: no recipient", ErrInvalid)
	}
	for _, a := range append([]string{m.From}, m.To...) {
		if _, err := parseAddress(a); err != nil {
			return err
		}
	}
	if hasControl(m.Subject) || len(m.Subject) > maxHeader {
		return fmt.Errorf("%w: control character in the subject, or longer than %d bytes", ErrInvalid, maxHeader)
	}
	seen := map[string]bool{}
	for k, v := range m.Headers {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if seen[ck] {
			return fmt.Errorf("%w: header %s given twice", ErrInvalid, k)
		}
		seen[ck] = true
		if !validHeaderName(k) || reservedHeaders[ck] {
			return fmt.Errorf("%w: header %q may not be set", ErrInvalid, k)
		}
		if hasControl(v) || len(k)+len(v) > maxHeader {
			return fmt.Errorf("%w: control character in header %s, or longer than %d bytes", ErrInvalid, k, maxHeader)
		}
	}
	if m.Text == "" && m.HTML == "" {
		return fmt.Errorf("%w: no body", ErrInvalid)
	}
	return nil
}

// parseAddress parses one address, refusing line breaks and control
// characters even where net/mail would accept them (in a comment, say).
func parseAddress(s string) (*mail.Address, error) {
	if hasControl(s) || len(s) > maxHeader {
		return nil, fmt.Errorf("%w: control character in address %q, or longer than %d bytes", ErrInvalid, s, maxHeader)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q: %v", ErrInvalid, s, err)
	}
	// What Render writes must parse back to the same address (net/mail
	// accepts `" "@0` but not the bare address it yields, and reads
	// `" x"@e` back as x@e once bare): refuse what would not round-trip.
	for _, again := range []string{a.String(), a.Address} {
		b, err := mail.ParseAddress(again)
		if err != nil {
			return nil, fmt.Errorf("%w: address %q: %v", ErrInvalid, s, err)
		}
		if b.Address != a.Address {
			return nil, fmt.Errorf("%w: address %q does not read back as itself", ErrInvalid, s)
		}
	}
	return a, nil
}

// hasControl reports a control character (CR and LF included) or invalid
// UTF-8 in s.
func hasControl(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range []byte(k) {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// header returns the value of Headers[name], matched case-insensitively.
func (m Message) header(name string) (string, bool) {
	for k, v := range m.Headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// WithDefaults returns a copy of m whose Headers hold a Date (now) and a
// Message-ID (random, at the From domain) unless m has them. Rendering the
// copy twice gives the same bytes, so a retried message keeps its identity.
func (m Message) WithDefaults(now time.Time) Message {
	h := make(map[string]string, len(m.Headers)+2)
	for k, v := range m.Headers {
		h[k] = v
	}
	m.Headers = h
	if _, ok := m.header("Date"); !ok {
		h["Date"] = now.Format(time.RFC1123Z)
	}
	if _, ok := m.header("Message-ID"); !ok {
		h["Message-ID"] = newMessageID(m.From)
	}
	return m
}

func newMessageID(from string) string {
	domain := "localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && !strings.ContainsAny(d, "[]") {
			domain = d
		}
	}
	return "<" + rand.Text() + "@" + domain + ">"
}

// Render returns m as an RFC 5322 message with CRLF line endings: one part,
// or multipart/alternative with the text part first when m has both bodies;
// bodies in UTF-8, quoted-printable; the subject and display names encoded as
// RFC 2047 words when they are not plain ASCII. Date and Message-ID come from
// m.WithDefaults(time.Now()). The errors wrap ErrInvalid (see Validate).
func Render(m Message) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	m = m.WithDefaults(time.Now())
	var b bytes.Buffer
	if err := writeHeaders(&b, m); err != nil {
		return nil, err
	}
	switch {
	case m.Text != "" && m.HTML != "":
		writeAlternative(&b, m)
	case m.HTML != "":
		writePart(&b, "text/html", m.HTML)
	default:
		writePart(&b, "text/plain", m.Text)
	}
	return b.Bytes(), nil
}

func writeHeaders(b *bytes.Buffer, m Message) error {
	date, _ := m.header("Date")
	id, _ := m.header("Message-ID")
	from, err := formatAddresses([]string{m.From})
	if err != nil {
		return err
	}
	to, err := formatAddresses(m.To)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "Date: %s\r\nFrom: %s\r\nTo: %s\r\n", date, from, to)
	fmt.Fprintf(b, "Subject: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n", encodeWord(m.Subject), id)
	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		if !strings.EqualFold(k, "Date") && !strings.EqualFold(k, "Message-ID") {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return textproto.CanonicalMIMEHeaderKey(keys[i]) < textproto.CanonicalMIMEHeaderKey(keys[j])
	})
	for _, k := range keys {
		fmt.Fprintf(b, "%s: %s\r\n", textproto.CanonicalMIMEHeaderKey(k), encodeWord(m.Headers[k]))
	}
	return nil
}

// formatAddresses writes addresses one a line, folded.
func formatAddresses(list []string) (string, error) {
	out := make([]string, len(list))
	for i, s := range list {
		a, err := parseAddress(s)
		if err != nil {
			return "", err
		}
		out[i] = a.String()
	}
	return strings.Join(out, ",\r\n "), nil
}

// encodeWord leaves printable ASCII alone and otherwise writes RFC 2047
// "Q" words, one per folded line. ASCII that looks like an encoded word, or
// that starts or ends with a space, is encoded too, so a reader gets back
// exactly s.
func encodeWord(s string) string {
	plain := !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r > '~' })
	// Readers drop the spaces around a field's value; encoded, they stay.
	if plain && !strings.Contains(s, "=?") && strings.TrimSpace(s) == s {
		return s
	}
	const maxWord = 75 - len("=?utf-8?q??=")
	var words []string
	var w strings.Builder
	for _, r := range s {
		var enc string
		switch {
		case r == ' ':
			enc = "_"
		case r < 0x80 && (isAlnum(byte(r)) || strings.ContainsRune("!*+-/", r)):
			enc = string(r)
		default:
			for _, c := range []byte(string(r)) {
				enc += fmt.Sprintf("=%02X", c)
			}
		}
		if w.Len()+len(enc) > maxWord {
			words = append(words, "=?utf-8?q?"+w.String()+"?=")
			w.Reset()
		}
		w.WriteString(enc)
	}
	words = append(words, "=?utf-8?q?"+w.String()+"?=")
	return strings.Join(words, "\r\n ")
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func writeAlternative(b *bytes.Buffer, m Message) {
	w := multipart.NewWriter(b)
	// A boundary with "=_" never occurs in quoted-printable text; deriving
	// it from the Message-ID keeps Render deterministic.
	id, _ := m.header("Message-ID")
	sum := sha256.Sum256([]byte(id))
	if err := w.SetBoundary("=_" + hex.EncodeToString(sum[:12])); err != nil {
		panic(err) // the boundary is always valid
	}
	fmt.Fprintf(b, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", w.Boundary())
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		pw, _ := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		writeQP(pw, p.body)
	}
	w.Close()
}

func writePart(b *bytes.Buffer, typ, body string) {
	fmt.Fprintf(b, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", typ)
	writeQP(b, body)
}

func writeQP(w io.Writer, body string) {
	qp := quotedprintable.NewWriter(w)
	qp.Write([]byte(body)) // writes to memory: no error
	qp.Close()
}
