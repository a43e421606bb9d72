package clientinfo

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// uaCase is one entry of testdata/user-agents.json: what Python's ua-parser
// (Debian python3-ua-parser 0.16.1 with uap-core 0.16.0) answers.
type uaCase struct {
	UserAgent      string  `json:"user_agent"`
	Browser        string  `json:"browser"`
	BrowserVersion *string `json:"browser_version"`
	OS             string  `json:"os"`
	Device         string  `json:"device"`
}

// uaExceptions lists the fixture cases, by user agent, where UAParser is
// known to differ from the fixture, each with the reason. Any disagreement
// not listed here fails TestParseFixture, and so does a listed case that no
// longer disagrees (the list must not go stale).
//
// It is empty: all 300 cases agree. Before adding an entry, check whether
// Python gives the new answer with uap-go's regexes too
// (UA_PARSER_YAML=<uap-go regexes> python3 ...): only a regex-version
// difference belongs here; anything else is a bug.
func uaExceptions() map[string]string {
	return map[string]string{}
}

func loadUACases(tb testing.TB) []uaCase {
	tb.Helper()
	data, err := os.ReadFile("../../testdata/user-agents.json")
	if err != nil {
		tb.Fatal(err)
	}
	var fixture struct {
		Cases []uaCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &fixture); err != nil {
		tb.Fatal(err)
	}
	if len(fixture.Cases) == 0 {
		tb.Fatal("no cases in testdata/user-agents.json")
	}
	return fixture.Cases
}

// compiledUAParser compiles the uap-core regexes once per test binary: it
// takes a quarter of a second, and many times that under -race.
var compiledUAParser = sync.OnceValues(NewUAParser)

// newTestUAParser returns a parser with the shared compiled regexes and a
// cache of its own.
func newTestUAParser(tb testing.TB) *UAParser {
	tb.Helper()
	p, err := compiledUAParser()
	if err != nil {
		tb.Fatal(err)
	}
	return &UAParser{uap: p.uap, cache: newLRU[string, uaResult](uaCacheSize)}
}

func (c uaCase) agent() Agent {
	return Agent{Browser: &c.Browser, BrowserVersion: c.BrowserVersion, OS: &c.OS, Device: &c.Device}
}

func TestParseFixture(t *testing.T) {
	p := newTestUAParser(t)
	exceptions := uaExceptions()
	for i, c := range loadUACases(t) {
		t.Run(fmt.Sprintf("%03d", i), func(t *testing.T) {
			t.Parallel() // shares p: the cases double as a concurrency test
			if len(c.UserAgent) > MaxUALength {
				t.Fatalf("fixture UA longer than MaxUALength (%d bytes): the cap would change it", len(c.UserAgent))
			}
			diff := cmp.Diff(c.agent(), p.Parse(c.UserAgent))
			reason, excepted := exceptions[c.UserAgent]
			switch {
			case diff != "" && !excepted:
				t.Errorf("Parse(%q) differs from Python (-want +got):\n%s", c.UserAgent, diff)
			case diff == "" && excepted:
				t.Errorf("Parse(%q) now agrees with Python: remove its exception (%s)", c.UserAgent, reason)
			case excepted:
				t.Logf("known difference (%s):\n%s", reason, diff)
			}
		})
	}
}

func TestParseSpecialInputs(t *testing.T) {
	p := newTestUAParser(t)
	other := "Other"
	firefox, v43, linux := "Firefox", "43", "Linux"
	cases := []struct {
		name, ua string
		want     Agent
	}{
		{"empty", "", Agent{Browser: &other, OS: &other, Device: &other}},
		{"invenio test UA", "Mozilla/5.0 (X11; Linux x86_64; rv:43.0) Gecko/20100101 Firefox/43.0",
			Agent{Browser: &firefox, BrowserVersion: &v43, OS: &linux, Device: &other}},
		{"NUL dropped", "Mozilla/5.0 (X11; Linux x86_64; rv:43.0) Gecko/20100101 Fire\x00fox/43.0",
			Agent{Browser: &firefox, BrowserVersion: &v43, OS: &linux, Device: &other}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, p.Parse(c.ua)); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", c.ua, diff)
			}
		})
	}
}

// TestParseLatin1 checks that non-ASCII bytes are read as Latin-1, as a WSGI
// server hands them to Invenio (Python gives "caf\u00e9" here), so the stored
// values are valid UTF-8 whatever the header holds.
func TestParseLatin1(t *testing.T) {
	p := newTestUAParser(t)
	ua := "Mozilla/5.0 (Linux; Android 10; caf\xe9 Build/QP1A) AppleWebKit/537.36 Chrome/90.0 Mobile Safari/537.36"
	if got := p.Parse(ua); got.Device == nil || *got.Device != "caf\u00e9" {
		t.Errorf("device = %v, want %q", deref(got.Device), "caf\u00e9")
	}
}

