package httpserver_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/testenv"
)

// The accessibility checker: axe-core from npm, pinned by version and
// integrity. ACCOUNTS_TEST_AXE_JS names a copy of axe.min.js to use
// instead; otherwise it is fetched once with `npm pack` into the user's
// cache directory.
const (
	axeVersion   = "4.14.1"
	axeIntegrity = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)

// TestBrowserAdmin drives the admin pages in headless Chromium: an admin
// logs in, finds a user, blocks and restores them with a reason; every
// admin page passes axe-core with no serious or critical violation, and
// the dashboard fits a phone's width. Screenshots go to
// ACCOUNTS_SCREENSHOT_DIR when set.
func TestBrowserAdmin(t *testing.T) {
	h := newHarness(t)
	admin := h.makeAdmin("admin@example.org")
	jane := h.createUser("jane@example.org", "correct horse")
	for i := range 12 {
		h.createUser(fmt.Sprintf("user%02d@example.org", i), "correct horse")
	}
	ctx := context.Background()
	if _, _, err := h.svc.CreateRole(ctx, "curator", "Curates records"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.svc.AddRole(ctx, accounts.UserRef(jane.Email), "curator"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.CreateDomain(ctx, "spam.example", accounts.DomainChange{}); err != nil {
		t.Fatal(err)
	}
	janeBrowser := h.apiLogin("jane@example.org", "correct horse")
	axe := axeSource(t)
	b := startBrowser(t)
	shots := screenshotDir(t)

	page, err := b.conn.Page(proto.TargetCreateTarget{URL: "about:blank"})
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	p := &browserPage{t: t, page: page}
	viewport(t, p, 1024, 768)
	p.open(h.ts.URL + "/login/?next=/admin/")
	p.fill("#email", admin.Email)
	p.fill("#password", adminPassword)
	p.submit("button[type=submit]")
	p.wantURL(h.ts.URL + "/admin/")
	p.wantText("h1", "^Dashboard$")

	// Find jane, block her with a reason, restore her.
	p.submit(`.admin-nav a[href="/admin/users/"]`)
	p.fill("#q", "jane")
	p.submit(".filters button[type=submit]")
	p.wantText("main p", "^Users 1–1 of 1\\.$")
	p.submit(fmt.Sprintf(`a[href="/admin/users/%d"]`, jane.ID))
	p.wantText("h1", "^jane@example\\.org$")
	p.fill("#reason-block", "spam from this account")
	p.submit(`form[action$="/actions/block"] button`)
	p.wantText(".flash-success", "block done")
	p.wantText("main > p .state", "^blocked$")
	p.wantText("table td", "^spam from this account$")
	// Her sessions vanished: none listed, and hers no longer works.
	if rows, _ := h.db.UserSessionActivities(context.Background(), jane.ID); len(rows) != 0 {
		t.Errorf("%d sessions of the blocked user are still listed", len(rows))
	}
	if r := janeBrowser.get("/api/me"); r.status != 401 {
		t.Errorf("the blocked user's session still works: %d", r.status)
	}
	p.submit(`form[action$="/actions/restore"] button`)
	p.wantText(".flash-success", "restore done")
	p.screenshot(filepath.Join(shots, "admin-user.png"))

	pages := []string{"/admin/", "/admin/users/", fmt.Sprintf("/admin/users/%d", jane.ID),
		fmt.Sprintf("/admin/users/%d", admin.ID), "/admin/roles/", "/admin/roles/curator", "/admin/sessions/",
		"/admin/domains/", "/admin/domains/spam.example", "/admin/audit/"}
	for _, path := range pages {
		p.open(h.ts.URL + path)
		checkAccessibility(t, p, axe, path)
	}

	// The dashboard on a phone: nothing wider than the screen.
	viewport(t, p, 375, 740)
	for _, path := range []string{"/admin/", "/admin/users/", fmt.Sprintf("/admin/users/%d", jane.ID)} {
		p.open(h.ts.URL + path)
		res, err := p.step().Eval(`() => [document.documentElement.scrollWidth, window.innerWidth]`)
		if err != nil {
			t.Fatal(err)
		}
		if w := res.Value.Arr(); w[0].Int() > w[1].Int() {
			t.Errorf("%s is %dpx wide on a %dpx screen", path, w[0].Int(), w[1].Int())
		}
	}
	p.open(h.ts.URL + "/admin/")
	p.screenshot(filepath.Join(shots, "admin-dashboard-phone.png"))
	checkAccessibility(t, p, axe, "/admin/ (phone)")
}

func viewport(t *testing.T, p *browserPage, w, h int) {
	t.Helper()
	if err := p.page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: w, Height: h, DeviceScaleFactor: 1, Mobile: w < 600}); err != nil {
		t.Fatalf("set the viewport: %v", err)
	}
}

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// checkAccessibility runs axe-core's WCAG 2.1 A and AA rules and best
// practices on the page: serious and critical violations fail the test,
// others are logged.
func checkAccessibility(t *testing.T, p *browserPage, axe, label string) {
	t.Helper()
	pg := p.step()
	defer pg.CancelTimeout()
	// Evaluated by the debugger, not by a <script>: the page's CSP stays as it is.
	if _, err := (proto.RuntimeEvaluate{Expression: axe}).Call(pg); err != nil {
		t.Fatalf("%s: load axe-core: %v", label, err)
	}
	res, err := pg.Eval(`async () => {
		const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
		return JSON.stringify({Passes: r.passes.length, Violations: r.violations.map(v => ({ID: v.id, Impact: v.impact,
			Help: v.help, Nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))});
	}`)
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", label, err)
	}
	var out struct {
		Passes     int
		Violations []axeViolation
	}
	if err := json.Unmarshal([]byte(res.Value.Str()), &out); err != nil || out.Passes == 0 {
		t.Fatalf("%s: axe-core's answer (%d rules passed): %v", label, out.Passes, err)
	}
	for _, v := range out.Violations {
		msg := fmt.Sprintf("%s: axe %s (%s): %s at %s", label, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; "))
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
	t.Logf("%s: %d axe rules pass, %d fail", label, out.Passes, len(out.Violations))
}

// axeSource returns axe.min.js: ACCOUNTS_TEST_AXE_JS, the cached copy, or
// one fetched with npm and checked against the pinned integrity.
func axeSource(t *testing.T) string {
	t.Helper()
	if path := os.Getenv("ACCOUNTS_TEST_AXE_JS"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("ACCOUNTS_TEST_AXE_JS: %v", err)
		}
		return string(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cached := filepath.Join(cache, "accounts-test", "axe-core-"+axeVersion+".min.js")
	if b, err := os.ReadFile(cached); err == nil {
		return string(b)
	}
	src, err := fetchAxe(t)
	if err != nil {
		testenv.SkipOrFail(t, "axe-core %s is not available (set ACCOUNTS_TEST_AXE_JS, or let npm fetch it): %v", axeVersion, err)
	}
	if err := os.MkdirAll(filepath.Dir(cached), 0o755); err == nil {
		os.WriteFile(cached, src, 0o644)
	}
	return string(src)
}

// fetchAxe runs `npm pack axe-core@version` in a temporary directory and
// returns package/axe.min.js from the tarball, whose SHA-512 must match.
func fetchAxe(t *testing.T) ([]byte, error) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "pack", "axe-core@"+axeVersion, "--silent")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("npm pack: %v: %s", err, out)
	}
	tgz, err := os.ReadFile(filepath.Join(dir, "axe-core-"+axeVersion+".tgz"))
	if err != nil {
		return nil, err
	}
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != axeIntegrity {
		return nil, fmt.Errorf("axe-core %s has integrity %s, want %s", axeVersion, got, axeIntegrity)
	}
	zr, err := gzip.NewReader(strings.NewReader(string(tgz)))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("axe.min.js not in the package: %v", err)
		}
		if hdr.Name == "package/axe.min.js" {
			return io.ReadAll(tr)
		}
	}
}
