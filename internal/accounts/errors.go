// Package accounts is the domain of the accounts service: users, roles, login
// tracking, their rules (Invenio's semantics), the error codes every layer
// shares, and the Store interface the domain consumes.
//
// It imports only the standard library and internal/ttlcache; it knows no
// driver and no HTTP.
package accounts

import (
	"errors"
	"fmt"
)

// Error codes. Every layer maps them, and only them, to its own statuses
// (HTTP statuses, CLI exit codes).
const (
	EInvalid      = "invalid"      // bad input; the message says what
	EUnauthorized = "unauthorized" // credentials missing or wrong
	EForbidden    = "forbidden"    // authenticated but not allowed
	ENotFound     = "not_found"    // no such object
	EConflict     = "conflict"     // unique value taken, stale version
	ERateLimited  = "rate_limited" // too many attempts
	EUnavailable  = "unavailable"  // a dependency is down; try again
	EInternal     = "internal"     // a bug or an unexpected failure
)

// Error is the domain error: a code, a message fit for the user, and
// per-field messages for forms.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("accounts: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("accounts: %s: %s %v", e.Code, e.Message, e.Fields)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EInvalid *Error for one form field.
func FieldError(field, message string) *Error {
	return &Error{Code: EInvalid, Message: message, Fields: map[string]string{field: message}}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EInternal
	}
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// generic text so that no detail leaks; log err itself instead.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "An internal error occurred."
	}
}

// ErrorFields returns the per-field messages of err, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
