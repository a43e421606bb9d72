package httpserver_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/password"
)

// concealing turns on SECURITY_RETURN_GENERIC_RESPONSES with confirmation
// before login, where sign-up can conceal taken addresses.
func concealing(o *httpserver.Options) {
	o.Settings.GenericResponses, o.Settings.LoginWithoutConfirmation = true, false
}

// TestSignupConcealsTakenAddresses (ASVS 6.3.8): with
// SECURITY_RETURN_GENERIC_RESPONSES, signing up with a taken address
// answers as a new one does, page and REST, creates nothing, and mails the
// owner a notice under the welcome email's subject.
func TestSignupConcealsTakenAddresses(t *testing.T) {
	h := newHarness(t, concealing)
	h.createUser("jane@example.org", "correct horse")
	signup := func(email string) (response, response) {
		c := h.client()
		c.get("/signup/")
		r := c.postForm("/signup/", url.Values{"email": {email}, "password": {"a long passphrase"}}, true)
		return r, c.get(r.header.Get("Location"))
	}
	taken, takenPage := signup("jane@example.org")
	fresh, freshPage := signup("new@example.org")
	if taken.status != 302 || taken.status != fresh.status || taken.header.Get("Location") != fresh.header.Get("Location") ||
		taken.body != fresh.body || !slices.Equal(cookieNames(taken), cookieNames(fresh)) {
		t.Fatalf("answers differ:\ntaken %d %q %v\nfresh %d %q %v", taken.status, taken.header.Get("Location"),
			cookieNames(taken), fresh.status, fresh.header.Get("Location"), cookieNames(fresh))
	}
	if !strings.Contains(takenPage.body, accounts.MsgConfirmRegistration("jane@example.org")) ||
		strings.ReplaceAll(takenPage.body, "jane@example.org", "X") != strings.ReplaceAll(freshPage.body, "new@example.org", "X") {
		t.Errorf("the pages after the sign-ups differ")
	}
	notice := lastEmail(t, h, "jane@example.org", "Welcome")
	if !strings.Contains(notice.Text, "already has an account") || !strings.Contains(notice.Text, "/login/") {
		t.Errorf("notice to the owner:\n%s", notice.Text)
	}
	if welcome := lastEmail(t, h, "new@example.org", "Welcome"); !strings.Contains(welcome.Text, "/confirm/") {
		t.Errorf("welcome of the new user:\n%s", welcome.Text)
	}
	users, total, err := h.svc.AdminUsers(context.Background(), accounts.AdminUserQuery{Q: "example.org"})
	if err != nil || total != 2 {
		t.Fatalf("users after the sign-ups: %d %v", total, err)
	}
	for _, u := range users {
		if u.Email == "jane@example.org" && !u.Active {
			t.Errorf("jane's account changed: %+v", u)
		}
	}
	if _, err := h.svc.Authenticate(context.Background(), accounts.LoginAttempt{Email: "jane@example.org", Password: "correct horse"}); err != nil {
		t.Errorf("jane's password changed: %v", err)
	}

	for _, email := range []string{"jane@example.org", "other@example.org"} {
		r := h.client().api("POST", "/api/register", map[string]string{"email": email, "password": "a long passphrase"})
		body := r.json(t)
		if r.status != 200 || body["message"] != accounts.MsgConfirmRegistration(email) || body["id"] != nil {
			t.Errorf("REST sign-up of %s: %d %s", email, r.status, r.body)
		}
	}

	// Without the setting, or with login at sign-up, the taken address shows.
	for name, opt := range map[string]harnessOption{
		"off":           func(o *httpserver.Options) { o.Settings.LoginWithoutConfirmation = false },
		"login at once": func(o *httpserver.Options) { o.Settings.GenericResponses = true },
	} {
		h := newHarness(t, opt)
		h.createUser("jane@example.org", "correct horse")
		r := h.client().api("POST", "/api/register", map[string]string{"email": "jane@example.org", "password": "a long passphrase"})
		if !hasFieldError(r, "email", "jane@example.org is already associated with an account.") {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
}

// TestSignupTakesAsLongForTakenAddresses: the concealed sign-up hashes the
// password of a taken address too, so both take as long (medians of 100
// samples within 20%), with production-like hashing (25,000 rounds, as
// Invenio's) that dominates a sign-up as it does in production.
func TestSignupTakesAsLongForTakenAddresses(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	h := newHarness(t, concealing)
	hasher, err := password.New(password.Policy{Salt: []byte(testSecret), Rounds: 25000})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := accounts.NewService(h.db, hasher, accounts.Options{Trackable: true})
	if err != nil {
		t.Fatal(err)
	}
	set := invenioDefaults()
	set.GenericResponses, set.LoginWithoutConfirmation = true, false
	srv, err := httpserver.New(httpserver.Options{Service: svc, Activity: h.db, Sessions: h.mgr, Secret: []byte(testSecret),
		Mailer: h.mail, PasswordMin: 8, Logger: slog.New(slog.DiscardHandler), Settings: set})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	h.createUser("known@example.org", "correct horse")
	c := h.client()
	c.get("/signup/") // the CSRF cookie; both servers share SECRET_KEY
	n := 0
	checkAnswersAlike(t, 0.2, func(email string) answer {
		if email == "unknown@example.org" {
			n++
			email = fmt.Sprintf("new%d@example.org", n) // a new address each time
		}
		req := newFormRequest(ts.URL+"/signup/", url.Values{"email": {email}, "password": {"a long passphrase"},
			"csrf_token": {c.cookie("csrftoken")}})
		start := time.Now()
		r := c.do(req)
		d := time.Since(start)
		srv.Wait()
		if r.status != http.StatusFound {
			t.Fatalf("sign-up of %s: %d %s", email, r.status, r.body)
		}
		return answer{d, r.status, r.body, cookieNames(r)}
	})
}

func cookieNames(r response) []string {
	var out []string
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		out = append(out, ck.Name)
	}
	slices.Sort(out)
	return out
}
