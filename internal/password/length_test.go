package password

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateLength(t *testing.T) {
	h := newHasher(t, Policy{Salt: []byte(testSalt), Rounds: 1000})
	tooShort := &LengthError{Min: 8}
	tests := []struct {
		name     string
		password string
		want     error
	}{
		{"empty", "", tooShort},
		{"7 code points", "1234567", tooShort},
		{"8 code points", "12345678", nil},
		{"128 code points", strings.Repeat("a", 128), nil},
		{"129 code points", strings.Repeat("a", 129), tooShort},
		{"7 two-byte code points (14 bytes)", strings.Repeat("é", 7), tooShort},
		{"8 two-byte code points", strings.Repeat("é", 8), nil},
		{"8 four-byte code points", strings.Repeat("😀", 8), nil},
		{"128 four-byte code points (512 bytes)", strings.Repeat("😀", 128), nil},
		{"129 four-byte code points", strings.Repeat("😀", 129), tooShort},
		{"combining marks count", strings.Repeat("e\u0301", 4), nil},
		{"NUL", "1234\x005678", ErrNUL},
		{"NUL only", "\x00", ErrNUL},
		{"invalid UTF-8", "12345678\xff", ErrInvalidUTF8},
		{"surrogate half", "12345678\xed\xa0\x80", ErrInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.ValidateLength(tt.password)
			var le *LengthError
			switch {
			case errors.As(tt.want, &le):
				var got *LengthError
				if !errors.As(err, &got) {
					t.Fatalf("ValidateLength = %v, want %v", err, tt.want)
				}
				if diff := cmp.Diff(le, got); diff != "" {
					t.Errorf("LengthError (-want +got):\n%s", diff)
				}
			case !errors.Is(err, tt.want):
				t.Errorf("ValidateLength = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestLengthErrorMessage(t *testing.T) {
	h := newHasher(t, Policy{Salt: []byte(testSalt), MinLength: 6})
	for _, pw := range []string{"12345", strings.Repeat("a", 129)} {
		err := h.ValidateLength(pw)
		if err == nil || err.Error() != "Password must be at least 6 characters" {
			t.Errorf("ValidateLength(%d chars) = %v", len(pw), err)
		}
	}
	if err := h.ValidateLength("123456"); err != nil {
		t.Errorf("ValidateLength(6 chars) = %v", err)
	}
}
