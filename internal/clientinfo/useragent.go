package clientinfo

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ua-parser/uap-go/uaparser"
)

// MaxUALength is how many bytes of a User-Agent header are parsed; the rest
// is ignored. Go's regexp runs in linear time, so this bounds the cost of a
// parse (and the size of a cache key), not a ReDoS risk. Real user agents are
// far shorter: the longest in testdata/user-agents.json has 243 bytes.
const MaxUALength = 512

// uaCacheSize is how many distinct (capped) user agents UAParser remembers.
// A key is at most 2*MaxUALength bytes (Latin-1 decoded), so the keys take
// at most 2 MiB.
const uaCacheSize = 2048

// Agent is what Invenio stores about a client in accounts_user_session_activity:
// the browser family and major version, the OS family and the device family,
// as Python's ua-parser (user_agent_parser.Parse) gives them. Browser, OS and
// Device are never nil after a parse ("Other" when unknown); BrowserVersion is
// nil when ua-parser finds no major version. The columns are VARCHAR(80)
// (browser, os, device) and VARCHAR(30) (browser_version): fitting values to
// them is the caller's business.
type Agent struct {
	Browser        *string
	BrowserVersion *string
	OS             *string
	Device         *string
}

// uaResult is the cached form of an Agent: plain strings, so that callers get
// fresh pointers and cannot change what other callers see.
type uaResult struct {
	browser, version, os, device string
}

// UAParser parses User-Agent headers with the uap-core regexes built into
// github.com/ua-parser/uap-go, the same data Python's ua-parser uses. It
// keeps recent results in a bounded LRU cache. It is safe for concurrent
// use; build one with NewUAParser and share it.
type UAParser struct {
	uap   *uaparser.Parser
	cache *lru[string, uaResult]
	// ready, when not nil, is closed once uap is set (StartUAParser).
	ready chan struct{}
}

// NewUAParser compiles the built-in uap-core regexes (1200 of them: about
// 0.25 s and 12 MiB of heap) and returns a parser with an empty cache.
func NewUAParser() (*UAParser, error) {
	// uap-go keeps its own cache per field; ours caches whole results, so
	// keep uap-go's as small as it allows (zero panics in uap-go).
	uap, err := uaparser.New(uaparser.WithCacheSize(1))
	if err != nil {
		return nil, fmt.Errorf("load uap-core regexes: %w", err)
	}
	return &UAParser{uap: uap, cache: newLRU[string, uaResult](uaCacheSize)}, nil
}

// StartUAParser returns a parser whose regexes compile in the background
// (a quarter of a second that `serve` need not wait for before it is
// ready): Parse calls made meanwhile wait for them. The channel receives
// the compilation's error, nil on success, once; after an error the parser
// gives an Agent with every field nil.
func StartUAParser() (*UAParser, <-chan error) {
	p := &UAParser{cache: newLRU[string, uaResult](uaCacheSize), ready: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		uap, err := NewUAParser()
		if err == nil {
			p.uap = uap.uap
		}
		close(p.ready)
		done <- err
	}()
	return p, done
}

// Parse returns what Invenio would store for the User-Agent header ua (""
// when the request has none). Only the first MaxUALength bytes are parsed.
// A nil *UAParser returns an Agent with every field nil, as when Invenio
// stores no user-agent data. Parse never panics.
//
// On printable ASCII, results equal Python's given the same regexes (the
// 30 662 user agents of uap-core's test files agree). A header with non-ASCII bytes can, rarely, give another
// answer: Python's \w, \s and \b also match non-ASCII letters and spaces,
// Go's only ASCII ones.
func (p *UAParser) Parse(ua string) Agent {
	if p == nil {
		return Agent{}
	}
	if p.ready != nil {
		<-p.ready
	}
	if p.uap == nil {
		return Agent{}
	}
	key := wsgiString(ua)
	res, ok := p.cache.get(key)
	if !ok {
		res = p.parse(key)
		// key may share memory with a large header: keep only our bytes.
		p.cache.add(strings.Clone(key), res)
	}
	return res.agent()
}

// parse runs the three uap-go parsers one after the other. uap-go's own Parse
// starts three goroutines per call, which costs more than it saves here.
func (p *UAParser) parse(ua string) uaResult {
	browser := p.uap.ParseUserAgent(ua)
	res := uaResult{
		browser: browser.Family,
		version: browser.Major,
		os:      p.uap.ParseOs(ua).Family,
		device:  p.uap.ParseDevice(ua).Family,
	}
	if res.browser == "Other" {
		// Python reports no version when no regex gives a family; uap-go
		// may keep the version of a regex that matched with an empty one.
		res.version = ""
	}
	return res
}

func (r uaResult) agent() Agent {
	a := Agent{Browser: ptr(r.browser), OS: ptr(r.os), Device: ptr(r.device)}
	if r.version != "" {
		a.BrowserVersion = ptr(r.version)
	}
	return a
}

func ptr(s string) *string { return &s }

// wsgiString turns a raw header value into the string Python sees behind a
// WSGI server: at most MaxUALength bytes, each byte one Latin-1 character
// (PEP 3333), so non-ASCII bytes give the same families as in Invenio and
// the results are valid UTF-8. NUL bytes are dropped: neither PostgreSQL
// text nor Go's HTTP server accepts them.
func wsgiString(ua string) string {
	if len(ua) > MaxUALength {
		ua = ua[:MaxUALength]
	}
	ascii := true
	for i := 0; i < len(ua); i++ {
		if ua[i] >= utf8.RuneSelf || ua[i] == 0 {
			ascii = false
			break
		}
	}
	if ascii {
		return ua
	}
	var b strings.Builder
	b.Grow(2 * len(ua))
	for i := 0; i < len(ua); i++ {
		if ua[i] != 0 {
			b.WriteRune(rune(ua[i]))
		}
	}
	return b.String()
}
