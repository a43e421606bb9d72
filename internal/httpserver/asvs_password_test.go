package httpserver_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/password"
	"github.com/invenio-go/accounts/internal/pwcheck"
)

// withPasswordCheck builds the service with internal/pwcheck's Checker, as
// accounts serve does, in the given SECURITY_PASSWORD_CHECK_BREACHED mode
// against the range API at rangeURL.
func withPasswordCheck(t *testing.T, mode pwcheck.Mode, rangeURL string) harnessOption {
	return func(o *httpserver.Options) {
		hasher, err := password.New(password.Policy{Salt: []byte(testSecret), Rounds: 1000})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := accounts.NewService(o.Activity.(accounts.Store), hasher, accounts.Options{
			Trackable: true, LoginWithoutConfirmation: true,
			PasswordCheck: pwcheck.New(pwcheck.Options{Breached: mode, URL: rangeURL, Logger: slog.New(slog.DiscardHandler)}),
		})
		if err != nil {
			t.Fatal(err)
		}
		svc.SetSessionEnder(o.Sessions)
		o.Service = svc
	}
}

// fakeRangeAPI is a Pwned Passwords range endpoint that has seen each of
// breached 42 times, and nothing else; it returns the URL to configure.
func fakeRangeAPI(t *testing.T, breached ...string) string {
	t.Helper()
	byPrefix := map[string][]string{}
	for _, pw := range breached {
		sum := sha1.Sum([]byte(pw))
		h := strings.ToUpper(hex.EncodeToString(sum[:]))
		byPrefix[h[:5]] = append(byPrefix[h[:5]], h[5:]+":42")
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lines := append([]string{strings.Repeat("0", 35) + ":1"}, byPrefix[strings.TrimPrefix(r.URL.Path, "/range/")]...)
		fmt.Fprint(w, strings.Join(lines, "\r\n"))
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/range/"
}

// hasFieldError reports whether a REST answer is a 400 validation error
// with msg on field.
func hasFieldError(r response, field, msg string) bool {
	var v struct {
		Errors []struct{ Field, Message string }
	}
	if r.status != 400 || json.Unmarshal([]byte(r.body), &v) != nil {
		return false
	}
	return slices.ContainsFunc(v.Errors, func(e struct{ Field, Message string }) bool {
		return e.Field == field && e.Message == msg
	})
}

// passwordSetter is a way to set a password over HTTP; the harness has
// jane@example.org with "correct horse".
type passwordSetter struct {
	name string
	set  func(t *testing.T, h *harness, pw string) response
	// ok: the password was taken; refused: the answer shows msg on the
	// password field.
	ok      func(r response) bool
	refused func(r response, msg string) bool
}

// resetLink asks for a reset of jane@example.org and returns the mailed
// link's path.
func resetLink(t *testing.T, h *harness) string {
	t.Helper()
	h.client().api("POST", "/api/forgot-password", map[string]string{"email": "jane@example.org"})
	return linkIn(t, lastEmail(t, h, "jane@example.org", "Password reset instructions"))
}

func pageFieldError(id string) func(r response, msg string) bool {
	return func(r response, msg string) bool {
		return r.status == 200 && strings.Contains(r.body, `id="`+id+`" role="alert">`+msg+`<`)
	}
}

func restFieldError(field string) func(r response, msg string) bool {
	return func(r response, msg string) bool { return hasFieldError(r, field, msg) }
}

var passwordSetters = []passwordSetter{
	{"HTML sign-up", func(t *testing.T, h *harness, pw string) response {
		c := h.client()
		c.get("/signup/")
		return c.postForm("/signup/", url.Values{"email": {"new@example.org"}, "password": {pw}}, true)
	}, func(r response) bool { return r.status == 302 }, pageFieldError("password-error")},
	{"REST register", func(t *testing.T, h *harness, pw string) response {
		return h.client().api("POST", "/api/register", map[string]string{"email": "new@example.org", "password": pw})
	}, func(r response) bool { return r.status == 200 }, restFieldError("password")},
	{"HTML change", func(t *testing.T, h *harness, pw string) response {
		c := h.client()
		c.loginForm("jane@example.org", "correct horse")
		return c.postForm("/account/settings/password/", url.Values{"password": {"correct horse"},
			"new_password": {pw}, "new_password_confirm": {pw}}, true)
	}, func(r response) bool { return r.status == 302 }, pageFieldError("new-password-error")},
	{"REST change", func(t *testing.T, h *harness, pw string) response {
		c := h.client()
		c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"})
		return c.api("POST", "/api/change-password", map[string]string{"password": "correct horse", "new_password": pw})
	}, func(r response) bool { return r.status == 200 }, restFieldError("new_password")},
	{"HTML reset", func(t *testing.T, h *harness, pw string) response {
		link := resetLink(t, h)
		c := h.client()
		c.get(link)
		return c.postForm(link, url.Values{"password": {pw}, "password_confirm": {pw}}, true)
	}, func(r response) bool { return r.status == 302 }, pageFieldError("password-error")},
	{"REST reset", func(t *testing.T, h *harness, pw string) response {
		tok := strings.TrimSuffix(strings.TrimPrefix(resetLink(t, h), "/lost-password/"), "/")
		return h.client().api("POST", "/api/reset-password", map[string]string{"token": tok, "password": pw})
	}, func(r response) bool { return r.status == 200 }, restFieldError("password")},
}

// TestCommonAndBreachedPasswordsAreRefused (ASVS 6.2.4, 6.2.12): with the
// checker accounts serve builds, a listed common password, and one the
// range API reports as breached (SECURITY_PASSWORD_CHECK_BREACHED on), are
// refused on every way to set a password, with the reason on the field, and
// nothing changes.
func TestCommonAndBreachedPasswordsAreRefused(t *testing.T) {
	const breached = "quiet meadow 1975"
	rangeURL := fakeRangeAPI(t, breached)
	cases := []struct {
		name string
		mode pwcheck.Mode
		pw   string
		want string // the refusal, "" when the password is taken
	}{
		{"common", pwcheck.ModeOff, "password1", pwcheck.ErrCommon.Error()},
		{"breached, check on", pwcheck.ModeOn, breached, pwcheck.ErrBreached.Error()},
		{"breached, check off", pwcheck.ModeOff, breached, ""},
		{"neither", pwcheck.ModeOn, "violet anchor 47", ""},
	}
	for _, tc := range cases {
		for _, op := range passwordSetters {
			t.Run(tc.name+"/"+op.name, func(t *testing.T) {
				h := newHarness(t, withPasswordCheck(t, tc.mode, rangeURL))
				h.createUser("jane@example.org", "correct horse")
				r := op.set(t, h, tc.pw)
				if tc.want == "" {
					if !op.ok(r) {
						t.Fatalf("%q refused: %d\n%s", tc.pw, r.status, r.body)
					}
					return
				}
				if !op.refused(r, tc.want) {
					t.Fatalf("%q: %d, want the field error %q\n%s", tc.pw, r.status, tc.want, r.body)
				}
				if _, err := h.svc.FindUser(context.Background(), "new@example.org"); accounts.ErrorCode(err) != accounts.ENotFound {
					t.Errorf("the refused sign-up made a user (%v)", err)
				}
				if _, err := h.svc.Authenticate(context.Background(), accounts.LoginAttempt{Email: "jane@example.org", Password: "correct horse"}); err != nil {
					t.Errorf("the old password no longer works: %v", err)
				}
			})
		}
	}
}

var (
	tagRE    = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*/?>`)
	attrRE   = regexp.MustCompile(`([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?`)
	scriptRE = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
)

// htmlTag is a start tag of a page: its name and attributes (unescaped).
type htmlTag struct {
	name  string
	attrs map[string]string
}

// htmlTags returns the start tags of a page, in order. It reads our own
// templates' output, where html/template has escaped every attribute value.
func htmlTags(body string) []htmlTag {
	var out []htmlTag
	for _, m := range tagRE.FindAllStringSubmatch(body, -1) {
		tag := htmlTag{name: strings.ToLower(m[1]), attrs: map[string]string{}}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			tag.attrs[strings.ToLower(a[1])] = html.UnescapeString(strings.Trim(a[2], `"'`))
		}
		out = append(out, tag)
	}
	return out
}

// allowedScripts are the only scripts a page may load: Google's reCAPTCHA,
// on sign-up when it is configured.
var allowedScripts = []string{"https://www.google.com/recaptcha/api.js"}

// TestPasswordFieldsAllowPasteAndManagers (ASVS 6.2.6, 6.2.7): every
// password field of the login, sign-up, change and reset forms, shown
// fresh and after a failed submission, is type="password" with the
// autocomplete a password manager needs, and no page carries an inline
// event handler (onpaste, ...) or a script other than the allowed ones.
func TestPasswordFieldsAllowPasteAndManagers(t *testing.T) {
	h := newHarness(t, func(o *httpserver.Options) {
		o.Settings.RecaptchaPublicKey, o.Settings.RecaptchaPrivateKey = "site-key", "secret-key"
	})
	h.createUser("jane@example.org", "correct horse")
	user := h.client()
	user.loginForm("jane@example.org", "correct horse")
	link := resetLink(t, h)
	resetter := h.client()
	mismatch := url.Values{"password": {"battery staple"}, "password_confirm": {"battery stable"},
		"new_password": {"battery staple"}, "new_password_confirm": {"battery stable"}}
	cases := []struct {
		name   string
		page   func() response
		fields map[string]string // name: autocomplete
	}{
		{"login", func() response { return h.client().get("/login/") }, map[string]string{"password": "current-password"}},
		{"login, failed", func() response { return h.client().loginForm("jane@example.org", "wrong horse") },
			map[string]string{"password": "current-password"}},
		{"sign-up", func() response { return h.client().get("/signup/") }, map[string]string{"password": "new-password"}},
		{"sign-up, failed", func() response {
			c := h.client()
			c.get("/signup/")
			return c.postForm("/signup/", url.Values{"email": {"new@example.org"}, "password": {"short"}}, true)
		}, map[string]string{"password": "new-password"}},
		{"change", func() response { return user.get("/account/settings/password/") },
			map[string]string{"password": "current-password", "new_password": "new-password", "new_password_confirm": "new-password"}},
		{"change, failed", func() response { return user.postForm("/account/settings/password/", mismatch, true) },
			map[string]string{"password": "current-password", "new_password": "new-password", "new_password_confirm": "new-password"}},
		{"reset", func() response { return resetter.get(link) },
			map[string]string{"password": "new-password", "password_confirm": "new-password"}},
		{"reset, failed", func() response { return resetter.postForm(link, mismatch, true) },
			map[string]string{"password": "new-password", "password_confirm": "new-password"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.page()
			if r.status != 200 {
				t.Fatalf("%d\n%s", r.status, r.body)
			}
			found := map[string]bool{}
			for _, tag := range htmlTags(r.body) {
				for a := range tag.attrs {
					if strings.HasPrefix(a, "on") {
						t.Errorf("<%s> has the event handler %s", tag.name, a)
					}
				}
				name := tag.attrs["name"]
				if tag.name != "input" || !strings.Contains(name, "password") {
					continue
				}
				found[name] = true
				want, ok := tc.fields[name]
				if !ok || tag.attrs["type"] != "password" || tag.attrs["autocomplete"] != want {
					t.Errorf("input %s: type %q autocomplete %q, want password %q", name, tag.attrs["type"], tag.attrs["autocomplete"], want)
				}
			}
			for name := range tc.fields {
				if !found[name] {
					t.Errorf("no input named %s", name)
				}
			}
			for _, m := range scriptRE.FindAllStringSubmatch(r.body, -1) {
				src := htmlTags("<script" + m[1] + ">")[0].attrs["src"]
				if !slices.Contains(allowedScripts, src) || strings.TrimSpace(m[2]) != "" {
					t.Errorf("script src=%q with %d bytes inline", src, len(m[2]))
				}
			}
			if n := strings.Count(strings.ToLower(r.body), "<script"); n != len(scriptRE.FindAllString(r.body, -1)) {
				t.Errorf("%d <script tags, %d of them understood", n, len(scriptRE.FindAllString(r.body, -1)))
			}
		})
	}
}

// swapCase turns upper-case letters into lower case and back.
func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if l := strings.ToLower(string(r)); l != string(r) {
			return []rune(l)[0]
		}
		return []rune(strings.ToUpper(string(r)))[0]
	}, s)
}

