package httpserver_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"

	"github.com/invenio-go/accounts/internal/testenv"
)

// browserStepTimeout bounds every browser action and wait, so a hung
// browser fails the test instead of hanging CI.
const browserStepTimeout = 20 * time.Second

// TestBrowserSignupAndLogin drives the real pages with Debian's Chromium,
// headless: sign up, log out through the confirmation page, a wrong
// password, then the right one. It saves screenshots into
// ACCOUNTS_SCREENSHOT_DIR when set.
func TestBrowserSignupAndLogin(t *testing.T) {
	h := newHarness(t)
	b := startBrowser(t)
	shots := screenshotDir(t)

	const (
		email    = "browser@example.org"
		password = "correct horse battery staple"
	)
	home := h.ts.URL + "/"
	loggedIn := "You are logged in as " + regexp.QuoteMeta(email)

	page, err := b.conn.Page(proto.TargetCreateTarget{URL: "about:blank"})
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	p := &browserPage{t: t, page: page}
	if err := page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: 1024, Height: 720, DeviceScaleFactor: 1}); err != nil {
		t.Fatalf("set the viewport: %v", err)
	}

	// Sign up.
	p.open(h.ts.URL + "/signup/")
	p.wantText("h1", "^Sign up for ")
	p.fill("#email", email)
	p.fill("#password", password)
	p.screenshot(filepath.Join(shots, "signup.png"))
	p.submit("button[type=submit]")
	p.wantURL(home)
	p.wantText("main p", loggedIn)

	// Log out: the header's link, then the confirmation form's button.
	p.submit(`header nav a[href="/logout/"]`)
	p.wantURL(h.ts.URL + "/logout/")
	p.wantText("main p", loggedIn)
	p.submit("main form button[type=submit]")
	p.wantURL(home)
	p.wantText("main p", "^Welcome\\.")

	// A wrong password, then the right one.
	p.open(h.ts.URL + "/login/")
	p.wantText("h1", "^Log in to ")
	p.fill("#email", email)
	p.fill("#password", "not the password")
	p.submit("button[type=submit]")
	p.wantText("main", regexp.QuoteMeta("Invalid email or password."))
	if got := p.value("#email"); got != email {
		t.Errorf("the login form after an error shows email %q, want %q kept", got, email)
	}
	if got := p.value("#password"); got != "" {
		t.Errorf("the login form after an error shows the password again (%d characters)", len(got))
	}
	p.screenshot(filepath.Join(shots, "login-error.png"))
	p.fill("#email", email)
	p.fill("#password", password)
	p.submit("button[type=submit]")
	p.wantURL(home)
	p.wantText("main p", loggedIn)
	p.wantText("header nav .who", "^"+regexp.QuoteMeta(email)+"$")
	p.screenshot(filepath.Join(shots, "home-logged-in.png"))
}

// browser is a headless Chromium the test launched, and its output.
type browser struct {
	conn *rod.Browser
	log  *lockedBuffer
}

// startBrowser launches the system's Chromium (never a downloaded one) with
// a temporary profile; the browser is closed, then killed, at cleanup.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		testenv.SkipOrFail(t, "chromium is not installed (apt-get install chromium): %v", err)
	}
	profile, err := os.MkdirTemp("", "accounts-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	log := &lockedBuffer{}
	launchCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	l := launcher.New().
		Context(launchCtx).
		Bin(bin).
		Leakless(false). // no helper binary extracted to /tmp; cleanup kills the process group
		Headless(true).
		NoSandbox(true). // CI containers run as root
		UserDataDir(profile).
		Set("disable-gpu").
		Set("disable-quic").
		Set("no-first-run").
		Set("disable-background-networking").
		Set("disable-component-update").
		Set("disable-sync").
		Set("disable-dev-shm-usage").
		Logger(log)
	start := time.Now()
	u, err := l.Launch()
	if err != nil {
		l.Kill()
		os.RemoveAll(profile)
		t.Fatalf("launch %s: %v\n%s", bin, err, log)
	}
	t.Cleanup(func() {
		l.Kill() // the whole process group
		done := make(chan struct{})
		go func() { l.Cleanup(); close(done) }() // waits for the exit, removes the profile
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("chromium (pid %d) did not exit after SIGKILL", l.PID())
		}
		if t.Failed() {
			t.Logf("chromium output:\n%s", log)
		}
	})
	ctx, cancelAll := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancelAll)
	rb := rod.New().ControlURL(u).Context(ctx)
	if err := rb.Connect(); err != nil {
		t.Fatalf("connect to chromium: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rb.Context(ctx).Close()
	})
	t.Logf("chromium ready in %s", time.Since(start).Round(time.Millisecond))
	return &browser{conn: rb, log: log}
}

