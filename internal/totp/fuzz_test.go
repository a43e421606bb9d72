package totp

import (
	"bytes"
	"encoding/base32"
	"encoding/xml"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// dropSeparators is the reference of what ParseCode and
// NormalizeRecoveryCode remove from the trimmed input.
func dropSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{
		"123456", "123 456", " 123-456 ", "1-2-3-4-5-6", "\t000000\n", "12345", "1234567",
		"１２３４５６", "١٢٣٤٥٦", "12345\u0666", "123\u00a0456", "\u00a0123456", "abcdef", "",
		"123456\x00", "\xff\xfe", strings.Repeat(" ", 58) + "123456", strings.Repeat("1", 65),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := ParseCode(s)
		if !ok {
			if code != "" {
				t.Fatalf("ParseCode(%q) = %q, false", s, code)
			}
			return
		}
		if len(s) > 64 {
			t.Fatalf("ParseCode accepted %d bytes", len(s))
		}
		if len(code) != Digits || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("ParseCode(%q) = %q: not 6 ASCII digits", s, code)
		}
		if want := dropSeparators(s); code != want {
			t.Fatalf("ParseCode(%q) = %q, want %q", s, code, want)
		}
		if again, ok := ParseCode(code); !ok || again != code {
			t.Fatalf("ParseCode(%q) = %q, %v: not idempotent", code, again, ok)
		}
	})
}

func FuzzNormalizeRecoveryCode(f *testing.F) {
	for _, s := range []string{
		"abcd-efgh-ijkl-mnop-qrst-uvwx", "ABCD EFGH IJKL MNOP QRST UVWX", "abcdefghijklmnopqrstuvwx",
		"0bcd-efgh-ijkl-mnop-qrst-uvwx", "abcd-efgh-ijkl-mnop-qrst-uvw", "abcd-efgh-ijkl-mnop-qrst-uvwxy",
		"\u212abcd-efgh-ijkl-mnop-qrst-uvwx", "ａbcd-efgh-ijkl-mnop-qrst-uvwx", "", "-", "\xff",
		strings.Repeat(" ", 104) + "abcdefghijklmnopqrstuvwx", strings.Repeat("a", 129),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := NormalizeRecoveryCode(s)
		if !ok {
			if n != "" {
				t.Fatalf("NormalizeRecoveryCode(%q) = %q, false", s, n)
			}
			return
		}
		if len(s) > 128 {
			t.Fatalf("NormalizeRecoveryCode accepted %d bytes", len(s))
		}
		if len(n) != 24 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("NormalizeRecoveryCode(%q) = %q: not 24 base32 characters", s, n)
		}
		if want := strings.ToLower(dropSeparators(s)); n != want {
			t.Fatalf("NormalizeRecoveryCode(%q) = %q, want %q", s, n, want)
		}
		if again, ok := NormalizeRecoveryCode(groupRecoveryCode(n)); !ok || again != n {
			t.Fatalf("shown form of %q normalizes to %q, %v", n, again, ok)
		}
		if h := HashRecoveryCode(n); len(h) != 64 {
			t.Fatalf("hash %q", h)
		}
	})
}

func FuzzOpen(f *testing.F) {
	s := newTestSealer(f, "CHANGE_ME")
	for _, in := range []string{
		pySealed, pySealed[3:], "v1.", "v1", "", "v2." + pySealed[3:], pySealed + "A", pySealed + "=",
		pySealed[:len(pySealed)-1], pySealed[:20] + "\n" + pySealed[20:], pySealed + "\r",
		"v1.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw", "v1.!!!!", "v1." + strings.Repeat("A", 1021),
	} {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		plain, err := s.Open(in)
		if err != nil {
			if plain != "" {
				t.Fatalf("Open(%q) = %q with error %v", in, plain, err)
			}
			return
		}
		// Only the one sealed string among the seeds opens: any other
		// would mean the encoding is malleable or the tag unchecked.
		if in != pySealed || plain != rfcSecret {
			t.Fatalf("Open(%q) = %q", in, plain)
		}
	})
}

