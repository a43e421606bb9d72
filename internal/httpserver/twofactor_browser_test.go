package httpserver_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/totp"
)

// TestBrowserTwoFactor drives two-factor authentication in headless
// Chromium: a user sets it up from the QR code page, then logs in with a
// wrong code and the next one, and with a recovery code typed loosely. The
// setup and code pages pass axe-core, and no page logs an error or a
// Content-Security-Policy violation.
func TestBrowserTwoFactor(t *testing.T) {
	h := newHarness(t, withTwoFactor(false))
	const (
		email    = "jane@example.org"
		password = "correct horse"
	)
	h.createUser(email, password)
	axe := axeSource(t)
	b := startBrowser(t)
	shots := screenshotDir(t)
	page, err := b.conn.Page(proto.TargetCreateTarget{URL: "about:blank"})
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	p := &browserPage{t: t, page: page}
	viewport(t, p, 1024, 768)
	console := watchConsole(t, p)
	home := h.ts.URL + "/"
	loggedInAs := "^You are logged in as " + regexp.QuoteMeta(email)

	browserLogin(p, h, email, password)
	p.wantURL(home)
	secret, recovery, step := browserSetUpTwoFactor(t, p, h, axe, shots)
	console.check("setting up")

	// The password, a wrong code, then the next step's code: the setup
	// spent the current one.
	browserLogout(p, h)
	browserLogin(p, h, email, password)
	p.wantURL(h.ts.URL + "/tf-validate")
	checkAccessibility(t, p, axe, "/tf-validate")
	p.fill("#code", wrongCode(t, secret))
	p.submit("main form button[type=submit]")
	p.wantText("#code-error", "^Invalid code$")
	if got := p.attr("#code", "aria-invalid"); got != "true" {
		t.Errorf("the code input after a wrong code has aria-invalid=%q, want true", got)
	}
	p.screenshot(filepath.Join(shots, "two-factor-invalid.png"))
	checkAccessibility(t, p, axe, "/tf-validate (invalid code)")
	next, err := totp.Code(secret, max(step, totp.Step(time.Now()))+1)
	if err != nil {
		t.Fatal(err)
	}
	p.fill("#code", next)
	p.submit("main form button[type=submit]")
	p.wantURL(home)
	p.wantText("main p", loggedInAs)
	console.check("logging in with a code")

	// A recovery code, in upper case and in groups of four.
	browserLogout(p, h)
	browserLogin(p, h, email, password)
	p.wantURL(h.ts.URL + "/tf-validate")
	p.fill("#code", strings.ToUpper(strings.ReplaceAll(recovery, "-", " ")))
	p.submit("main form button[type=submit]")
	p.wantURL(home)
	p.wantText("main p", loggedInAs)
	p.wantText(".flash-warning", fmt.Sprintf("recovery code: %d left", accounts.DefaultRecoveryCodes-1))
	console.check("logging in with a recovery code")
}

// browserSetUpTwoFactor sets up an authenticator app for the logged-in
// user of p from /tf-setup, with the secret the page shows, and returns
// the secret, one of the recovery codes and the time step it spent.
func browserSetUpTwoFactor(t *testing.T, p *browserPage, h *harness, axe, shots string) (string, string, int64) {
	t.Helper()
	p.open(h.ts.URL + "/tf-setup")
	p.wantText("main p", "is off")
	p.submit(`main form button[name=setup][value=authenticator]`)
	p.wantText("h2", "^Set up your authenticator app$")
	// An inline SVG: the strict CSP must leave it drawn.
	if w, hgt := p.box(".qr svg[role=img]"); w < 100 || hgt < 100 {
		t.Errorf("the QR code is %gx%g pixels", w, hgt)
	}
	secret := p.text("code.secret")
	if !regexp.MustCompile(`^[A-Z2-7]{16,}$`).MatchString(secret) {
		t.Fatalf("the page shows the secret %q", secret)
	}
	p.screenshot(filepath.Join(shots, "two-factor-qr.png"))
	checkAccessibility(t, p, axe, "/tf-setup (QR code)")

	step := totp.Step(time.Now())
	c, err := totp.Code(secret, step)
	if err != nil {
		t.Fatal(err)
	}
	p.fill("#code", c)
	p.submit("main form button[type=submit]")
	p.wantText("h2", "^Your recovery codes$")
	p.wantText(".flash-success", "two-factor method")
	codes := p.texts("ul.recovery-codes li code")
	if len(codes) != accounts.DefaultRecoveryCodes {
		t.Fatalf("%d recovery codes shown, want %d: %q", len(codes), accounts.DefaultRecoveryCodes, codes)
	}
	if !regexp.MustCompile(`^[a-z2-7]{4}(-[a-z2-7]{4}){5}$`).MatchString(codes[3]) {
		t.Fatalf("recovery code %q", codes[3])
	}
	checkAccessibility(t, p, axe, "/tf-setup (recovery codes)")
	return secret, codes[3], step
}

