package mail

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
)

// Sender delivers one message now. Mailer calls it from its worker, never
// from a request.
type Sender interface {
	// Send delivers m or returns why not; IsPermanent tells whether a retry
	// could help. It returns when ctx is done, at the latest.
	Send(ctx context.Context, m Message) error
}

// SendError is a failed delivery.
type SendError struct {
	// Permanent is true when retrying cannot help: the server refused a
	// recipient or the content with a 5xx reply (unknown mailbox, rejected
	// content), or the message itself is invalid. A refused connection, a
	// timeout, a 4xx reply, a failed STARTTLS or login, and a refusal of the
	// sender or on policy grounds (530, 5.7.x) are temporary: they concern
	// the server or our settings, which the operator can fix.
	Permanent bool
	// Code is the SMTP reply code, or 0 when the server gave none.
	Code int
	Err  error
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("send mail (%s failure): %v", kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err says that retrying the same message cannot
// succeed: a permanent *SendError, or an error wrapping ErrInvalid.
func IsPermanent(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Permanent
	}
	return errors.Is(err, ErrInvalid)
}

// transactionError classifies an error met while the server was handling the
// message. Only a 5xx reply to a recipient (RCPT TO) or to the content (DATA)
// is permanent; a 5xx reply to MAIL FROM is about our sender or session, and
// a security or policy reply (530, enhanced status 5.7.x: authentication
// required, relaying denied) about our settings, so both are temporary, as
// are a 4xx reply, a broken connection and a timeout.
func transactionError(step string, err error) error {
	se := &SendError{Permanent: errors.Is(err, ErrInvalid), Err: fmt.Errorf("%s: %w", step, err)}
	var te *textproto.Error
	if errors.As(err, &te) {
		se.Code = te.Code
		policy := te.Code == 530 || strings.HasPrefix(te.Msg, "5.7.")
		se.Permanent = te.Code >= 500 && step != stepMail && !policy
	}
	return se
}

// SMTP steps, as named in errors.
const (
	stepMail    = "MAIL FROM"
	stepRcpt    = "RCPT TO"
	stepData    = "DATA"
	stepDataEnd = "end of DATA"
)

// connectionError classifies an error met before the message was offered
// (connect, greeting, STARTTLS, login): always temporary, since it says
// nothing about this message and the operator can fix the server or the
// settings.
func connectionError(err error) error {
	se := &SendError{Err: fmt.Errorf("connect: %w", err)}
	var te *textproto.Error
	if errors.As(err, &te) {
		se.Code = te.Code
	}
	return se
}