// screenshotDir returns ACCOUNTS_SCREENSHOT_DIR (created) or a temporary
// directory.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ACCOUNTS_SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("ACCOUNTS_SCREENSHOT_DIR: %v", err)
	}
	return dir
}

// browserPage runs bounded steps on one tab; a step that fails or times
// out fails the test with the page's URL and text.
type browserPage struct {
	t    *testing.T
	page *rod.Page
}

// step returns the page bounded by browserStepTimeout.
func (p *browserPage) step() *rod.Page { return p.page.Timeout(browserStepTimeout) }

func (p *browserPage) fatalf(format string, args ...any) {
	p.t.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pg := p.page.Context(ctx)
	if info, err := pg.Info(); err == nil {
		msg += "\nat " + info.URL
	}
	if res, err := pg.Eval(`() => document.body ? document.body.innerText : ""`); err == nil {
		msg += "\npage text:\n" + res.Value.Str()
	}
	p.t.Fatal(msg)
}

// open navigates to u and waits for the load event.
func (p *browserPage) open(u string) {
	p.t.Helper()
	pg := p.step()
	defer pg.CancelTimeout()
	if err := pg.Navigate(u); err != nil {
		p.fatalf("navigate to %s: %v", u, err)
	}
	if err := pg.WaitLoad(); err != nil {
		p.fatalf("load %s: %v", u, err)
	}
}

// element finds the element matching selector, on the page bounded by
// browserStepTimeout until done is called.
func (p *browserPage) element(selector string) (el *rod.Element, pg *rod.Page, done func()) {
	p.t.Helper()
	pg = p.step()
	done = func() { pg.CancelTimeout() }
	el, err := pg.Element(selector)
	if err != nil {
		done()
		p.fatalf("find %s: %v", selector, err)
	}
	return el, pg, done
}

// fill replaces the value of the input matching selector by typing text.
func (p *browserPage) fill(selector, text string) {
	p.t.Helper()
	el, _, done := p.element(selector)
	defer done()
	if err := el.SelectAllText(); err != nil {
		p.fatalf("select the text of %s: %v", selector, err)
	}
	if err := el.Input(text); err != nil {
		p.fatalf("type into %s: %v", selector, err)
	}
}

// value returns the current value of the input matching selector.
func (p *browserPage) value(selector string) string {
	p.t.Helper()
	el, _, done := p.element(selector)
	defer done()
	v, err := el.Property("value")
	if err != nil {
		p.fatalf("read the value of %s: %v", selector, err)
	}
	return v.Str()
}

// submit clicks the element matching selector (a button or a link) and
// waits for the next page's load event.
func (p *browserPage) submit(selector string) {
	p.t.Helper()
	el, pg, done := p.element(selector)
	defer done()
	wait := pg.WaitNavigation(proto.PageLifecycleEventNameLoad)
	if err := el.Click(proto.InputMouseButtonLeft, 1); err != nil {
		p.fatalf("click %s: %v", selector, err)
	}
	wait()
	if err := pg.WaitLoad(); err != nil {
		p.fatalf("after clicking %s: %v", selector, err)
	}
}

// wantText waits until an element matching selector has text matching the
// JavaScript regular expression re.
func (p *browserPage) wantText(selector, re string) {
	p.t.Helper()
	pg := p.step()
	defer pg.CancelTimeout()
	if _, err := pg.ElementR(selector, re); err != nil {
		p.fatalf("no %s matching /%s/ within %s: %v", selector, re, browserStepTimeout, err)
	}
}

// wantURL checks the page's URL.
func (p *browserPage) wantURL(want string) {
	p.t.Helper()
	pg := p.step()
	defer pg.CancelTimeout()
	info, err := pg.Info()
	if err != nil {
		p.fatalf("page info: %v", err)
	}
	if info.URL != want {
		p.fatalf("landed on %s, want %s", info.URL, want)
	}
}

// screenshot saves a full-page PNG.
func (p *browserPage) screenshot(path string) {
	p.t.Helper()
	pg := p.step()
	defer pg.CancelTimeout()
	png, err := pg.Screenshot(true, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	if err != nil {
		p.fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s (%d bytes)", path, len(png))
}

// lockedBuffer collects the browser's output from its reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