// browserLogin logs in with the login form.
func browserLogin(p *browserPage, h *harness, email, password string) {
	p.t.Helper()
	p.open(h.ts.URL + "/login/")
	p.fill("#email", email)
	p.fill("#password", password)
	p.submit("main form button[type=submit]")
}

// browserLogout logs out through the header's link and the confirmation
// form.
func browserLogout(p *browserPage, h *harness) {
	p.t.Helper()
	p.submit(`header nav a[href="/logout/"]`)
	p.submit("main form button[type=submit]")
	p.wantURL(h.ts.URL + "/")
	p.wantText("main p", "^Welcome\\.")
}

// wrongCode returns a 6-digit code that is none of secret's codes near
// now.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	for _, c := range []string{"000000", "111111", "222222"} {
		used := false
		for d := -3; d <= 3; d++ {
			used = used || code(t, secret, d) == c
		}
		if !used {
			return c
		}
	}
	t.Fatal("no wrong code") // three codes among seven: impossible
	return ""
}

// text returns the text of the element matching selector.
func (p *browserPage) text(selector string) string {
	p.t.Helper()
	el, _, done := p.element(selector)
	defer done()
	s, err := el.Text()
	if err != nil {
		p.fatalf("read the text of %s: %v", selector, err)
	}
	return s
}

// texts returns the text of every element matching selector.
func (p *browserPage) texts(selector string) []string {
	p.t.Helper()
	pg := p.step()
	defer pg.CancelTimeout()
	res, err := pg.Eval(`s => Array.from(document.querySelectorAll(s), e => e.textContent)`, selector)
	if err != nil {
		p.fatalf("read the texts of %s: %v", selector, err)
	}
	var out []string
	for _, v := range res.Value.Arr() {
		out = append(out, v.Str())
	}
	return out
}

// attr returns an attribute of the element matching selector ("" when it
// has none).
func (p *browserPage) attr(selector, name string) string {
	p.t.Helper()
	el, _, done := p.element(selector)
	defer done()
	v, err := el.Attribute(name)
	if err != nil {
		p.fatalf("read %s of %s: %v", name, selector, err)
	}
	if v == nil {
		return ""
	}
	return *v
}

// box waits until the element matching selector is visible and returns
// the size of its bounding box.
func (p *browserPage) box(selector string) (w, h float64) {
	p.t.Helper()
	el, _, done := p.element(selector)
	defer done()
	if err := el.WaitVisible(); err != nil {
		p.fatalf("%s is not visible: %v", selector, err)
	}
	shape, err := el.Shape()
	if err != nil || len(shape.Quads) == 0 {
		p.fatalf("the shape of %s: %v", selector, err)
	}
	box := shape.Box()
	return box.Width, box.Height
}

// consoleWatch collects the errors a tab reports: console errors, uncaught
// exceptions, and the browser's own log (CSP violations, failed loads).
type consoleWatch struct {
	t      *testing.T
	mu     sync.Mutex
	errors []string
}

// watchConsole starts collecting p's errors until the test ends.
func watchConsole(t *testing.T, p *browserPage) *consoleWatch {
	t.Helper()
	w := &consoleWatch{t: t}
	ctx, cancel := context.WithCancel(context.Background())
	wait := p.page.Context(ctx).EachEvent(func(e *proto.LogEntryAdded) {
		// The browser asks every site for /favicon.ico; this one has none.
		favicon := e.Entry.Source == proto.LogLogEntrySourceNetwork && strings.HasSuffix(e.Entry.URL, "/favicon.ico")
		if e.Entry.Level == proto.LogLogEntryLevelError && !favicon {
			w.add(fmt.Sprintf("%s: %s (%s)", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}, func(e *proto.RuntimeConsoleAPICalled) {
		if e.Type == proto.RuntimeConsoleAPICalledTypeError || e.Type == proto.RuntimeConsoleAPICalledTypeAssert {
			w.add(fmt.Sprintf("console.%s: %v", e.Type, e.Args))
		}
	}, func(e *proto.RuntimeExceptionThrown) {
		w.add("exception: " + e.ExceptionDetails.Text)
	})
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

func (w *consoleWatch) add(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errors = append(w.errors, msg)
}

// check fails the test with the errors reported since the last check.
func (w *consoleWatch) check(label string) {
	w.t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.errors {
		w.t.Errorf("%s: the browser reported %s", label, e)
	}
	w.errors = nil
}
