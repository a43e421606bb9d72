package httpserver_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/invenio-go/accounts/internal/accounts"
)

// adminSite is a harness with an admin logged in through the login page,
// a few users, a role, a domain and some sessions.
type adminSite struct {
	h     *harness
	admin *accounts.User
	jane  *accounts.User
	boss  *client // the admin's browser
}

func newAdminSite(t *testing.T, opts ...harnessOption) *adminSite {
	t.Helper()
	h := newHarness(t, opts...)
	site := &adminSite{h: h, admin: h.makeAdmin("admin@example.org"), jane: h.createUser("jane@example.org", "correct horse")}
	for i := range 3 {
		h.createUser(fmt.Sprintf("user%d@example.org", i), "correct horse")
	}
	if _, _, err := h.svc.CreateRole(context.Background(), "curator", "Curates records"); err != nil {
		t.Fatal(err)
	}
	site.boss = h.client()
	if r := site.boss.loginForm("admin@example.org", adminPassword); r.status != 302 {
		t.Fatalf("admin login: %d", r.status)
	}
	h.apiLogin("jane@example.org", "correct horse")
	return site
}

// form posts an admin form with the CSRF token and returns the response.
func (s *adminSite) form(path string, v url.Values) response {
	return s.boss.postForm(path, v, true)
}

// flash follows a 303 and returns the page's flash messages.
func (s *adminSite) flash(t *testing.T, r response) string {
	t.Helper()
	if r.status != 303 {
		t.Fatalf("form answered %d, want 303: %s", r.status, r.body)
	}
	page := s.boss.get(r.header.Get("Location"))
	var out []string
	for _, m := range flashRE.FindAllStringSubmatch(page.body, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, " | ")
}

var flashRE = regexp.MustCompile(`<p class="flash[^"]*"[^>]*>([^<]*)</p>`)

func TestAdminPagesAccess(t *testing.T) {
	s := newAdminSite(t)
	jane := s.h.client()
	jane.loginForm("jane@example.org", "correct horse")
	anon := s.h.client()
	pages := []string{"/admin/", "/admin/users/", fmt.Sprintf("/admin/users/%d", s.jane.ID), "/admin/roles/",
		"/admin/roles/curator", "/admin/sessions/", "/admin/domains/", "/admin/audit/"}
	for _, p := range pages {
		if r := anon.get(p); r.status != 302 || !strings.HasPrefix(r.header.Get("Location"), "/login/?next=") {
			t.Errorf("anonymous %s = %d %s", p, r.status, r.header.Get("Location"))
		}
		if r := jane.get(p); r.status != 403 {
			t.Errorf("a user without the admin role: %s = %d", p, r.status)
		}
		r := s.boss.get(p)
		if r.status != 200 || !strings.Contains(r.body, `<nav class="admin-nav"`) || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("the admin: %s = %d %s", p, r.status, r.body)
		}
	}
	if r := jane.postForm(fmt.Sprintf("/admin/users/%d/actions/block", s.admin.ID), url.Values{}, true); r.status != 403 {
		t.Errorf("a user without the admin role posting an action: %d", r.status)
	}
	if r := anon.get("/admin/admin.css"); r.status != 200 || !strings.Contains(r.body, ".admin-nav") || !strings.Contains(r.body, "--accent") {
		t.Errorf("the admin stylesheet: %d", r.status)
	}
}

