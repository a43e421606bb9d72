package mail_test

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/invenio-go/accounts/internal/mail"
)

// fixed gives a message its Date and Message-ID, so Render is deterministic.
func fixed(m mail.Message) mail.Message {
	return m.WithDefaults(time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC))
}

// parsed is what a standard reader makes of a rendered message.
type parsed struct {
	From, Subject string
	To            []string
	Text, HTML    string
}

// readBack decodes raw with the standard library only.
func readBack(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, raw)
	}
	var p parsed
	from, err := msg.Header.AddressList("From")
	if err != nil {
		t.Fatalf("From: %v", err)
	}
	p.From = from[0].String()
	to, err := msg.Header.AddressList("To")
	if err != nil {
		t.Fatalf("To: %v", err)
	}
	for _, a := range to {
		p.To = append(p.To, a.String())
	}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("Subject: %v", err)
	}
	p.Text, p.HTML = readParts(t, msg)
	return p
}

// readParts returns the text and HTML parts of a multipart/alternative message.
func readParts(t *testing.T, msg *netmail.Message) (text, html string) {
	t.Helper()
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if typ != "multipart/alternative" {
		t.Fatalf("Content-Type %s, want multipart/alternative", typ)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			return text, html
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part)
		switch part.Header.Get("Content-Type") {
		case "text/plain; charset=utf-8":
			text = string(b)
		case "text/html; charset=utf-8":
			html = string(b)
		default:
			t.Fatalf("unexpected part %q", part.Header.Get("Content-Type"))
		}
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		m    mail.Message
		want parsed
	}{{
		name: "ascii",
		m: mail.Message{To: []string{"user@example.org"}, From: "no-reply@example.org", Subject: "Welcome",
			Text: "Hello\nbye", HTML: "<p>Hello</p>"},
		want: parsed{From: "<no-reply@example.org>", To: []string{"<user@example.org>"}, Subject: "Welcome",
			Text: "Hello\r\nbye", HTML: "<p>Hello</p>"},
	}, {
		name: "utf-8 everywhere",
		m: mail.Message{To: []string{"Jösé Ünïcode <jose@example.org>", "josé@bücher.example"},
			From:    `"Zenodo, Support" <info@zenodo.org>`,
			Subject: "Réinitialisez votre mot de passe — ça expire bientôt, très bientôt, vraiment très bientôt 🔑",
			Text:    "Cliquez ici : https://example.org/lost-password/abc=def\n" + strings.Repeat("é", 200),
			HTML:    `<a href="https://example.org/lost-password/abc=def">réinitialiser</a>`},
		want: parsed{From: `"Zenodo, Support" <info@zenodo.org>`,
			To:      []string{"=?utf-8?q?J=C3=B6s=C3=A9_=C3=9Cn=C3=AFcode?= <jose@example.org>", "<josé@bücher.example>"},
			Subject: "Réinitialisez votre mot de passe — ça expire bientôt, très bientôt, vraiment très bientôt 🔑",
			Text:    "Cliquez ici : https://example.org/lost-password/abc=def\r\n" + strings.Repeat("é", 200),
			HTML:    `<a href="https://example.org/lost-password/abc=def">réinitialiser</a>`},
	}, {
		name: "ascii that looks encoded",
		m:    mail.Message{To: []string{"a@example.org"}, From: "b@example.org", Subject: "=?utf-8?q?hi?=", Text: "t", HTML: "h"},
		want: parsed{From: "<b@example.org>", To: []string{"<a@example.org>"}, Subject: "=?utf-8?q?hi?=", Text: "t", HTML: "h"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := mail.Render(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			checkWireFormat(t, raw)
			if diff := cmp.Diff(tt.want, readBack(t, raw)); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
		})
	}
}

// checkWireFormat: CRLF only, lines within RFC 5322's limit, 7-bit bodies,
// and the headers every message needs.
func checkWireFormat(t *testing.T, raw []byte) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("bare LF in\n%s", raw)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d bytes", len(line))
		}
	}
	head, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, h := range []string{"Date: ", "Message-ID: <", "MIME-Version: 1.0"} {
		if !bytes.Contains(head, []byte(h)) {
			t.Errorf("no %q header in\n%s", h, head)
		}
	}
	for _, c := range body {
		if c >= 0x80 {
			t.Fatalf("8-bit byte in the body:\n%s", body)
		}
	}
}

