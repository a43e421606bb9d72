package httpserver_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/mail"
)

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+`)

// linkIn returns the path of the link in the message's text part.
func linkIn(t *testing.T, m mail.Message) string {
	t.Helper()
	raw := linkRE.FindString(m.Text)
	if raw == "" {
		t.Fatalf("no link in %q:\n%s", m.Subject, m.Text)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, raw) {
		t.Errorf("the HTML part lacks the link of the text part")
	}
	return u.Path
}

// confirm follows a confirmation link as a browser does: the GET confirms
// (the default), or shows the page (and sets the CSRF cookie) whose button
// posts the form back (ACCOUNTS_CONFIRM_BY_POST).
func (c *client) confirm(link string) response {
	c.h.t.Helper()
	if r := c.get(link); r.status != 200 {
		return r
	}
	return c.postForm(link, url.Values{}, true)
}

func lastEmail(t *testing.T, h *harness, to, subject string) mail.Message {
	t.Helper()
	all := h.emails()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].To[0] == to && all[i].Subject == subject {
			return all[i]
		}
	}
	t.Fatalf("no %q email to %s among %d", subject, to, len(all))
	return mail.Message{}
}

func TestSignupConfirmation(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	c.get("/signup/")
	if r := c.postForm("/signup/", url.Values{"email": {"New@Example.org"}, "password": {"correct horse"}}, true); r.status != 302 {
		t.Fatalf("signup: %d", r.status)
	}
	if page := c.get("/"); !strings.Contains(page.body, accounts.MsgConfirmRegistration("new@example.org")) {
		t.Errorf("no CONFIRM_REGISTRATION flash")
	}
	welcome := lastEmail(t, h, "new@example.org", "Welcome")
	link := linkIn(t, welcome)
	if !strings.HasPrefix(link, "/confirm/") {
		t.Fatalf("welcome link %s", link)
	}
	// Follow it from another browser: its button confirms and logs in.
	other := h.client()
	if r := other.confirm(link); r.status != 302 || r.header.Get("Location") != "/" {
		t.Fatalf("GET %s = %d %s", link, r.status, r.header.Get("Location"))
	}
	if page := other.get("/"); !strings.Contains(page.body, accounts.MsgEmailConfirmed) || !strings.Contains(page.body, "logged in as") {
		t.Errorf("after confirming: %s", page.body)
	}
	u, _ := h.svc.FindUser(context.Background(), "new@example.org")
	if u.ConfirmedAt == nil {
		t.Fatalf("not confirmed")
	}
	again := h.client()
	if r := again.get(link); r.status != 302 || r.header.Get("Location") != "/confirm" {
		t.Errorf("reused link: %d %s", r.status, r.header.Get("Location"))
	}
	if page := again.get("/confirm"); !strings.Contains(page.body, accounts.MsgAlreadyConfirmed) {
		t.Errorf("no ALREADY_CONFIRMED flash")
	}
	for _, bad := range []string{"/confirm/garbage", link[:len(link)-3], link + "x"} {
		cl := h.client()
		cl.get(bad)
		if page := cl.get("/confirm"); !strings.Contains(page.body, accounts.MsgInvalidConfirmToken) {
			t.Errorf("GET %s: no INVALID_CONFIRMATION_TOKEN flash", bad)
		}
	}
}

func TestExpiredConfirmationSendsNewInstructions(t *testing.T) {
	h := newHarness(t)
	h.client().api("POST", "/api/register", map[string]string{"email": "late@example.org", "password": "correct horse"})
	link := linkIn(t, lastEmail(t, h, "late@example.org", "Welcome"))
	h.clock.Advance(31 * time.Minute)
	c := h.client()
	c.confirm(link)
	if page := c.get("/confirm"); !strings.Contains(page.body, "You did not confirm your email within 30 minutes.") {
		t.Errorf("no CONFIRMATION_EXPIRED flash: %s", page.body)
	}
	fresh := lastEmail(t, h, "late@example.org", "Please confirm your email")
	if r := h.client().confirm(linkIn(t, fresh)); r.status != 302 || r.header.Get("Location") != "/" {
		t.Errorf("the new link does not confirm: %d %s", r.status, r.header.Get("Location"))
	}
}

func TestLoginRequiresConfirmationWhenConfigured(t *testing.T) {
	h := newHarness(t, func(o *httpserver.Options) { o.Settings.LoginWithoutConfirmation = false })
	c := h.client()
	r := c.api("POST", "/api/register", map[string]string{"email": "wait@example.org", "password": "correct horse"})
	if r.status != 200 || c.get("/api/me").status != 401 {
		t.Errorf("sign-up must not log in before confirmation: %d", r.status)
	}
}

func TestBlockedAndVerifiedDomains(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC()
	for i, d := range [][2]any{{"spam.example", accounts.DomainBlocked}, {"cern.ch", accounts.DomainVerified}} {
		if _, err := h.db.SQL().Exec(`INSERT INTO accounts_domains (created, updated, id, domain, tld, status, flagged,
			flagged_source, num_users, num_active, num_inactive, num_confirmed, num_verified, num_blocked)
			VALUES ($1, $1, $2, $3, 'x', $4, false, '', 0, 0, 0, 0, 0, 0)`, now, i+10, d[0], d[1]); err != nil {
			t.Fatal(err)
		}
	}
	r := h.client().api("POST", "/api/register", map[string]string{"email": "x@spam.example", "password": "correct horse"})
	if r.status != 400 || !strings.Contains(r.body, accounts.MsgDomainBlocked) {
		t.Errorf("blocked domain: %d %s", r.status, r.body)
	}
	h.client().api("POST", "/api/register", map[string]string{"email": "x@cern.ch", "password": "correct horse"})
	h.client().confirm(linkIn(t, lastEmail(t, h, "x@cern.ch", "Welcome")))
	u, _ := h.svc.FindUser(context.Background(), "x@cern.ch")
	if u.VerifiedAt == nil {
		t.Errorf("confirming an address of a verified domain must verify the user")
	}
	// A domain blocked after sign-up blocks the user at confirmation.
	h.createUser("y@later.example", "correct horse")
	h.db.SQL().Exec(`INSERT INTO accounts_domains (created, updated, id, domain, tld, status, flagged, flagged_source,
		num_users, num_active, num_inactive, num_confirmed, num_verified, num_blocked)
		VALUES ($1, $1, 20, 'later.example', 'example', 4, false, '', 0, 0, 0, 0, 0, 0)`, now)
	c := h.client()
	c.postForm("/confirm", url.Values{"email": {"y@later.example"}}, false)
	c.get("/confirm")
	c.postForm("/confirm", url.Values{"email": {"y@later.example"}}, true)
	h.client().confirm(linkIn(t, lastEmail(t, h, "y@later.example", "Please confirm your email")))
	if u, _ := h.svc.FindUser(context.Background(), "y@later.example"); u.BlockedAt == nil || u.Active {
		t.Errorf("confirming an address of a blocked domain must block the user")
	}
}

func TestPasswordRecovery(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.createUser("jane@example.org", "correct horse")
		other := h.client()
		other.loginForm("jane@example.org", "correct horse")
		bodies := map[string]string{}
		for _, email := range []string{"jane@example.org", "nobody@example.org"} {
			c := h.client()
			c.get("/lost-password/")
			r := c.postForm("/lost-password/", url.Values{"email": {email}}, true)
			body := strings.ReplaceAll(strings.ReplaceAll(r.body, c.cookie("csrftoken"), "T"), email, "E")
			bodies[email] = body
			if r.status != 200 || !strings.Contains(r.body, accounts.MsgResetRequest(email)) {
				t.Errorf("forgot %s: %d", email, r.status)
			}
		}
		if bodies["jane@example.org"] != bodies["nobody@example.org"] {
			t.Errorf("the forgot-password page tells known and unknown addresses apart")
		}
		for _, m := range h.emails() {
			if m.To[0] == "nobody@example.org" {
				t.Errorf("an email went to an address without an account")
			}
		}
		link := linkIn(t, lastEmail(t, h, "jane@example.org", "Password reset instructions"))
		c := h.client()
		if r := c.get(strings.TrimSuffix(link, "/")); r.status != 301 {
			t.Errorf("the link without its slash: %d", r.status)
		}
		if r := c.get(link); r.status != 200 || !strings.Contains(r.body, `name="password_confirm"`) {
			t.Fatalf("reset page: %d", r.status)
		}
		if r := c.postForm(link, url.Values{"password": {"short"}, "password_confirm": {"short"}}, true); !strings.Contains(r.body, "Password must be at least 8") {
			t.Errorf("the reset form skips the password policy")
		}
		r := c.postForm(link, url.Values{"password": {"battery staple"}, "password_confirm": {"battery staple"}}, true)
		if r.status != 302 || r.header.Get("Location") != "/login/" {
			t.Fatalf("reset: %d %s", r.status, r.header.Get("Location"))
		}
		if other.get("/api/me").status != 401 {
			t.Errorf("a session from before the reset survived it")
		}
		if c.get("/api/me").status != 401 {
			t.Errorf("the reset logged in without SECURITY_AUTO_LOGIN_AFTER_RESET")
		}
		lastEmail(t, h, "jane@example.org", "Your password has been reset")
		if _, err := h.svc.Authenticate(context.Background(), accounts.LoginAttempt{Email: "jane@example.org", Password: "battery staple"}); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
		reuse := h.client()
		reuse.get(link)
		if page := reuse.get("/lost-password/"); !strings.Contains(page.body, accounts.MsgInvalidResetToken) {
			t.Errorf("a used reset link still works")
		}
	})
}

func TestPasswordRecoveryAPI(t *testing.T) {
	h := newHarness(t, func(o *httpserver.Options) { o.Settings.AutoLoginAfterReset = true })
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	for _, email := range []string{"jane@example.org", "nobody@example.org"} {
		r := c.api("POST", "/api/forgot-password", map[string]string{"email": email})
		if r.status != 200 || r.json(t)["message"] != accounts.MsgResetRequest(email) {
			t.Errorf("forgot %s: %d %s", email, r.status, r.body)
		}
	}
	tok := strings.TrimSuffix(strings.TrimPrefix(linkIn(t, lastEmail(t, h, "jane@example.org", "Password reset instructions")), "/lost-password/"), "/")
	if r := c.api("POST", "/api/reset-password", map[string]string{"token": "nope", "password": "battery staple"}); r.status != 400 || r.json(t)["message"] != accounts.MsgInvalidResetToken {
		t.Errorf("bad token: %d %s", r.status, r.body)
	}
	r := c.api("POST", "/api/reset-password", map[string]string{"token": tok, "password": "battery staple"})
	if r.status != 200 || r.json(t)["message"] != accounts.MsgPasswordReset || c.get("/api/me").status != 200 {
		t.Errorf("reset with auto-login: %d %s", r.status, r.body)
	}
}

func TestConfirmEmailAPI(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	c.api("POST", "/api/register", map[string]string{"email": "api@example.org", "password": "correct horse"})
	if r := c.api("POST", "/api/send-confirmation-email", map[string]string{"email": "someone@example.org"}); r.status != 400 {
		t.Errorf("asking for another address: %d", r.status)
	}
	if r := c.api("POST", "/api/send-confirmation-email", map[string]string{"email": "api@example.org"}); r.status != 200 {
		t.Errorf("send confirmation: %d %s", r.status, r.body)
	}
	tok := strings.TrimPrefix(linkIn(t, lastEmail(t, h, "api@example.org", "Please confirm your email")), "/confirm/")
	r := c.api("POST", "/api/confirm-email", map[string]string{"token": "garbage"})
	if msg, _ := r.json(t)["message"].([]any); r.status != 400 || len(msg) != 2 || msg[0] != accounts.MsgInvalidConfirmToken || msg[1] != "error" {
		t.Errorf("invalid token: %d %s (want Invenio's [text, category] message)", r.status, r.body)
	}
	if r := c.api("POST", "/api/confirm-email", map[string]string{"token": tok}); r.status != 200 || r.json(t)["message"] != accounts.MsgEmailConfirmed {
		t.Errorf("confirm: %d %s", r.status, r.body)
	}
	if r := c.api("POST", "/api/confirm-email", map[string]string{"token": tok}); r.status != 200 || r.json(t)["message"] != accounts.MsgAlreadyConfirmed {
		t.Errorf("again: %d %s", r.status, r.body)
	}
	if r := c.api("POST", "/api/send-confirmation-email", map[string]string{"email": "api@example.org"}); r.status != 400 {
		t.Errorf("send confirmation once confirmed: %d", r.status)
	}
}

func TestChangeNoticeEmail(t *testing.T) {
	h := newHarness(t)
	h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
	c.api("POST", "/api/change-password", map[string]string{"password": "correct horse", "new_password": "battery staple"})
	if link := linkIn(t, lastEmail(t, h, "jane@example.org", "Your password has been changed")); link != "/lost-password/" {
		t.Errorf("change notice links to %s", link)
	}
}

func TestConfirmLinkNeverSwitchesALoggedInBrowser(t *testing.T) {
	h := newHarness(t)
	h.createUser("victim@example.org", "correct horse")
	victim := h.client()
	victim.loginForm("victim@example.org", "correct horse")
	// The attacker signs up and sends the victim their confirmation link.
	h.client().api("POST", "/api/register", map[string]string{"email": "attacker@example.org", "password": "correct horse"})
	link := linkIn(t, lastEmail(t, h, "attacker@example.org", "Welcome"))
	victim.confirm(link)
	r := victim.api("GET", "/api/me", nil)
	if r.status != 200 || r.json(t)["email"] != "victim@example.org" {
		t.Errorf("after opening someone else's confirmation link: %d %s", r.status, r.body)
	}
	if u, _ := h.svc.FindUser(context.Background(), "attacker@example.org"); u.ConfirmedAt == nil {
		t.Errorf("the address was not confirmed")
	}
}

func TestPagesAreNeverCached(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/login/", "/signup/", "/lost-password/", "/confirm"} {
		if r := h.client().get(path); r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, r.header.Get("Cache-Control"))
		}
	}
}

// refusingMailer refuses its first refuse emails as a database that
// cannot be written does, then queues on the real mailer.
type refusingMailer struct {
	next   httpserver.Mailer
	mu     sync.Mutex
	refuse int
	calls  int
}

func (m *refusingMailer) Enqueue(ctx context.Context, msg mail.Message) error {
	m.mu.Lock()
	m.calls++
	refused := m.calls <= m.refuse
	m.mu.Unlock()
	if refused {
		return fmt.Errorf("enqueue email: %w", accounts.Errorf(accounts.EUnavailable, "attempt to write a readonly database"))
	}
	return m.next.Enqueue(ctx, msg)
}

// TestWelcomeEmailQueuedAgain (docs/reliability.md, finding 4b): a sign-up
// whose welcome email the database refuses to queue still answers as
// usual, and the email (with a confirmation link that works) is queued in
// the background once the database takes it.
func TestWelcomeEmailQueuedAgain(t *testing.T) {
	var rm *refusingMailer
	h := newHarness(t, func(o *httpserver.Options) {
		rm = &refusingMailer{next: o.Mailer, refuse: 2}
		o.Mailer = rm
	})
	c := h.client()
	c.get("/signup/")
	if r := c.postForm("/signup/", url.Values{"email": {"new@example.org"}, "password": {"correct horse"}}, true); r.status != 302 {
		t.Fatalf("signup: %d %s", r.status, r.body)
	}
	m := lastEmail(t, h, "new@example.org", "Welcome")
	rm.mu.Lock()
	if rm.calls != 3 { // lastEmail waited for the server's background work
		t.Errorf("%d attempts to queue the email, want 3 (two refused)", rm.calls)
	}
	rm.mu.Unlock()
	link := linkIn(t, m)
	if !strings.HasPrefix(link, "/confirm/") {
		t.Fatalf("welcome link %s", link)
	}
	if r := h.client().confirm(link); r.status != 302 {
		t.Errorf("the link of the email queued again: %d", r.status)
	}
	if u, err := h.svc.FindUser(context.Background(), "new@example.org"); err != nil || u.ConfirmedAt == nil {
		t.Errorf("not confirmed by the link: %v", err)
	}
}