func TestAdminPagesBadInput(t *testing.T) {
	s := newAdminSite(t)
	for path, want := range map[string]int{
		"/admin/users/?page=0": 400, "/admin/users/?size=1000": 400, "/admin/users/?filter=x": 400,
		"/admin/users/?sort=password": 400, "/admin/users/x": 400, "/admin/users/0": 400,
		"/admin/users/99999": 404, "/admin/roles/nope": 404, "/admin/domains/nowhere.example": 404,
		"/admin/domains/not%20a%20domain": 400, "/admin/domains/?status=x": 400, "/admin/audit/?event=x": 400,
		"/admin/audit/?since=x": 400, "/admin/sessions/?user=nobody@example.org": 404,
		"/admin/sessions/?page=-1": 400,
	} {
		if r := s.boss.get(path); r.status != want {
			t.Errorf("GET %s = %d, want %d", path, r.status, want)
		}
	}
	// A form without its CSRF token changes nothing.
	r := s.boss.postForm(fmt.Sprintf("/admin/users/%d/actions/block", s.jane.ID), url.Values{}, false)
	if r.status != 400 || !strings.Contains(r.body, "CSRF") {
		t.Errorf("a form without CSRF token: %d %s", r.status, r.body)
	}
	if u, _ := s.h.svc.AdminUser(context.Background(), s.jane.ID); u.IsBlocked() {
		t.Errorf("a form without CSRF token blocked jane")
	}
}

func TestAdminUsersPage(t *testing.T) {
	s := newAdminSite(t)
	r := s.boss.get("/admin/users/?size=2&sort=-email")
	if !strings.Contains(r.body, "Users 1–2 of 5.") || !strings.Contains(r.body, "user2@example.org") ||
		!strings.Contains(r.body, `aria-sort="descending"`) || !strings.Contains(r.body, `rel="next"`) {
		t.Errorf("page 1 of users by email, descending:\n%s", r.body)
	}
	next := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(r.body)[1]
	if r := s.boss.get(strings.ReplaceAll(next, "&amp;", "&")); !strings.Contains(r.body, "Users 3–4 of 5.") || !strings.Contains(r.body, "user0@example.org") {
		t.Errorf("the next page:\n%s", r.body)
	}
	for q, want := range map[string]string{"?q=JANE": "Users 1–1 of 1.", fmt.Sprintf("?q=%d", s.jane.ID): "jane@example.org",
		"?filter=blocked": "No users match.", "?filter=unconfirmed": "of 5."} {
		if r := s.boss.get("/admin/users/" + q); !strings.Contains(r.body, want) {
			t.Errorf("users %s lacks %q", q, want)
		}
	}
}

// rowOf returns the table row of a page that names email ("" when none).
func rowOf(body, email string) string {
	for _, row := range strings.Split(body, "<tr>")[1:] {
		row, _, _ = strings.Cut(row, "</tr>")
		if strings.Contains(row, ">"+email+"<") {
			return row
		}
	}
	return ""
}

