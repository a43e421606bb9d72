package pwcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Passwords that are not on the blocklist, for the breached check.
const (
	pwBreached = "Ngh7-seen-five-times" // the fake has it with count 5
	pwClean    = "Ngh7-never-seen"      // the fake pads with its suffix, count 0
)

// fakeRange is a local stand-in for the Pwned Passwords range API. It
// serves the counts it was given and records what each request showed.
type fakeRange struct {
	counts map[string]int // full upper-case SHA-1 → count

	mu       sync.Mutex
	requests []string // request URIs
	headers  []http.Header
}

// newFakeRange starts a fake range server and returns it with its URL,
// which has no path, as ACCOUNTS_PASSWORD_BREACHED_URL may have none.
func newFakeRange(t *testing.T, counts map[string]int) (*fakeRange, string) {
	t.Helper()
	f := &fakeRange{counts: counts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /range/{prefix}", f.serveRange)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

var prefixRE = regexp.MustCompile(`^[0-9A-F]{5}$`)

// serveRange handles "GET /range/{prefix}" as the real API does, and adds
// padding lines with count 0 when asked to, among them pwClean's suffix.
func (f *fakeRange) serveRange(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.RequestURI())
	f.headers = append(f.headers, r.Header.Clone())
	f.mu.Unlock()
	prefix := r.PathValue("prefix")
	if !prefixRE.MatchString(prefix) {
		http.Error(w, "The hash prefix was not in a valid format", http.StatusBadRequest)
		return
	}
	var lines []string
	for hash, n := range f.counts {
		if strings.HasPrefix(hash, prefix) {
			lines = append(lines, fmt.Sprintf("%s:%d", hash[prefixLen:], n))
		}
	}
	if r.Header.Get("Add-Padding") == "true" {
		_, clean := hashParts(pwClean)
		lines = append(lines, clean+":0", "0000000000000000000000000000000000A:0")
	}
	lines = append(lines, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:3") // never a test password
	slices.Sort(lines)
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, strings.Join(lines, "\r\n"))
}

// seen returns the request URIs and headers that the fake received.
func (f *fakeRange) seen() ([]string, []http.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests), slices.Clone(f.headers)
}

func sha1Hex(password string) string {
	p, s := hashParts(password)
	return p + s
}

func TestBreachedCheck(t *testing.T) {
	fake, url := newFakeRange(t, map[string]int{sha1Hex(pwBreached): 5})
	tests := []struct {
		name     string
		password string
		count    int
		want     error
	}{
		{"breached", pwBreached, 0, ErrBreached},
		{"at the threshold", pwBreached, 5, ErrBreached},
		{"under the threshold", pwBreached, 6, nil},
		{"clean despite padding with its suffix", pwClean, 0, nil},
		{"case matters to the hash", strings.ToUpper(pwBreached), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []Mode{ModeOn, ModeStrict} {
				var logs bytes.Buffer
				c := New(Options{Breached: mode, BreachedCount: tt.count, URL: url, Logger: newLogger(&logs)})
				if err := c.Check(context.Background(), tt.password); err != tt.want {
					t.Errorf("%s: Check = %v, want %v", mode, err, tt.want)
				}
				if logs.Len() > 0 {
					t.Errorf("%s: unexpected log: %s", mode, logs.String())
				}
			}
		})
	}
	if requests, _ := fake.seen(); len(requests) != 2*len(tests) {
		t.Errorf("the fake saw %d requests, want %d", len(requests), 2*len(tests))
	}
}

func TestBreachedSendsOnlyThePrefix(t *testing.T) {
	fake, url := newFakeRange(t, map[string]int{sha1Hex(pwBreached): 5})
	c := New(Options{Breached: ModeStrict, URL: url + "/range"})
	if err := c.Check(context.Background(), pwBreached); err != ErrBreached {
		t.Fatalf("Check = %v, want ErrBreached", err)
	}
	prefix, suffix := hashParts(pwBreached)
	requests, headers := fake.seen()
	if want := []string{"/range/" + prefix}; !slices.Equal(requests, want) {
		t.Fatalf("the fake saw %q, want %q", requests, want)
	}
	h := headers[0]
	if h.Get("Add-Padding") != "true" || h.Get("User-Agent") != DefaultUserAgent {
		t.Errorf("headers Add-Padding %q, User-Agent %q", h.Get("Add-Padding"), h.Get("User-Agent"))
	}
	seen := fmt.Sprint(requests, h)
	for _, secret := range []string{pwBreached, suffix, suffix[:10], strings.ToLower(suffix[:10])} {
		if strings.Contains(seen, secret) {
			t.Errorf("the fake saw %q", secret)
		}
	}
}

func TestBlocklistBeforeLookup(t *testing.T) {
	c := New(Options{Breached: ModeStrict, Client: noNetwork(t)})
	if err := c.Check(context.Background(), "password"); err != ErrCommon {
		t.Errorf("Check = %v, want ErrCommon", err)
	}
}

