package pwcheck

import (
	"bytes"
	"context"
	"crypto/fips140"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxResponse bounds the range response that lookup reads. Pwned Passwords
// answers with about a thousand lines of some 40 bytes, padded or not.
const maxResponse = 1 << 20

// prefixLen is the number of hexadecimal digits of the SHA-1 sent.
const prefixLen = 5

// lookup asks the range API how many times password was seen in breaches.
// Only the first prefixLen digits of its SHA-1 leave the process, and no
// error it returns holds the password, the hash or the prefix.
func (c *Checker) lookup(ctx context.Context, password string) (int, error) {
	prefix, suffix := hashParts(password)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	body, err := c.fetch(ctx, prefix)
	if err != nil {
		return 0, err
	}
	return rangeCount(body, suffix)
}

// hashParts splits the upper-case hexadecimal SHA-1 of password into the
// prefix that is sent and the suffix that is looked for in the answer.
func hashParts(password string) (prefix, suffix string) {
	var sum [sha1.Size]byte
	// SHA-1 is the range protocol's bucket key, not a protection: running
	// under GODEBUG=fips140=only must not make every lookup panic.
	fips140.WithoutEnforcement(func() { sum = sha1.Sum([]byte(password)) })
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	return h[:prefixLen], h[prefixLen:]
}

// fetch GETs the range of prefix and returns the response body.
func (c *Checker) fetch(ctx context.Context, prefix string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.rangeURL+prefix, nil)
	if err != nil {
		return nil, errors.New("breached lookup: invalid ACCOUNTS_PASSWORD_BREACHED_URL")
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "text/plain")
	// Padding makes every answer about the same size, so that an observer
	// of the encrypted traffic cannot tell which range was asked for.
	req.Header.Set("Add-Padding", "true")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("breached lookup: %w", withoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("breached lookup: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("breached lookup: read response: %w", withoutURL(err))
	}
	if len(body) > maxResponse {
		return nil, fmt.Errorf("breached lookup: response over %d bytes", maxResponse)
	}
	return body, nil
}

// withoutURL drops the request URL, which holds the hash prefix, from the
// client's errors, so that logging them does not leak it.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// rangeCount returns the count that a range response gives for suffix, or
// 0 when the suffix is absent. Each line must be 35 hexadecimal digits, a
// colon and a decimal count, compared without regard to case; blank lines
// are skipped. Padding lines, whose count is 0, never match. A response
// without any line is an error: a real range is never empty.
func rangeCount(body []byte, suffix string) (int, error) {
	count, lines, n := 0, 0, 0
	for line := range bytes.Lines(body) {
		n++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		lines++
		hash, num, ok := bytes.Cut(line, []byte{':'})
		if !ok || len(hash) != sha1HexLen-prefixLen || !isHex(hash) {
			return 0, fmt.Errorf("breached lookup: malformed line %d", n)
		}
		v, err := parseCount(num)
		if err != nil {
			return 0, fmt.Errorf("breached lookup: line %d: %w", n, err)
		}
		if v > count && strings.EqualFold(string(hash), suffix) {
			count = v
		}
	}
	if lines == 0 {
		return 0, errors.New("breached lookup: empty response")
	}
	return count, nil
}

// sha1HexLen is the length of a SHA-1 in hexadecimal digits.
const sha1HexLen = 2 * sha1.Size

// isHex reports whether b is made of hexadecimal digits only.
func isHex(b []byte) bool {
	for _, ch := range b {
		if !('0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F') {
			return false
		}
	}
	return true
}

// parseCount parses a count of decimal digits only, without sign or space.
func parseCount(b []byte) (int, error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, errors.New("malformed count")
	}
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, errors.New("malformed count")
		}
	}
	v, err := strconv.Atoi(string(b))
	if err != nil {
		return 0, errors.New("count out of range")
	}
	return v, nil
}