// TestAdminUsersPageTwoFactor: the users' pages mark the users with
// two-factor authentication, and the list filters on it.
func TestAdminUsersPageTwoFactor(t *testing.T) {
	s := newAdminSite(t, withTwoFactor(false))
	enrollUser(t, s.h, s.jane)
	if got := s.flash(t, s.form("/admin/roles/curator/members", url.Values{"user": {"jane@example.org"}, "op": {"add"}})); got != "jane@example.org added to curator." {
		t.Fatalf("add jane to curator: %q", got)
	}
	if got := s.flash(t, s.form("/admin/roles/curator/members", url.Values{"user": {"user0@example.org"}, "op": {"add"}})); got != "user0@example.org added to curator." {
		t.Fatalf("add user0 to curator: %q", got)
	}
	const badge = `<span class="state state-2FA">2FA</span>`
	for _, cs := range []struct {
		path, email string
		want        bool
	}{
		{"/admin/users/", "jane@example.org", true},
		{"/admin/users/", "user0@example.org", false},
		{"/admin/users/", "admin@example.org", false},
		{"/admin/users/?filter=two_factor", "jane@example.org", true},
		{"/admin/roles/curator", "jane@example.org", true},
		{"/admin/roles/curator", "user0@example.org", false},
	} {
		row := rowOf(s.boss.get(cs.path).body, cs.email)
		if row == "" || strings.Contains(row, badge) != cs.want {
			t.Errorf("%s: the row of %s has the 2FA badge: %v, want %v:\n%s", cs.path, cs.email, strings.Contains(row, badge), cs.want, row)
		}
	}
	for _, cs := range []struct{ q, want, option string }{
		{"?filter=two_factor", "Users 1–1 of 1.", `<option value="two_factor" selected>with two-factor authentication</option>`},
		{"?filter=no_two_factor", "Users 1–4 of 4.", `<option value="no_two_factor" selected>without two-factor authentication</option>`},
	} {
		r := s.boss.get("/admin/users/" + cs.q)
		if !strings.Contains(r.body, cs.want) || strings.Contains(r.body, "jane@example.org") != (cs.q == "?filter=two_factor") {
			t.Errorf("users %s lacks %q, or shows jane wrongly:\n%s", cs.q, cs.want, r.body)
		}
		if !strings.Contains(r.body, cs.option) {
			t.Errorf("users %s: the filter is not offered and selected as %s", cs.q, cs.option)
		}
	}
	if r := s.boss.get(fmt.Sprintf("/admin/users/%d", s.jane.ID)); !strings.Contains(r.body, badge) {
		t.Errorf("jane's page lacks the 2FA badge")
	}
	if r := s.boss.get("/admin/"); !strings.Contains(r.body, `<a href="/admin/users/?filter=two_factor"><strong>1</strong> with two-factor authentication</a>`) {
		t.Errorf("the dashboard's two-factor count does not lead to the users with it")
	}
	if got := s.flash(t, s.form(fmt.Sprintf("/admin/users/%d/two-factor/reset", s.jane.ID), url.Values{"reason": {"lost phone"}})); !strings.Contains(got, "reset") {
		t.Fatalf("reset jane's two-factor authentication: %q", got)
	}
	if row := rowOf(s.boss.get("/admin/users/").body, "jane@example.org"); strings.Contains(row, badge) {
		t.Errorf("jane's row keeps the 2FA badge after the reset:\n%s", row)
	}
}

func TestAdminUserPageActions(t *testing.T) {
	s := newAdminSite(t)
	jid := fmt.Sprint(s.jane.ID)
	r := s.boss.get("/admin/users/" + jid)
	for _, want := range []string{"jane@example.org", "Login information", "127.0.0.1", "Revoke", "login.succeeded",
		`name="version_id" value="1"`, "Send reset email", "End all sessions"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("jane's page lacks %q", want)
		}
	}
	janeBrowser := s.h.apiLogin("jane@example.org", "correct horse")
	if got := s.flash(t, s.form("/admin/users/"+jid+"/actions/block", url.Values{"reason": {"spam"}, "version_id": {"1"}})); got != "jane@example.org: block done." {
		t.Errorf("block: %q", got)
	}
	if janeBrowser.get("/api/me").status != 401 {
		t.Errorf("jane's session survives the block")
	}
	if got := s.flash(t, s.form("/admin/users/"+jid+"/actions/verify", url.Values{"version_id": {"1"}})); !strings.Contains(got, "changed by someone else") {
		t.Errorf("an action from a stale page: %q", got)
	}
	if got := s.flash(t, s.form("/admin/users/"+jid+"/actions/restore", url.Values{})); got != "jane@example.org: restore done." {
		t.Errorf("restore: %q", got)
	}
	if r := s.h.client().api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"}); r.status != 200 {
		t.Errorf("jane cannot log in after restore: %d", r.status)
	}
	page := s.boss.get("/admin/users/" + jid).body
	if !strings.Contains(page, "user.blocked") || !strings.Contains(page, "spam") || !strings.Contains(page, "user.restored") {
		t.Errorf("jane's page lacks the audit entries")
	}

	own := fmt.Sprint(s.admin.ID)
	if got := s.flash(t, s.form("/admin/users/"+own+"/actions/block", url.Values{})); !strings.Contains(got, "own account") {
		t.Errorf("self-block: %q", got)
	}
	if got := s.flash(t, s.form("/admin/users/"+own+"/roles", url.Values{"role": {"admin"}, "op": {"remove"}})); !strings.Contains(got, "own account") {
		t.Errorf("dropping one's own admin role: %q", got)
	}
	if s.boss.get("/admin/").status != 200 {
		t.Fatalf("the admin locked themself out")
	}
	if strings.Contains(s.boss.get("/admin/users/"+own).body, "End all sessions") {
		t.Errorf("the admin's own page offers to end all their sessions")
	}

	if got := s.flash(t, s.form("/admin/users/"+jid+"/roles", url.Values{"role": {"curator"}, "op": {"add"}})); got != "Role curator given." {
		t.Errorf("give role: %q", got)
	}
	if got := s.flash(t, s.form("/admin/users/"+jid+"/roles", url.Values{"role": {"curator"}, "op": {"remove"}})); got != "Role curator removed." {
		t.Errorf("remove role: %q", got)
	}
	if got := s.flash(t, s.form("/admin/users/"+jid+"/reset-password", url.Values{"reason": {"asked by phone"}})); got != accounts.MsgResetRequest("jane@example.org") {
		t.Errorf("send reset: %q", got)
	}
	if link := linkIn(t, lastEmail(t, s.h, "jane@example.org", "Password reset instructions")); !strings.HasPrefix(link, "/lost-password/") {
		t.Errorf("reset link %s", link)
	}
	s.h.apiLogin("jane@example.org", "correct horse")
	if got := s.flash(t, s.form("/admin/users/"+jid+"/sessions/end", url.Values{})); got != "2 sessions ended." {
		t.Errorf("end sessions: %q", got)
	}
}