// failingServers returns the URL of a range API that fails in each way.
func failingServers(t *testing.T) map[string]string {
	t.Helper()
	serve := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	body := func(s string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, s) }
	}
	return map[string]string{
		"down": down.URL,
		"timeout": serve(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}),
		"500":       serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", 500) }),
		"429":       serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow down", 429) }),
		"garbage":   serve(body("<html><body>Sign in to the Wi-Fi</body></html>")),
		"empty":     serve(body("")),
		"bad count": serve(body("0018A45C4D1DEF81644B54AB7F969B88D65:-1\r\n")),
		"too large": serve(body(strings.Repeat("0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n", maxResponse/38+1))),
	}
}

func TestBreachedSiteFailures(t *testing.T) {
	prefix, suffix := hashParts(pwBreached)
	for name, url := range failingServers(t) {
		t.Run(name, func(t *testing.T) {
			for _, mode := range []Mode{ModeOn, ModeStrict} {
				var logs bytes.Buffer
				c := New(Options{Breached: mode, URL: url, Timeout: 200 * time.Millisecond, Logger: newLogger(&logs)})
				start := time.Now()
				err := c.Check(context.Background(), pwBreached)
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("%s: Check took %v despite the timeout", mode, d)
				}
				if mode == ModeOn && err != nil {
					t.Errorf("%s: Check = %v, want nil (fail open)", mode, err)
				}
				if mode == ModeStrict && (!errors.Is(err, ErrUnavailable) || err.Error() != ErrUnavailable.Error()) {
					t.Errorf("%s: Check = %v, want ErrUnavailable", mode, err)
				}
				if !strings.Contains(logs.String(), "level=WARN msg=\"breached password lookup failed\"") {
					t.Errorf("%s: no warning logged: %q", mode, logs.String())
				}
				for _, secret := range []string{pwBreached, prefix, suffix, strings.ToLower(prefix)} {
					if strings.Contains(logs.String(), secret) {
						t.Errorf("%s: the log holds %q: %s", mode, secret, logs.String())
					}
				}
			}
		})
	}
}

func TestCanceledContextFailsOpen(t *testing.T) {
	_, url := newFakeRange(t, map[string]int{sha1Hex(pwBreached): 5})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var logs bytes.Buffer
	c := New(Options{Breached: ModeOn, URL: url, Logger: newLogger(&logs)})
	if err := c.Check(ctx, pwBreached); err != nil {
		t.Errorf("Check = %v, want nil", err)
	}
	if !strings.Contains(logs.String(), "context canceled") {
		t.Errorf("log %q, want the cause", logs.String())
	}
}

func TestNewDefaults(t *testing.T) {
	c := New(Options{})
	if c.mode != ModeOff || c.minCount != 1 || c.rangeURL != DefaultURL || c.timeout != DefaultTimeout ||
		c.userAgent != DefaultUserAgent || c.client == nil || c.logger() != slog.Default() {
		t.Errorf("New(Options{}) = %+v", c)
	}
	if m := New(Options{Breached: "sometimes"}).mode; m != ModeStrict {
		t.Errorf("unknown mode became %q, want strict", m)
	}
	if n := New(Options{BreachedCount: -3}).minCount; n != 1 {
		t.Errorf("BreachedCount -3 became %d, want 1", n)
	}
}

func TestRangeURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.pwnedpasswords.com":        "https://api.pwnedpasswords.com/range/",
		"https://api.pwnedpasswords.com/":       "https://api.pwnedpasswords.com/range/",
		"https://api.pwnedpasswords.com/range":  "https://api.pwnedpasswords.com/range/",
		"https://api.pwnedpasswords.com/range/": "https://api.pwnedpasswords.com/range/",
		"http://127.0.0.1:8080/hibp/range/":     "http://127.0.0.1:8080/hibp/range/",
		"https://proxy.example/pwned?prefix=":   "https://proxy.example/pwned?prefix=",
	} {
		if got := rangeURL(in); got != want {
			t.Errorf("rangeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRangeCount(t *testing.T) {
	const suffix = "1E4C9B93F3F0682250B6CF8331B7EE68FD8"
	tests := []struct {
		body    string
		want    int
		wantErr bool
	}{
		{"003D68EB55068C33ACE09247EE4C639306B:3\r\n" + suffix + ":10434004\r\n", 10434004, false},
		{strings.ToLower(suffix) + ":7", 7, false},
		{"003D68EB55068C33ACE09247EE4C639306B:3\n\n", 0, false},
		{suffix + ":0\r\n", 0, false},
		{suffix + ":2\n" + suffix + ":9\n" + suffix + ":4", 9, false},
		{"", 0, true},
		{"\r\n\r\n", 0, true},
		{suffix, 0, true},
		{suffix + ":", 0, true},
		{suffix + ":+1", 0, true},
		{suffix + ":1 2", 0, true},
		{suffix + ":99999999999999999999", 0, true},
		{"5BAA6" + suffix + ":1", 0, true},
		{"G" + suffix[1:] + ":1", 0, true},
		{"<!DOCTYPE html>", 0, true},
	}
	for _, tt := range tests {
		got, err := rangeCount([]byte(tt.body), suffix)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("rangeCount(%.60q) = %d, %v; want %d, error %v", tt.body, got, err, tt.want, tt.wantErr)
		}
	}
}

func newLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, nil))
}
