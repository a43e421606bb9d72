package httpserver_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
	"github.com/invenio-go/accounts/internal/telemetry"
	"github.com/invenio-go/accounts/internal/totp"
)

// withTwoFactor turns two-factor authentication on (required: for every
// user).
func withTwoFactor(required bool) harnessOption {
	return func(o *httpserver.Options) {
		o.Settings.TwoFactor, o.Settings.TwoFactorRequired = true, required
	}
}

var (
	secretRE   = regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`)
	recoveryRE = regexp.MustCompile(`<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){5})</code></li>`)
)

// code returns the authenticator's code for secret, steps time steps from
// now (the service checks codes against the real clock).
func code(t *testing.T, secret string, steps int) string {
	t.Helper()
	c, err := totp.Code(secret, totp.Step(time.Now())+int64(steps))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrollUser gives u an authenticator through the service and returns its
// secret and recovery codes. The current step is spent.
func enrollUser(t *testing.T, h *harness, u *accounts.User) (string, []string) {
	t.Helper()
	setup, err := h.svc.NewTOTPSetup(u, "Test")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := h.svc.EnableTOTP(context.Background(), u, setup.Sealed, code(t, setup.Secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	return setup.Secret, codes
}

func loggedIn(t *testing.T, c *client) bool {
	t.Helper()
	r := c.api("GET", "/api/me", nil)
	if r.status != 200 && r.status != 401 {
		t.Fatalf("GET /api/me: %d %s", r.status, r.body)
	}
	return r.status == 200
}

func auditEvents(t *testing.T, h *harness, u *accounts.User) []string {
	t.Helper()
	entries, _, err := h.svc.AuditLog(context.Background(), accounts.AuditQuery{UserID: u.ID, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Event)
	}
	return out
}

func TestTwoFactorPages(t *testing.T) {
	forEachStack(t, func(t *testing.T, newH func(t *testing.T, opts ...harnessOption) *harness) {
		h := newH(t, withTwoFactor(false))
		jane := h.createUser("jane@example.org", "correct horse")

		// Set up from a logged-in session.
		c := h.client()
		if r := c.loginForm("jane@example.org", "correct horse"); r.status != 302 || r.header.Get("Location") != "/" {
			t.Fatalf("login without two-factor: %d %s", r.status, r.header.Get("Location"))
		}
		if r := c.get("/account/settings/security"); !strings.Contains(r.body, `href="/tf-setup"`) {
			t.Errorf("the security page has no link to the two-factor page")
		}
		page := c.get("/tf-setup")
		if page.status != 200 || !strings.Contains(page.body, "is <strong>off</strong>") {
			t.Fatalf("GET /tf-setup: %d %s", page.status, page.body)
		}
		r := c.postForm("/tf-setup", url.Values{"setup": {"authenticator"}}, true)
		m := secretRE.FindStringSubmatch(r.body)
		if r.status != 200 || m == nil || !strings.Contains(r.body, "<svg") {
			t.Fatalf("POST setup=authenticator: %d, no secret or QR code:\n%s", r.status, r.body)
		}
		secret := m[1]
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("the page with the secret has Cache-Control %q", got)
		}
		// A GET never shows the secret (FS-Too #418), even with a setup under way.
		if r := c.get("/tf-setup"); strings.Contains(r.body, secret) || strings.Contains(r.body, "<svg") {
			t.Errorf("GET /tf-setup shows the secret")
		}
		r = c.postForm("/tf-setup", url.Values{"setup": {"confirm"}, "code": {code(t, secret, -5)}}, true)
		if r.status != 200 || !strings.Contains(r.body, `id="code-error" role="alert">Invalid code<`) ||
			!strings.Contains(r.body, secret) {
			t.Fatalf("confirm with an old code: %d\n%s", r.status, r.body)
		}
		if on, _ := h.svc.HasTwoFactor(context.Background(), jane.ID); on {
			t.Fatal("a wrong code turned two-factor authentication on")
		}
		r = c.postForm("/tf-setup", url.Values{"setup": {"confirm"}, "code": {code(t, secret, 0)}}, true)
		codes := recoveryRE.FindAllStringSubmatch(r.body, -1)
		if r.status != 200 || len(codes) != accounts.DefaultRecoveryCodes {
			t.Fatalf("confirm: %d, %d recovery codes:\n%s", r.status, len(codes), r.body)
		}
		if !loggedIn(t, c) {
			t.Error("setting up two-factor authentication logged the session out")
		}
		if m := lastEmail(t, h, "jane@example.org", "Two-factor authentication is on"); !strings.Contains(m.Text, "/lost-password/") {
			t.Errorf("the notice has no reset link:\n%s", m.Text)
		}

		// Logging in now asks for a code.
		b := h.client()
		r = b.loginForm("jane@example.org", "correct horse")
		if r.status != 302 || r.header.Get("Location") != "/tf-validate" {
			t.Fatalf("login with two-factor: %d %q", r.status, r.header.Get("Location"))
		}
		if loggedIn(t, b) {
			t.Fatal("the password alone logged in")
		}
		if r := b.get("/tf-validate"); r.status != 200 || !strings.Contains(r.body, `autocomplete="one-time-code"`) {
			t.Fatalf("GET /tf-validate: %d", r.status)
		}
		if r := b.get("/account/settings/security"); r.status != 302 {
			t.Errorf("a pending login reached the security page: %d", r.status)
		}
		for _, bad := range []string{"", "12345", code(t, secret, 0), code(t, secret, 3), "<script>"} {
			r = b.postForm("/tf-validate", url.Values{"code": {bad}}, true)
			if r.status != 200 || !strings.Contains(r.body, "Invalid code") || strings.Contains(r.body, "<script>") {
				t.Errorf("code %q: %d\n%s", bad, r.status, r.body)
			}
		}
		if loggedIn(t, b) {
			t.Fatal("a wrong code logged in")
		}
		r = b.postForm("/tf-validate", url.Values{"code": {code(t, secret, 1)}}, true)
		if r.status != 302 || r.header.Get("Location") != "/" || !loggedIn(t, b) {
			t.Fatalf("the right code: %d %q", r.status, r.header.Get("Location"))
		}

		// A recovery code works once, and next survives the detour.
		d := h.client()
		d.get("/login/?next=/account/settings/security")
		d.postForm("/login/", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"},
			"next": {"/account/settings/security"}}, true)
		r = d.postForm("/tf-validate", url.Values{"code": {strings.ToUpper(codes[0][1])}}, true)
		if r.status != 302 || r.header.Get("Location") != "/account/settings/security" {
			t.Fatalf("recovery code: %d %q", r.status, r.header.Get("Location"))
		}
		if r := d.get("/account/settings/security"); !strings.Contains(r.body, "recovery code: 9 left") {
			t.Errorf("no warning about the recovery codes left:\n%s", r.body)
		}
		e := h.client()
		e.loginForm("jane@example.org", "correct horse")
		if r := e.postForm("/tf-validate", url.Values{"code": {codes[0][1]}}, true); r.status != 200 || loggedIn(t, e) {
			t.Errorf("a used recovery code logged in again: %d", r.status)
		}

		// A pending login runs out.
		f := h.client()
		f.loginForm("jane@example.org", "correct horse")
		h.clock.Advance(6 * time.Minute)
		r = f.postForm("/tf-validate", url.Values{"code": {code(t, secret, 2)}}, true)
		if r.status != 302 || r.header.Get("Location") != "/login/" || loggedIn(t, f) {
			t.Errorf("a late code: %d %q", r.status, r.header.Get("Location"))
		}
		if page := f.get("/login/"); !strings.Contains(page.body, "Your login took too long") {
			t.Errorf("no word on the late code")
		}
		if r := h.client().get("/tf-validate"); r.header.Get("Location") != "/login/" {
			t.Errorf("GET /tf-validate without a login: %d %q", r.status, r.header.Get("Location"))
		}

		// Turning it off (from a fresh session) mails a notice.
		h.clock.Advance(-6 * time.Minute)
		r = c.postForm("/tf-setup", url.Values{"setup": {"disable"}}, true)
		if r.status != 302 {
			t.Fatalf("disable: %d %s", r.status, r.body)
		}
		if on, _ := h.svc.HasTwoFactor(context.Background(), jane.ID); on {
			t.Fatal("still on after disabling")
		}
		lastEmail(t, h, "jane@example.org", "Two-factor authentication is off")
		g := h.client()
		if r := g.loginForm("jane@example.org", "correct horse"); r.header.Get("Location") != "/" || !loggedIn(t, g) {
			t.Errorf("login after disabling: %d %q", r.status, r.header.Get("Location"))
		}

		want := []string{accounts.AuditTwoFactorEnabled, accounts.AuditTwoFactorFailed, accounts.AuditRecoveryCodeUsed,
			accounts.AuditTwoFactorDisabled}
		got := strings.Join(auditEvents(t, h, jane), " ")
		for _, ev := range want {
			if !strings.Contains(got, ev) {
				t.Errorf("audit log lacks %s: %s", ev, got)
			}
		}
	})
}

func TestTwoFactorAPI(t *testing.T) {
	forEachStack(t, func(t *testing.T, newH func(t *testing.T, opts ...harnessOption) *harness) {
		h := newH(t, withTwoFactor(false))
		h.createUser("jane@example.org", "correct horse")
		login := map[string]string{"email": "jane@example.org", "password": "correct horse"}

		c := h.client()
		if r := c.api("POST", "/api/login", login); r.status != 200 || r.json(t)["email"] != "jane@example.org" {
			t.Fatalf("login: %d %s", r.status, r.body)
		}
		r := c.api("GET", "/api/tf-setup", nil)
		if st := r.json(t); r.status != 200 || st["enabled"] != false || st["tf_primary_method"] != nil {
			t.Fatalf("GET /api/tf-setup: %d %s", r.status, r.body)
		}
		r = c.api("POST", "/api/tf-setup", map[string]string{"setup": "authenticator"})
		body := r.json(t)
		secret, _ := body["tf_authr_key"].(string)
		uri, _ := body["tf_authr_uri"].(string)
		if r.status != 200 || secret == "" || !strings.HasPrefix(uri, "otpauth://totp/") || body["tf_authr_username"] != "jane@example.org" {
			t.Fatalf("setup: %d %s", r.status, r.body)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("the secret's answer may be stored: %q", r.header.Get("Cache-Control"))
		}
		if r := c.api("POST", "/api/tf-setup", map[string]string{"setup": "confirm", "code": "000000x"}); !hasFieldError(r, "code", "Invalid code") {
			t.Errorf("confirm with a bad code: %d %s", r.status, r.body)
		}
		r = c.api("POST", "/api/tf-setup", map[string]string{"setup": "confirm", "code": code(t, secret, 0)})
		codes, _ := r.json(t)["recovery_codes"].([]any)
		if r.status != 200 || len(codes) != accounts.DefaultRecoveryCodes {
			t.Fatalf("confirm: %d %s", r.status, r.body)
		}
		if st := c.api("GET", "/api/tf-setup", nil).json(t); st["enabled"] != true || st["recovery_codes_left"] != float64(10) || st["tf_primary_method"] != "authenticator" {
			t.Errorf("status after setup: %v", st)
		}
		if r := c.api("POST", "/api/tf-setup", map[string]string{"setup": "sms"}); !hasFieldError(r, "setup", "Marked method is not valid") {
			t.Errorf("unknown method: %d %s", r.status, r.body)
		}

		b := h.client()
		r = b.api("POST", "/api/login", login)
		if got := r.json(t); r.status != 200 || got["tf_required"] != true || got["tf_state"] != "ready" ||
			got["tf_primary_method"] != "authenticator" || got["email"] != nil {
			t.Fatalf("login with two-factor: %d %s", r.status, r.body)
		}
		if loggedIn(t, b) {
			t.Fatal("the password alone logged in")
		}
		if r := b.api("POST", "/api/tf-validate", map[string]string{"code": code(t, secret, 0)}); !hasFieldError(r, "code", "Invalid code") {
			t.Errorf("the setup's code again: %d %s", r.status, r.body)
		}
		if r := b.api("POST", "/api/tf-validate", map[string]string{}); r.status != 400 {
			t.Errorf("no code: %d %s", r.status, r.body)
		}
		r = b.api("POST", "/api/tf-validate", map[string]string{"code": code(t, secret, 1)})
		if r.status != 200 || r.json(t)["email"] != "jane@example.org" || !loggedIn(t, b) {
			t.Fatalf("validate: %d %s", r.status, r.body)
		}
		if r := h.client().api("POST", "/api/tf-validate", map[string]string{"code": code(t, secret, 1)}); r.status != 401 {
			t.Errorf("validate without a pending login: %d %s", r.status, r.body)
		}

		// New recovery codes replace the old ones.
		r = b.api("POST", "/api/tf-setup", map[string]string{"setup": "recovery_codes"})
		fresh, _ := r.json(t)["recovery_codes"].([]any)
		if r.status != 200 || len(fresh) != 10 {
			t.Fatalf("new recovery codes: %d %s", r.status, r.body)
		}
		d := h.client()
		d.api("POST", "/api/login", login)
		if r := d.api("POST", "/api/tf-validate", map[string]any{"code": codes[0]}); r.status != 400 {
			t.Errorf("a replaced recovery code: %d %s", r.status, r.body)
		}
		if r := d.api("POST", "/api/tf-validate", map[string]any{"code": fresh[0]}); r.status != 200 {
			t.Errorf("a new recovery code: %d %s", r.status, r.body)
		}

		if r := b.api("POST", "/api/tf-setup", map[string]string{"setup": "disable"}); r.status != 200 {
			t.Fatalf("disable: %d %s", r.status, r.body)
		}
		if r := h.client().api("POST", "/api/login", login); r.json(t)["email"] != "jane@example.org" {
			t.Errorf("login after disabling: %s", r.body)
		}
	})
}

// TestTwoFactorRequired: with SECURITY_TWO_FACTOR_REQUIRED a user without
// it sets it up before any session, whichever way the login comes, and
// cannot turn it off.
func TestTwoFactorRequired(t *testing.T) {
	h := newHarness(t, withTwoFactor(true))
	jane := h.createUser("jane@example.org", "correct horse")

	c := h.client()
	if r := c.loginForm("jane@example.org", "correct horse"); r.header.Get("Location") != "/tf-setup" {
		t.Fatalf("login: %d %q", r.status, r.header.Get("Location"))
	}
	if loggedIn(t, c) {
		t.Fatal("logged in without a second factor")
	}
	if r := c.get("/tf-validate"); r.header.Get("Location") != "/tf-setup" {
		t.Errorf("GET /tf-validate during a required setup: %d %q", r.status, r.header.Get("Location"))
	}
	if r := c.get("/tf-setup"); r.status != 200 || !strings.Contains(r.body, "This site requires two-factor authentication") {
		t.Fatalf("GET /tf-setup: %d\n%s", r.status, r.body)
	}
	if r := c.postForm("/tf-setup", url.Values{"setup": {"recovery_codes"}}, true); !strings.Contains(r.body, "Marked method is not valid") || loggedIn(t, c) {
		t.Errorf("a pending login asked for recovery codes: %d", r.status)
	}
	r := c.postForm("/tf-setup", url.Values{"setup": {"authenticator"}}, true)
	secret := secretRE.FindStringSubmatch(r.body)
	if secret == nil {
		t.Fatalf("no secret: %d\n%s", r.status, r.body)
	}
	r = c.postForm("/tf-setup", url.Values{"setup": {"confirm"}, "code": {code(t, secret[1], 0)}}, true)
	if r.status != 200 || len(recoveryRE.FindAllString(r.body, -1)) != 10 || !strings.Contains(r.body, `href="/"`) {
		t.Fatalf("confirm: %d\n%s", r.status, r.body)
	}
	if !loggedIn(t, c) {
		t.Fatal("not logged in after setting up")
	}
	if r := c.postForm("/tf-setup", url.Values{"setup": {"disable"}}, true); !strings.Contains(r.body, "cannot be turned off") {
		t.Errorf("disable when required: %d\n%s", r.status, r.body)
	}
	if on, _ := h.svc.HasTwoFactor(context.Background(), jane.ID); !on {
		t.Fatal("turned off although required")
	}

	// Sign-up's automatic login, and the REST login, wait for the setup too.
	s := h.client()
	s.get("/signup/")
	r = s.postForm("/signup/", url.Values{"email": {"new@example.org"}, "password": {"a long passphrase"}}, true)
	if r.header.Get("Location") != "/tf-setup" || loggedIn(t, s) {
		t.Errorf("sign-up: %d %q", r.status, r.header.Get("Location"))
	}
	a := h.client()
	r = a.api("POST", "/api/login", map[string]string{"email": "new@example.org", "password": "a long passphrase"})
	if got := r.json(t); got["tf_state"] != "setup_required" || got["tf_primary_method"] != nil {
		t.Fatalf("REST login: %s", r.body)
	}
	if r := a.api("POST", "/api/tf-validate", map[string]string{"code": "123456"}); r.json(t)["tf_state"] != "setup_required" {
		t.Errorf("validate during a required setup: %s", r.body)
	}
	r = a.api("POST", "/api/tf-setup", map[string]string{"setup": "authenticator"})
	key, _ := r.json(t)["tf_authr_key"].(string)
	r = a.api("POST", "/api/tf-setup", map[string]string{"setup": "confirm", "code": code(t, key, 0)})
	if r.status != 200 || !loggedIn(t, a) {
		t.Errorf("REST setup during login: %d %s", r.status, r.body)
	}
}

// TestResetAndConfirmDoNotSkipSecondFactor: a reset that logs in, and a
// confirmation link, still ask for the code (FS-Too #264, ASVS 6.4.3).
func TestResetAndConfirmDoNotSkipSecondFactor(t *testing.T) {
	h := newHarness(t, withTwoFactor(false), func(o *httpserver.Options) { o.Settings.AutoLoginAfterReset = true })
	jane := h.createUser("jane@example.org", "correct horse")
	secret, _ := enrollUser(t, h, jane)

	c := h.client()
	link := resetLink(t, h)
	c.get(link)
	r := c.postForm(link, url.Values{"password": {"a new passphrase"}, "password_confirm": {"a new passphrase"}}, true)
	if r.status != 302 || r.header.Get("Location") != "/tf-validate" || loggedIn(t, c) {
		t.Fatalf("reset: %d %q", r.status, r.header.Get("Location"))
	}
	a := h.client()
	token := strings.TrimSuffix(strings.TrimPrefix(resetLink(t, h), "/lost-password/"), "/")
	r = a.api("POST", "/api/reset-password", map[string]string{"token": token, "password": "another passphrase"})
	if got := r.json(t); r.status != 200 || got["tf_required"] != true || loggedIn(t, a) {
		t.Fatalf("REST reset: %d %s", r.status, r.body)
	}
	if r := a.api("POST", "/api/tf-validate", map[string]string{"code": code(t, secret, 1)}); r.status != 200 {
		t.Errorf("validate after the reset: %d %s", r.status, r.body)
	}

	bob := h.createUser("bob@example.org", "correct horse")
	enrollUser(t, h, bob)
	b := h.client()
	b.get("/confirm")
	b.postForm("/confirm", url.Values{"email": {"bob@example.org"}}, true)
	cb := h.client()
	r = cb.get(linkIn(t, lastEmail(t, h, "bob@example.org", "Please confirm your email")))
	if r.header.Get("Location") != "/tf-validate" || loggedIn(t, cb) {
		t.Errorf("confirmation link: %d %q", r.status, r.header.Get("Location"))
	}
}

// TestTwoFactorChangesNeedFreshness: changing two-factor authentication
// asks for the password again 10 minutes after it was given, although
// SECURITY_FRESHNESS is a day (ASVS 7.5.1).
func TestTwoFactorChangesNeedFreshness(t *testing.T) {
	h := newHarness(t, withTwoFactor(false))
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.loginForm("jane@example.org", "correct horse")
	h.clock.Advance(11 * time.Minute)
	for _, action := range []string{"authenticator", "disable", "recovery_codes"} {
		r := c.postForm("/tf-setup", url.Values{"setup": {action}}, true)
		if r.status != 302 || r.header.Get("Location") != "/verify?next=%2Ftf-setup" {
			t.Errorf("%s when stale: %d %q", action, r.status, r.header.Get("Location"))
		}
		r = c.api("POST", "/api/tf-setup", map[string]string{"setup": action})
		if r.status != 401 || r.json(t)["reauth_required"] != true {
			t.Errorf("REST %s when stale: %d %s", action, r.status, r.body)
		}
	}
	c.postForm("/verify", url.Values{"password": {"correct horse"}}, true)
	if r := c.postForm("/tf-setup", url.Values{"setup": {"authenticator"}}, true); !secretRE.MatchString(r.body) {
		t.Errorf("setup after verifying: %d", r.status)
	}
}

// TestTwoFactorCodeLimits: codes are limited per account
// (ACCOUNTS_TWO_FACTOR_RATELIMIT) across browsers, and per client.
func TestTwoFactorCodeLimits(t *testing.T) {
	lim := memory.New(memory.Options{})
	h := newHarness(t, withTwoFactor(false), func(o *httpserver.Options) {
		o.Limiter = lim
		o.Settings.TwoFactorAccountLimit = httpserver.AccountLimit{Limits: []ratelimit.Limit{{Count: 3, Period: time.Minute}},
			Prefix: "tf", Message: "Too many codes."}
	})
	jane := h.createUser("jane@example.org", "correct horse")
	secret, _ := enrollUser(t, h, jane)
	for i := range 3 {
		c := h.client()
		c.loginForm("jane@example.org", "correct horse")
		if r := c.postForm("/tf-validate", url.Values{"code": {fmt.Sprint(100000 + i)}}, true); r.status != 200 {
			t.Fatalf("attempt %d: %d", i+1, r.status)
		}
	}
	c := h.client()
	c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
	r := c.api("POST", "/api/tf-validate", map[string]string{"code": code(t, secret, 1)})
	if r.status != 429 || r.header.Get("Retry-After") == "" || loggedIn(t, c) {
		t.Errorf("4th attempt, right code: %d %s", r.status, r.body)
	}
}

// TestAdminResetsTwoFactor: an admin removes a user's authenticator (a lost
// phone) from the API or the user page; the user is mailed and the next
// login asks for the password only. The admin never sees the secret.
func TestAdminResetsTwoFactor(t *testing.T) {
	h := newHarness(t, withTwoFactor(false))
	h.makeAdmin("boss@example.org")
	jane := h.createUser("jane@example.org", "correct horse")
	bob := h.createUser("bob@example.org", "correct horse")
	secret, _ := enrollUser(t, h, jane)
	enrollUser(t, h, bob)
	boss := h.apiLogin("boss@example.org", adminPassword)

	page := boss.get(fmt.Sprintf("/admin/users/%d", jane.ID))
	if !strings.Contains(page.body, "Reset two-factor authentication") || strings.Contains(page.body, secret) {
		t.Fatalf("the user page offers no reset, or shows the secret:\n%s", page.body)
	}
	r := boss.api("DELETE", fmt.Sprintf("/api/admin/users/%d/two-factor?reason=lost+phone", jane.ID), nil)
	if r.status != 200 {
		t.Fatalf("API reset: %d %s", r.status, r.body)
	}
	if r := boss.api("DELETE", fmt.Sprintf("/api/admin/users/%d/two-factor", jane.ID), nil); r.status != 404 {
		t.Errorf("second reset: %d %s", r.status, r.body)
	}
	if r := h.client().api("DELETE", fmt.Sprintf("/api/admin/users/%d/two-factor", bob.ID), nil); r.status != 401 {
		t.Errorf("anonymous reset: %d", r.status)
	}
	h.createUser("carl@example.org", "correct horse")
	if r := h.apiLogin("carl@example.org", "correct horse").api("DELETE", fmt.Sprintf("/api/admin/users/%d/two-factor", bob.ID), nil); r.status != 403 {
		t.Errorf("a user without the admin role: %d", r.status)
	}
	lastEmail(t, h, "jane@example.org", "Two-factor authentication is off")
	c := h.client()
	if r := c.loginForm("jane@example.org", "correct horse"); r.header.Get("Location") != "/" || !loggedIn(t, c) {
		t.Errorf("login after the reset: %d %q", r.status, r.header.Get("Location"))
	}
	entries, _, _ := h.svc.AuditLog(context.Background(), accounts.AuditQuery{Event: accounts.AuditTwoFactorDisabled, TargetID: jane.ID})
	if len(entries) != 1 || entries[0].ActorEmail != "boss@example.org" || entries[0].Reason != "lost phone" {
		t.Errorf("audit: %+v", entries)
	}

	boss.get(fmt.Sprintf("/admin/users/%d", bob.ID))
	r = boss.postForm(fmt.Sprintf("/admin/users/%d/two-factor/reset", bob.ID), url.Values{"reason": {"lost phone"}}, true)
	if r.status != 303 {
		t.Fatalf("page reset: %d %s", r.status, r.body)
	}
	if on, _ := h.svc.HasTwoFactor(context.Background(), bob.ID); on {
		t.Error("the page's reset left bob's authenticator")
	}
}

// TestTwoFactorMetrics: a right password before a second factor counts as
// logins_total{outcome="two_factor"}, not "success", and what follows in
// accounts_two_factor_total.
func TestTwoFactorMetrics(t *testing.T) {
	m := telemetry.New(telemetry.Options{})
	h := newHarness(t, withTwoFactor(false), func(o *httpserver.Options) { o.Metrics = m })
	jane := h.createUser("jane@example.org", "correct horse")
	secret, recovery := enrollUser(t, h, jane)
	h.createUser("bob@example.org", "correct horse")
	h.client().loginForm("bob@example.org", "correct horse")
	c := h.client()
	c.loginForm("jane@example.org", "correct horse")
	c.postForm("/tf-validate", url.Values{"code": {"000000"}}, true)
	c.postForm("/tf-validate", url.Values{"code": {code(t, secret, 1)}}, true)
	d := h.client()
	d.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
	d.api("POST", "/api/tf-validate", map[string]string{"code": recovery[0]})

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`accounts_logins_total{outcome="success"} 1`,
		`accounts_logins_total{outcome="two_factor"} 2`,
		`accounts_two_factor_total{outcome="failed"} 1`,
		`accounts_two_factor_total{outcome="passed"} 1`,
		`accounts_two_factor_total{outcome="recovery_code"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestLoginTrackedWhenSessionStarts: login tracking (SECURITY_TRACKABLE)
// records a login when its session starts, as Flask-Security's login_user
// does: after the second factor, not at the password. So does the audit
// log's login.succeeded; the password step is login.two_factor_required.
func TestLoginTrackedWhenSessionStarts(t *testing.T) {
	h := newHarness(t, withTwoFactor(false))
	jane := h.createUser("jane@example.org", "correct horse")
	secret, recovery := enrollUser(t, h, jane)
	check := func(step string, wantCount int64, wantEvents ...string) {
		t.Helper()
		u, err := h.svc.AdminUser(context.Background(), jane.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Login.LoginCount != wantCount {
			t.Errorf("login count after %s = %d, want %d", step, u.Login.LoginCount, wantCount)
		}
		var logins []string // newest first
		for _, ev := range auditEvents(t, h, jane) {
			if strings.HasPrefix(ev, "login.") || ev == accounts.AuditTwoFactorFailed {
				logins = append(logins, ev)
			}
		}
		if got, want := strings.Join(logins, " "), strings.Join(wantEvents, " "); got != want {
			t.Errorf("audit after %s: %s, want %s", step, got, want)
		}
	}
	const (
		ok       = accounts.AuditLoginSucceeded
		asked    = accounts.AuditLoginTwoFactor
		wrong    = accounts.AuditTwoFactorFailed
		password = accounts.AuditLoginFailed
	)
	c := h.client()
	c.loginForm("jane@example.org", "wrong horse")
	check("a wrong password", 0, password)
	c.loginForm("jane@example.org", "correct horse")
	check("the password alone", 0, asked, password)
	c.postForm("/tf-validate", url.Values{"code": {"000000"}}, true)
	check("a wrong code", 0, wrong, asked, password)
	c.postForm("/tf-validate", url.Values{"code": {code(t, secret, 1)}}, true)
	if !loggedIn(t, c) {
		t.Fatal("the right code did not log in")
	}
	check("the code", 1, ok, wrong, asked, password)
	d := h.client()
	d.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
	check("the password by REST", 1, asked, ok, wrong, asked, password)
	d.api("POST", "/api/tf-validate", map[string]string{"code": recovery[0]})
	check("a recovery code by REST", 2, ok, asked, ok, wrong, asked, password)

	bob := h.createUser("bob@example.org", "correct horse")
	h.client().api("POST", "/api/login", map[string]string{"email": "bob@example.org", "password": "correct horse"})
	if bob, _ := h.svc.FindUser(context.Background(), "bob@example.org"); bob.Login.LoginCount != 1 {
		t.Errorf("a login without two-factor counts %d", bob.Login.LoginCount)
	}
	if got := strings.Join(auditEvents(t, h, bob), " "); got != ok {
		t.Errorf("audit of a login without two-factor: %s, want %s", got, ok)
	}
}