func TestAdminSessionsPage(t *testing.T) {
	s := newAdminSite(t)
	r := s.boss.get("/admin/sessions/")
	if !strings.Contains(r.body, "Sessions 1–2 of 2.") || !strings.Contains(r.body, "your current session") {
		t.Fatalf("sessions page:\n%s", r.body)
	}
	if r := s.boss.get("/admin/sessions/?user=jane@example.org"); !strings.Contains(r.body, "Sessions 1–1 of 1.") {
		t.Errorf("jane's sessions:\n%s", r.body)
	}
	own := sessionIDs(t, s.boss)[0]
	if got := s.flash(t, s.form("/admin/sessions/revoke", url.Values{"sid_s": {own}})); got != "You could not remove your current session." {
		t.Errorf("revoking one's current session: %q", got)
	}
	rows, _, _ := s.h.svc.SessionActivities(context.Background(), accounts.SessionQuery{UserID: s.jane.ID})
	back := "/admin/users/" + fmt.Sprint(s.jane.ID)
	r = s.form("/admin/sessions/revoke", url.Values{"sid_s": {rows[0].SID}, "back": {back}})
	if r.header.Get("Location") != back || !strings.Contains(s.flash(t, r), "successfully removed") {
		t.Errorf("revoke jane's session: %d %s", r.status, r.header.Get("Location"))
	}
	for _, bad := range []string{"not-an-id", rows[0].SID} {
		if got := s.flash(t, s.form("/admin/sessions/revoke", url.Values{"sid_s": {bad}, "back": {"https://evil.example/"}})); got == "" || strings.Contains(got, "successfully") {
			t.Errorf("revoke %q: %q", bad, got)
		}
	}
}

