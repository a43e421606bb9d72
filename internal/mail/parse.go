package mail

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// maxBody bounds what Parse reads of one body part.
const maxBody = 10 << 20

// Parse reads back a message made by Render (the queue stores rendered
// messages): addresses, subject and headers decoded, bodies decoded from
// quoted-printable with LF line endings. Rendering the result again gives
// the same bytes. Errors wrap ErrInvalid.
func Parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var m Message
	var dec mime.WordDecoder
	for key, values := range msg.Header {
		if len(values) != 1 {
			return Message{}, fmt.Errorf("%w: header %s appears %d times", ErrInvalid, key, len(values))
		}
		if err := m.setHeader(&dec, key, values[0]); err != nil {
			return Message{}, err
		}
	}
	ctype := msg.Header.Get("Content-Type")
	if err := m.readBody(ctype, msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		return Message{}, err
	}
	return m, m.Validate()
}

func (m *Message) setHeader(dec *mime.WordDecoder, key, value string) error {
	switch key {
	case "From", "To":
		list, err := mail.ParseAddressList(value)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalid, key, err)
		}
		for _, a := range list {
			s := a.Address
			if a.Name != "" {
				s = a.String()
			}
			if key == "From" {
				m.From = s
			} else {
				m.To = append(m.To, s)
			}
		}
	case "Subject":
		s, err := dec.DecodeHeader(value)
		if err != nil {
			return fmt.Errorf("%w: subject: %v", ErrInvalid, err)
		}
		m.Subject = s
	case "Mime-Version", "Content-Type", "Content-Transfer-Encoding":
	default:
		s, err := dec.DecodeHeader(value)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalid, key, err)
		}
		if m.Headers == nil {
			m.Headers = map[string]string{}
		}
		if key == "Message-Id" {
			key = "Message-ID"
		}
		m.Headers[key] = s
	}
	return nil
}

func (m *Message) readBody(ctype, cte string, body io.Reader) error {
	typ, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return fmt.Errorf("%w: content type %q: %v", ErrInvalid, ctype, err)
	}
	if typ != "multipart/alternative" {
		return m.readPart(typ, cte, body)
	}
	r := multipart.NewReader(body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		// NextPart decodes quoted-printable itself and drops the header.
		ptyp, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err := m.readPart(ptyp, p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
			return err
		}
	}
}

func (m *Message) readPart(typ, cte string, r io.Reader) error {
	if strings.EqualFold(cte, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(io.LimitReader(r, maxBody))
	if err != nil {
		return fmt.Errorf("%w: %s body: %v", ErrInvalid, typ, err)
	}
	body := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch typ {
	case "text/plain":
		m.Text = body
	case "text/html":
		m.HTML = body
	default:
		return fmt.Errorf("%w: unexpected part %s", ErrInvalid, typ)
	}
	return nil
}
