package pwcheck

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzRangeCount feeds range responses to the parser. Whatever the body,
// it must not panic; a count it reports must come from a line holding the
// suffix; and a body it accepts must give the count of a line appended to it.
func FuzzRangeCount(f *testing.F) {
	const suffix = "1E4C9B93F3F0682250B6CF8331B7EE68FD8" // SHA-1("password")[5:]
	for _, seed := range []string{
		"003D68EB55068C33ACE09247EE4C639306B:3\r\n012C192B2F16F82EA0EB9EF18D9D539B0DD:1\r\n" +
			suffix + ":10434004\r\n1E2AAA439972480CEC7F16C795BBB429372:1",
		"0000000000000000000000000000000000A:0\r\n" + strings.ToLower(suffix) + ":0\r\n",
		suffix + ":1\n\n\n",
		"",
		"<html><head><title>502 Bad Gateway</title></head></html>",
		suffix + ":18446744073709551616",
		suffix + "::1",
		"\xff\xfe:1\r",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		count, err := rangeCount(body, suffix)
		if err != nil {
			if count != 0 {
				t.Fatalf("count %d with error %v", count, err)
			}
			return
		}
		if count < 0 {
			t.Fatalf("negative count %d", count)
		}
		if count > 0 && !bytes.Contains(bytes.ToUpper(body), []byte(suffix)) {
			t.Fatalf("count %d for a body without the suffix", count)
		}
		more := append(append(bytes.Clone(body), '\n'), suffix+":7\n"...)
		got, err := rangeCount(more, suffix)
		if err != nil || got != max(count, 7) {
			t.Fatalf("with a line appended: %d, %v; want %d", got, err, max(count, 7))
		}
	})
}