func TestParseNil(t *testing.T) {
	var p *UAParser
	if diff := cmp.Diff(Agent{}, p.Parse("curl/8.5.0")); diff != "" {
		t.Errorf("nil parser (-want +got):\n%s", diff)
	}
}

// TestParseLong checks that a huge header is cut at MaxUALength bytes, is
// parsed quickly, and leaves only MaxUALength bytes in the cache.
func TestParseLong(t *testing.T) {
	p := newTestUAParser(t)
	huge := "Mozilla/5.0 (X11; Linux x86_64; rv:43.0) Gecko/20100101 Firefox/43.0 " + strings.Repeat("(a", 1<<20)
	start := time.Now()
	got := p.Parse(huge)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Parse of a 2 MiB UA took %v", d)
	}
	if diff := cmp.Diff(p.Parse(huge[:MaxUALength]), got); diff != "" {
		t.Errorf("bytes after MaxUALength changed the result (-prefix +full):\n%s", diff)
	}
	if *got.Browser != "Firefox" {
		t.Errorf("browser = %q, want Firefox", *got.Browser)
	}
	if n := p.cache.len(); n != 1 {
		t.Errorf("cache holds %d entries, want 1 (the capped key)", n)
	}
}

// TestParseResultsNotShared checks that a caller writing through the returned
// pointers cannot change what later callers get from the cache.
func TestParseResultsNotShared(t *testing.T) {
	p := newTestUAParser(t)
	ua := "curl/8.5.0"
	first := p.Parse(ua)
	*first.Browser = "changed"
	if got := p.Parse(ua); *got.Browser != "curl" {
		t.Errorf("browser = %q after a caller wrote to an earlier result, want curl", *got.Browser)
	}
}

// TestParseConcurrent has goroutines parse the same few user agents in
// different orders, so that misses, hits and evictions overlap.
func TestParseConcurrent(t *testing.T) {
	p := newTestUAParser(t)
	p.cache = newLRU[string, uaResult](8)
	cases := loadUACases(t)[:24]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2 * len(cases) {
				c := cases[(i*(g+1))%len(cases)]
				if diff := cmp.Diff(c.agent(), p.Parse(c.UserAgent)); diff != "" {
					t.Errorf("goroutine %d: Parse(%q) (-want +got):\n%s", g, c.UserAgent, diff)
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkParse(b *testing.B) {
	cases := loadUACases(b)
	b.Run("cold", func(b *testing.B) {
		p := newTestUAParser(b)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			// A unique suffix misses the cache every time.
			p.Parse(fmt.Sprintf("%s %d", cases[i%len(cases)].UserAgent, i))
		}
	})
	b.Run("cached", func(b *testing.B) {
		p := newTestUAParser(b)
		for _, c := range cases {
			p.Parse(c.UserAgent)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			p.Parse(cases[i%len(cases)].UserAgent)
		}
	})
}

func FuzzParseUA(f *testing.F) {
	// Every tenth fixture case: parsing costs ~1 ms (much more under -race)
	// and TestParseFixture covers them all.
	for i, c := range loadUACases(f) {
		if i%10 == 0 {
			f.Add(c.UserAgent)
		}
	}
	f.Add("")
	f.Add("\x00\xff\xfe" + strings.Repeat("Mozilla/5.0 (", 60))
	p := newTestUAParser(f)
	f.Fuzz(func(t *testing.T, ua string) {
		got := p.Parse(ua)
		if got.Browser == nil || got.OS == nil || got.Device == nil {
			t.Fatalf("Parse(%q) = %+v: nil family", ua, got)
		}
		for _, s := range []*string{got.Browser, got.BrowserVersion, got.OS, got.Device} {
			if s != nil && (!utf8.ValidString(*s) || strings.ContainsRune(*s, 0)) {
				t.Fatalf("Parse(%q): %q is not valid UTF-8 without NUL", ua, *s)
			}
		}
		if got.BrowserVersion != nil && *got.BrowserVersion == "" {
			t.Fatalf("Parse(%q): empty version instead of nil", ua)
		}
		if diff := cmp.Diff(p.parse(wsgiString(ua)).agent(), got); diff != "" {
			t.Fatalf("Parse(%q): cached and fresh results differ:\n%s", ua, diff)
		}
	})
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// TestStartUAParser: a parser started in the background reports success
// once, and parses as a synchronously built one does, even when called
// before its regexes are ready (Parse waits for them).
func TestStartUAParser(t *testing.T) {
	want := newTestUAParser(t)
	const ua = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
	p, compiled := StartUAParser()
	got := p.Parse(ua) // most likely before the compilation ends
	if err := <-compiled; err != nil {
		t.Fatalf("StartUAParser: %v", err)
	}
	if diff := cmp.Diff(want.Parse(ua), got); diff != "" {
		t.Errorf("Parse(%q) differs from a synchronously built parser's (-want +got):\n%s", ua, diff)
	}
	if got.Browser == nil || *got.Browser != "Firefox" {
		t.Errorf("Parse(%q).Browser = %v, want Firefox", ua, got.Browser)
	}
}