func TestRenderSinglePart(t *testing.T) {
	for _, m := range []mail.Message{
		{To: []string{"a@example.org"}, From: "b@example.org", Text: "only text"},
		{To: []string{"a@example.org"}, From: "b@example.org", HTML: "<p>only html</p>"},
	} {
		raw, err := mail.Render(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := mail.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got.Text != m.Text || got.HTML != m.HTML || bytes.Contains(raw, []byte("multipart")) {
			t.Errorf("single part: got %+v from\n%s", got, raw)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := mail.Message{To: []string{"a@example.org"}, From: "b@example.org", Subject: "s", Text: "t"}
	tests := []struct {
		name   string
		change func(m *mail.Message)
	}{
		{"no recipient", func(m *mail.Message) { m.To = nil }},
		{"no from", func(m *mail.Message) { m.From = "" }},
		{"CRLF in to", func(m *mail.Message) { m.To = []string{"a@example.org\r\nBcc: victim@example.org"} }},
		{"LF in a display name", func(m *mail.Message) { m.To = []string{"\"x\ny\" <a@example.org>"} }},
		{"NUL in from", func(m *mail.Message) { m.From = "b\x00@example.org" }},
		{"two addresses in one", func(m *mail.Message) { m.To = []string{"a@example.org, c@example.org"} }},
		{"not an address", func(m *mail.Message) { m.To = []string{"not an address"} }},
		{"quoted local part that reads back as another", func(m *mail.Message) { m.To = []string{`<" x"@example.org>`} }},
		{"CRLF in subject", func(m *mail.Message) { m.Subject = "hi\r\nBcc: victim@example.org" }},
		{"invalid UTF-8 subject", func(m *mail.Message) { m.Subject = "\xff" }},
		{"long subject", func(m *mail.Message) { m.Subject = strings.Repeat("a", 901) }},
		{"CR in header value", func(m *mail.Message) { m.Headers = map[string]string{"X-A": "1\r2"} }},
		{"reserved header", func(m *mail.Message) { m.Headers = map[string]string{"bcc": "victim@example.org"} }},
		{"bad header name", func(m *mail.Message) { m.Headers = map[string]string{"X A": "1"} }},
		{"header twice", func(m *mail.Message) { m.Headers = map[string]string{"X-A": "1", "x-a": "2"} }},
		{"no body", func(m *mail.Message) { m.Text = "" }},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid message: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok
			tt.change(&m)
			err := m.Validate()
			if !errors.Is(err, mail.ErrInvalid) || !mail.IsPermanent(err) {
				t.Errorf("Validate = %v, want ErrInvalid", err)
			}
			if _, err := mail.Render(m); !errors.Is(err, mail.ErrInvalid) {
				t.Errorf("Render = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestParseRoundTrip(t *testing.T) {
	for _, m := range []mail.Message{
		{To: []string{"a@example.org"}, From: "Site <b@example.org>", Subject: "Hi", Text: "x\r\ny\n", HTML: "<b>x</b>\n",
			Headers: map[string]string{"X-Accounts-Kind": "reset_instructions", "List-Unsubscribe": "<mailto:u@example.org>"}},
		{To: []string{"Ünï <a@example.org>", "josé@example.org"}, From: "b@example.org", Subject: strings.Repeat("ü ", 100),
			Text: strings.Repeat("long line without breaks ", 40), HTML: "=\n.\n..\nFrom me"},
	} {
		raw, err := mail.Render(fixed(m))
		if err != nil {
			t.Fatal(err)
		}
		back, err := mail.Parse(raw)
		if err != nil {
			t.Fatalf("Parse: %v\n%s", err, raw)
		}
		again, err := mail.Render(back)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(raw), string(again)); diff != "" {
			t.Errorf("Render(Parse(raw)) != raw (-raw +again):\n%s", diff)
		}
	}
}

func TestWithDefaultsKeepsGivenIDs(t *testing.T) {
	m := mail.Message{From: "b@example.org", Headers: map[string]string{"message-id": "<x@y>"}}
	got := m.WithDefaults(time.Unix(0, 0))
	if got.Headers["message-id"] != "<x@y>" || len(got.Headers) != 2 || len(m.Headers) != 1 {
		t.Errorf("WithDefaults = %v (input %v)", got.Headers, m.Headers)
	}
	a, b := mail.Message{From: "b@example.org"}.WithDefaults(time.Now()), mail.Message{From: "b@example.org"}.WithDefaults(time.Now())
	if a.Headers["Message-ID"] == b.Headers["Message-ID"] || !strings.HasSuffix(a.Headers["Message-ID"], "@example.org>") {
		t.Errorf("Message-IDs %s and %s: want unique, at the sender's domain", a.Headers["Message-ID"], b.Headers["Message-ID"])
	}
}

// FuzzRenderParse: whatever Validate accepts renders to a message that
// Parse reads back to the same message, byte for byte.
func FuzzRenderParse(f *testing.F) {
	f.Add("Jösé", "josé@example.org", "Réinitialiser", "text\r\nline", "<p>é</p>", "X-A", "v")
	f.Add("", "a@example.org", "=?utf-8?q?x?=", "=3D\n.\r\n", "", "List-Id", "<a.b>")
	f.Fuzz(func(t *testing.T, name, addr, subject, text, html, hk, hv string) {
		to := (&netmail.Address{Name: name, Address: addr}).String()
		m := fixed(mail.Message{To: []string{to}, From: "b@example.org", Subject: subject, Text: text, HTML: html,
			Headers: map[string]string{hk: hv}})
		if m.Validate() != nil {
			return
		}
		raw, err := mail.Render(m)
		if err != nil {
			t.Fatalf("Render of a valid message: %v", err)
		}
		back, err := mail.Parse(raw)
		if err != nil {
			t.Fatalf("Parse: %v\n%q", err, raw)
		}
		again, err := mail.Render(back)
		if err != nil || !bytes.Equal(raw, again) {
			t.Fatalf("round trip: %v\n%q\n%q", err, raw, again)
		}
	})
}
