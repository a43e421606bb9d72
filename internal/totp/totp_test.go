package totp

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the SHA1 key of RFC 6238 appendix B, "12345678901234567890"
// in ASCII, in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestRFCSecret(t *testing.T) {
	if got := base32.StdEncoding.EncodeToString([]byte("12345678901234567890")); got != rfcSecret {
		t.Fatalf("rfcSecret = %s, want %s", rfcSecret, got)
	}
}

func TestCodeRFC6238(t *testing.T) {
	// Appendix B gives 8 digits; a 6-digit HOTP is their last 6.
	tests := []struct {
		unix  int64
		step  int64
		rfc8  string
		want6 string
	}{
		{59, 0x1, "94287082", "287082"},
		{1111111109, 0x23523EC, "07081804", "081804"},
		{1111111111, 0x23523ED, "14050471", "050471"},
		{1234567890, 0x273EF07, "89005924", "005924"},
		{2000000000, 0x3F940AA, "69279037", "279037"},
		{20000000000, 0x27BC86AA, "65353130", "353130"},
	}
	for _, tc := range tests {
		t.Run(tc.rfc8, func(t *testing.T) {
			step := Step(time.Unix(tc.unix, 0).UTC())
			if step != tc.step {
				t.Errorf("Step = %#x, want %#x", step, tc.step)
			}
			got, err := Code(rfcSecret, step)
			if err != nil || got != tc.want6 {
				t.Errorf("Code = %q, %v, want %q", got, err, tc.want6)
			}
			if s, ok := Match(rfcSecret, tc.want6, time.Unix(tc.unix, 0)); !ok || s != tc.step {
				t.Errorf("Match = %#x, %v, want %#x", s, ok, tc.step)
			}
		})
	}
}

func TestStep(t *testing.T) {
	tests := []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(29, 999_999_999), 0},
		{time.Unix(30, 0), 1},
		{time.Unix(-1, 0), -1},
		{time.Unix(-30, 0), -1},
		{time.Unix(-31, 0), -2},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)), 1767222000 / 30},
	}
	for _, tc := range tests {
		if got := Step(tc.t); got != tc.want {
			t.Errorf("Step(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
}

func TestCodeErrors(t *testing.T) {
	tests := []struct {
		name, secret string
		step         int64
	}{
		{"empty", "", 1},
		{"lower case", strings.ToLower(rfcSecret), 1},
		{"padding", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGE======", 1},
		{"space", "GEZD GNBV", 1},
		{"newline", "GEZDGNBV\nGY3TQOJQ", 1},
		// base32 skips line breaks: this decodes to 19 bytes if let through.
		{"newline, valid length", rfcSecret[:16] + "\n" + rfcSecret[16:31], 1},
		{"digit 1", "GEZDGNB1", 1},
		{"one char", "A", 1},
		{"three chars", "ABC", 1},
		{"nine chars", "ABCDEFGHI", 1},
		{"unused bits set", "AB", 1},
		{"too long", strings.Repeat("A", 104), 1},
		{"non-ASCII", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ\u00c9", 1},
		{"negative step", rfcSecret, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := Code(tc.secret, tc.step); err == nil {
				t.Errorf("Code(%q, %d) = %q, want an error", tc.secret, tc.step, got)
			}
		})
	}
	// The shortest and longest secrets accepted.
	for _, s := range []string{"AA", strings.Repeat("A", 103)} {
		if _, err := Code(s, 1); err != nil {
			t.Errorf("Code(%q): %v", s, err)
		}
	}
}

// arabicIndic and fullWidth write code with other Unicode digits.
func arabicIndic(code string) string { return shiftDigits(code, '\u0660') }
func fullWidth(code string) string   { return shiftDigits(code, '\uff10') }

func shiftDigits(code string, zero rune) string {
	var b strings.Builder
	for _, r := range code {
		b.WriteRune(zero + r - '0')
	}
	return b.String()
}

func TestMatch(t *testing.T) {
	now := time.Unix(1111111111, 0)
	step := Step(now)
	code := func(s int64) string {
		c, err := Code(rfcSecret, s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cur := code(step)
	wrong := cur[:5] + string('0'+(cur[5]-'0'+1)%10)
	// The code of counter 2^64-1, which step -1 would wrap to.
	key, err := decodeSecret(rfcSecret)
	if err != nil {
		t.Fatal(err)
	}
	var wrapped [Digits]byte
	newHOTP(key).code(-1, &wrapped)
	if string(wrapped[:]) == code(0) || string(wrapped[:]) == code(1) {
		t.Fatal("pick another wrapped step")
	}
	// Steps 37079356 and 37079357 share the code 186519.
	const collision = 37079356
	tests := []struct {
		name, secret, code string
		now                time.Time
		step               int64
		ok                 bool
	}{
		{"current", rfcSecret, cur, now, step, true},
		{"previous", rfcSecret, code(step - 1), now, step - 1, true},
		{"next", rfcSecret, code(step + 1), now, step + 1, true},
		{"two back", rfcSecret, code(step - 2), now, 0, false},
		{"two ahead", rfcSecret, code(step + 2), now, 0, false},
		{"spaced", rfcSecret, " " + cur[:3] + " " + cur[3:] + " ", now, step, true},
		{"hyphenated", rfcSecret, cur[:3] + "-" + cur[3:], now, step, true},
		{"wrong", rfcSecret, wrong, now, 0, false},
		{"five digits", rfcSecret, cur[:5], now, 0, false},
		{"seven digits", rfcSecret, cur + "0", now, 0, false},
		{"seven digits ending in the code", rfcSecret, "0" + cur, now, 0, false},
		{"letters", rfcSecret, "abcdef", now, 0, false},
		{"Arabic-Indic digits", rfcSecret, arabicIndic(cur), now, 0, false},
		{"full-width digits", rfcSecret, fullWidth(cur), now, 0, false},
		{"empty code", rfcSecret, "", now, 0, false},
		{"empty secret", "", cur, now, 0, false},
		{"invalid secret", "not base32!", cur, now, 0, false},
		{"lower-case secret", strings.ToLower(rfcSecret), cur, now, 0, false},
		{"one-char secret", "A", cur, now, 0, false},
		{"epoch", rfcSecret, code(0), time.Unix(0, 0), 0, true},
		{"before the epoch", rfcSecret, code(0), time.Unix(-31, 0), 0, false},
		{"no wrapped step", rfcSecret, string(wrapped[:]), time.Unix(0, 0), 0, false},
		{"collision: the earlier step", rfcSecret, "186519", time.Unix((collision+1)*30, 0), collision, true},
		{"collision: only one in the window", rfcSecret, "186519", time.Unix((collision+2)*30, 0), collision + 1, true},
		{"collision: both ahead", rfcSecret, "186519", time.Unix((collision-1)*30, 0), collision, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := Match(tc.secret, tc.code, tc.now)
			if s != tc.step || ok != tc.ok {
				t.Errorf("Match(%q, %q) = %d, %v, want %d, %v", tc.secret, tc.code, s, ok, tc.step, tc.ok)
			}
		})
	}
}