func FuzzMatch(f *testing.F) {
	const now = 1111111111
	for _, c := range []struct {
		secret, code string
		unix         int64
	}{
		{rfcSecret, "050471", now},
		{rfcSecret, "081804", now},
		{rfcSecret, "050 471", now},
		{rfcSecret, "186519", 37079357 * 30},
		{rfcSecret, "287082", 59},
		{rfcSecret, "000000", 0},
		{rfcSecret, "000000", -31},
		{rfcSecret, "050471", 1<<63 - 1},
		{rfcSecret, "050471", -1 << 63},
		{strings.ToLower(rfcSecret), "050471", now},
		{"AB", "123456", now},
		{"A", "123456", now},
		{"", "", 0},
		{rfcSecret + "\n", "050471", now},
		{strings.Repeat("A", 104), "123456", now},
		{rfcSecret, "١٢٣٤٥٦", now},
	} {
		f.Add(c.secret, c.code, c.unix)
	}
	f.Fuzz(func(t *testing.T, secret, code string, unix int64) {
		now := time.Unix(unix, 0)
		step, ok := Match(secret, code, now)
		if _, err := decodeSecret(secret); err == nil {
			// What decodes is canonical: it encodes back to itself.
			raw, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
			if again := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw); again != secret {
				t.Fatalf("secret %q decodes, but its bytes encode to %q", secret, again)
			}
		}
		if !ok {
			if step != 0 {
				t.Fatalf("Match(%q, %q, %d) = %d, false", secret, code, unix, step)
			}
			return
		}
		if d := step - Step(now); d < -Skew || d > Skew {
			t.Fatalf("Match(%q, %q, %d) = step %d, %d from now", secret, code, unix, step, d)
		}
		want, err := Code(secret, step)
		if c, _ := ParseCode(code); err != nil || c != want {
			t.Fatalf("Match(%q, %q, %d) = step %d, whose code is %q, %v", secret, code, unix, step, want, err)
		}
	})
}

func FuzzQRSVGLabel(f *testing.F) {
	for _, l := range []string{"Invenio", `"><script>`, "a & b", "\x00\x1f\ufffe", "\xff", "]]>", "' onload='x", "\r\n\t"} {
		f.Add(l)
	}
	const text = "otpauth://totp/x"
	bare, err := QRSVG(text, "")
	if err != nil {
		f.Fatal(err)
	}
	i := bytes.Index(bare, []byte(`aria-label="`)) + len(`aria-label="`)
	prefix, suffix := bare[:i], bare[i:]
	f.Fuzz(func(t *testing.T, label string) {
		out, err := QRSVG(text, label)
		if err != nil {
			t.Fatal(err)
		}
		// The label changes nothing but the attribute's value, and that
		// holds no quote or angle bracket.
		if !bytes.HasPrefix(out, prefix) || !bytes.HasSuffix(out, suffix) || len(out) < len(prefix)+len(suffix) {
			t.Fatalf("label %q changes the markup: %s", label, out)
		}
		if v := out[len(prefix) : len(out)-len(suffix)]; bytes.ContainsAny(v, `"'<>`) {
			t.Fatalf("label %q: attribute value %s", label, v)
		}
		var svg struct {
			AriaLabel string `xml:"aria-label,attr"`
		}
		if err := xml.Unmarshal(out, &svg); err != nil {
			t.Fatalf("label %q: not XML: %v", label, err)
		}
		if utf8.ValidString(label) && !strings.ContainsFunc(label, notXMLChar) && svg.AriaLabel != label {
			t.Fatalf("aria-label = %q, want %q", svg.AriaLabel, label)
		}
	})
}

// notXMLChar reports whether r is outside XML's Char production.
func notXMLChar(r rune) bool {
	return !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF)
}