// TestPasswordIsVerifiedExactly (ASVS 6.2.8): logging in over the HTML
// form and POST /api/login takes the password exactly as typed: spaces
// added around it, another letter case or one character less all fail.
func TestPasswordIsVerifiedExactly(t *testing.T) {
	const pw = "Correct Horse 9"
	h := newHarness(t)
	h.createUser("jane@example.org", pw)
	cases := []struct {
		name, pw string
		ok       bool
	}{
		{"exact", pw, true},
		{"trailing space", pw + " ", false},
		{"leading space", " " + pw, false},
		{"trailing tab", pw + "\t", false},
		{"case swapped", swapCase(pw), false},
		{"lower case", strings.ToLower(pw), false},
		{"one character short", pw[:len(pw)-1], false},
		{"one character more", pw + "9", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.client()
			r := c.loginForm("jane@example.org", tc.pw)
			if tc.ok != (r.status == 302) || !tc.ok && !strings.Contains(r.body, accounts.MsgInvalidCredentials) {
				t.Errorf("HTML login with %q: %d, want success %v", tc.pw, r.status, tc.ok)
			}
			if me := c.get("/api/me"); tc.ok != (me.status == 200) {
				t.Errorf("HTML login with %q: /api/me %d", tc.pw, me.status)
			}
			c = h.client()
			r = c.api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": tc.pw})
			if tc.ok != (r.status == 200) || !tc.ok && !hasFieldError(r, "password", accounts.MsgInvalidCredentials) {
				t.Errorf("POST /api/login with %q: %d %s, want success %v", tc.pw, r.status, r.body, tc.ok)
			}
			if me := c.get("/api/me"); tc.ok != (me.status == 200) {
				t.Errorf("POST /api/login with %q: /api/me %d", tc.pw, me.status)
			}
		})
	}
}
