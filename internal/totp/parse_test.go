package totp

import (
	"strings"
	"testing"
)

func TestParseCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"123456", "123456", true},
		{"000000", "000000", true},
		{"123 456", "123456", true},
		{" 123-456 ", "123456", true},
		{"\t123456\n", "123456", true},
		{"\u00a0123456\u00a0", "123456", true},
		{"1 2 3 4 5 6", "123456", true},
		{"12345", "", false},
		{"1234567", "", false},
		{"", "", false},
		{"   ", "", false},
		{"12345a", "", false},
		{"123.456", "", false},
		{"123\u00a0456", "", false},
		{"+123456", "", false},
		{"\uff11\uff12\uff13\uff14\uff15\uff16", "", false},
		{"\u0661\u0662\u0663\u0664\u0665\u0666", "", false},
		{"12345\u0666", "", false},
		{"123456\x00", "", false},
		{"\xff123456", "", false},
		{strings.Repeat(" ", 58) + "123456", "123456", true},
		{strings.Repeat(" ", 59) + "123456", "", false},
		{strings.Repeat("1", 1<<20), "", false},
	}
	for _, tc := range tests {
		name := tc.in
		if len(name) > 20 {
			name = name[:20] + "..."
		}
		t.Run(name, func(t *testing.T) {
			got, ok := ParseCode(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseCode(%q) = %q, %v, want %q, %v", name, got, ok, tc.want, tc.ok)
			}
		})
	}
}