func TestAdminRolePages(t *testing.T) {
	s := newAdminSite(t)
	if got := s.flash(t, s.form("/admin/roles/", url.Values{"name": {"editor"}, "description": {"Edits"}})); got != "Role editor created." {
		t.Errorf("create: %q", got)
	}
	if got := s.flash(t, s.form("/admin/roles/", url.Values{"name": {"editor"}})); got != accounts.MsgRoleExists {
		t.Errorf("create again: %q", got)
	}
	if got := s.flash(t, s.form("/admin/roles/editor", url.Values{"name": {"reviewer"}, "description": {"Reviews"}, "version_id": {"1"}})); got != "Role reviewer saved." {
		t.Errorf("rename: %q", got)
	}
	if got := s.flash(t, s.form("/admin/roles/editor", url.Values{"name": {"x"}, "version_id": {"1"}})); got != accounts.MsgRoleChanged {
		t.Errorf("an edit from a stale page: %q", got)
	}
	if got := s.flash(t, s.form("/admin/roles/admin", url.Values{"name": {"boss"}})); !strings.Contains(got, "cannot be renamed") {
		t.Errorf("renaming the admin role: %q", got)
	}
	if got := s.flash(t, s.form("/admin/roles/editor/members", url.Values{"user": {"jane@example.org"}, "op": {"add"}})); got != "jane@example.org added to reviewer." {
		t.Errorf("add member: %q", got)
	}
	if r := s.boss.get("/admin/roles/editor"); !strings.Contains(r.body, "Members 1–1 of 1.") || !strings.Contains(r.body, "jane@example.org") {
		t.Errorf("role page:\n%s", r.body)
	}
	if got := s.flash(t, s.form("/admin/roles/editor/members", url.Values{"user": {fmt.Sprint(s.jane.ID)}, "op": {"remove"}})); got != "jane@example.org removed from reviewer." {
		t.Errorf("remove member: %q", got)
	}
	if got := s.flash(t, s.form("/admin/roles/editor/members", url.Values{"user": {"nobody@example.org"}, "op": {"add"}})); got != accounts.MsgUserNotFound {
		t.Errorf("add nobody: %q", got)
	}
}

func TestAdminDomainPages(t *testing.T) {
	s := newAdminSite(t)
	if got := s.flash(t, s.form("/admin/domains/", url.Values{"domain": {"Spam.Example"}, "status": {"blocked"}, "category": {"spammer"}})); got != "Domain spam.example added." {
		t.Errorf("create: %q", got)
	}
	if r := s.boss.get("/admin/domains/?status=blocked"); !strings.Contains(r.body, "spam.example") || !strings.Contains(r.body, "spammer") {
		t.Errorf("blocked domains:\n%s", r.body)
	}
	if got := s.flash(t, s.form("/admin/domains/spam.example", url.Values{"status": {"moderated"}, "flagged": {"on"}, "flagged_source": {"report"}})); got != "Domain saved." {
		t.Errorf("save: %q", got)
	}
	d, _ := s.h.svc.Domain(context.Background(), "spam.example")
	if d.Status != accounts.DomainModerated || !d.Flagged || d.FlaggedSource != "report" || d.Category != nil {
		t.Errorf("after saving: %+v", d)
	}
	if got := s.flash(t, s.form("/admin/domains/", url.Values{"domain": {"spam.example"}})); got != accounts.MsgDomainExists {
		t.Errorf("create again: %q", got)
	}
	if r := s.boss.get("/admin/audit/?event=domain."); !strings.Contains(r.body, "Entries 1–2 of 2.") {
		t.Errorf("domain audit entries:\n%s", r.body)
	}
}

func TestAdminDashboard(t *testing.T) {
	s := newAdminSite(t)
	if _, _, err := s.h.svc.Block(context.Background(), accounts.UserRef("user0@example.org")); err != nil {
		t.Fatal(err)
	}
	r := s.boss.get("/admin/")
	for _, want := range []string{"<strong>5</strong> users", "<strong>1</strong> blocked", "<strong>5</strong> unconfirmed",
		"<strong>2</strong> active sessions", `<svg class="chart"`, "Sign-ups per day", "Logins per day",
		"Active sessions by browser", "Active sessions by device", "5 in the last 30 days"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if strings.Contains(r.body, "<script") || strings.Contains(r.body, "style=") || strings.Contains(r.body, "http://") && !strings.Contains(r.body, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Errorf("the dashboard uses scripts, inline styles or outside resources")
	}
	if n := strings.Count(r.body, "<rect"); n != 60+4 {
		t.Errorf("%d bars, want 30 days twice and one per browser, OS, device and country", n)
	}
}
