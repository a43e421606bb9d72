package password

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The messages below are shown to users as they are, hence capitalised.
var (
	// ErrInvalidUTF8 is returned by ValidateLength for a password that is
	// not valid UTF-8 text.
	ErrInvalidUTF8 = errors.New("Password must be valid UTF-8 text")
	// ErrNUL is returned by ValidateLength for a password containing a NUL
	// character, which no form can submit and some stores truncate at.
	ErrNUL = errors.New("Password must not contain NUL characters")
)

// LengthError reports a password shorter than the policy's minimum or longer
// than MaxLength code points. Its message is Invenio's, used for both cases.
type LengthError struct {
	Min int // the policy's minimum length, in code points
}

// Error returns "Password must be at least <Min> characters".
func (e *LengthError) Error() string {
	return fmt.Sprintf("Password must be at least %d characters", e.Min)
}

// ValidateLength checks a new password as Flask-Security's default
// validator does, counting code points, never truncating. It returns
// ErrInvalidUTF8, ErrNUL, or a *LengthError when the password has fewer
// than h.MinLength() or more than MaxLength code points; nil otherwise.
func (h *Hasher) ValidateLength(password string) error {
	if !utf8.ValidString(password) {
		return ErrInvalidUTF8
	}
	if strings.IndexByte(password, 0) >= 0 {
		return ErrNUL
	}
	if n := utf8.RuneCountInString(password); n < h.minLength || n > MaxLength {
		return &LengthError{Min: h.minLength}
	}
	return nil
}
