package httpserver_test

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/httpserver"
)

const adminPassword = "admin horse battery"

// makeAdmin creates a user with the role "admin" (creating the role).
func (h *harness) makeAdmin(email string) *accounts.User {
	h.t.Helper()
	ctx := context.Background()
	u := h.createUser(email, adminPassword)
	if _, _, err := h.svc.CreateRole(ctx, "admin", "Administrators"); err != nil {
		h.t.Fatal(err)
	}
	if _, _, err := h.svc.AddRole(ctx, accounts.UserRef(email), "admin"); err != nil {
		h.t.Fatal(err)
	}
	return u
}

// apiLogin returns a client logged in through the REST API.
func (h *harness) apiLogin(email, pw string) *client {
	h.t.Helper()
	c := h.client()
	if r := c.api("POST", "/api/login", map[string]string{"email": email, "password": pw}); r.status != 200 {
		h.t.Fatalf("login %s: %d %s", email, r.status, r.body)
	}
	return c
}

// adminPaths are the admin API's routes with their placeholders filled in.
func adminPaths(h *harness, uid int64) []string {
	fill := strings.NewReplacer("{id}", fmt.Sprint(uid), "{action}", "verify", "{role}", "admin", "{domain}", "example.org")
	var out []string
	for _, rt := range routesForTest(h) {
		if strings.Contains(rt, " /api/admin/") {
			method, path, _ := strings.Cut(rt, " ")
			if strings.HasPrefix(path, "/api/admin/sessions/") {
				path = "/api/admin/sessions/0123abcd_1"
			}
			out = append(out, method+" "+fill.Replace(path))
		}
	}
	return out
}

func TestAdminAPIAccess(t *testing.T) {
	h := newHarness(t)
	admin := h.makeAdmin("admin@example.org")
	h.createUser("jane@example.org", "correct horse")
	anon, jane, boss := h.client(), h.apiLogin("jane@example.org", "correct horse"), h.apiLogin("admin@example.org", adminPassword)
	paths := adminPaths(h, admin.ID)
	if len(paths) != 14 {
		t.Fatalf("%d admin API routes, want the 13 of the spec and the audit log: %v", len(paths), paths)
	}
	for _, p := range paths {
		method, path, _ := strings.Cut(p, " ")
		if r := anon.api(method, path, nil); r.status != 401 {
			t.Errorf("anonymous %s = %d, want 401", p, r.status)
		}
		if r := jane.api(method, path, nil); r.status != 403 || r.json(t)["message"] == "" {
			t.Errorf("a user without the admin role: %s = %d %s, want 403", p, r.status, r.body)
		}
		if r := boss.api(method, path, nil); r.status == 401 || r.status == 403 && strings.Contains(r.body, "permission") {
			t.Errorf("the admin: %s = %d %s", p, r.status, r.body)
		}
	}
	if r := boss.api("GET", "/api/admin/users", nil); r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("admin answers may be cached: %q", r.header.Get("Cache-Control"))
	}
	// ACCOUNTS_ADMIN_ROLE names the role.
	h2 := newHarness(t, func(o *httpserver.Options) { o.Settings.AdminRole = "superuser" })
	h2.makeAdmin("admin@example.org")
	if r := h2.apiLogin("admin@example.org", adminPassword).api("GET", "/api/admin/users", nil); r.status != 403 {
		t.Errorf("the role admin with ACCOUNTS_ADMIN_ROLE=superuser: %d", r.status)
	}
}

func TestAdminAPIUsers(t *testing.T) {
	h := newHarness(t)
	h.makeAdmin("admin@example.org")
	for i := range 12 {
		h.createUser(fmt.Sprintf("user%02d@example.org", i), "correct horse")
	}
	c := h.apiLogin("admin@example.org", adminPassword)
	r := c.api("GET", "/api/admin/users", nil)
	body := r.json(t)
	hits, _ := body["hits"].([]any)
	if r.status != 200 || body["total"] != 13.0 || len(hits) != 10 {
		t.Fatalf("GET /api/admin/users = %d, total %v, %d hits; want 13 and a page of 10", r.status, body["total"], len(hits))
	}
	first := hits[0].(map[string]any)
	for _, k := range []string{"id", "email", "username", "active", "confirmed_at", "verified_at", "blocked_at", "created", "roles", "login"} {
		if _, ok := first[k]; !ok {
			t.Errorf("the user object lacks %q: %v", k, first)
		}
	}
	if roles := fmt.Sprint(first["roles"]); roles != "[admin]" {
		t.Errorf("the admin's roles = %s", roles)
	}
	if login := first["login"].(map[string]any); login["login_count"] != 1.0 || login["current_login_ip"] != "127.0.0.1" {
		t.Errorf("login information = %v", login)
	}
	cases := []struct {
		query  string
		status int
		total  float64
		hits   int
	}{
		{"?page=2", 200, 13, 3},
		{"?size=100", 200, 13, 13},
		{"?q=USER1", 200, 2, 2},
		{"?q=2", 200, 2, 2}, // id 2 and user02
		{"?filter=blocked", 200, 0, 0},
		{"?sort=-email&size=1", 200, 13, 1},
		{"?size=101", 400, 0, 0},
		{"?size=0", 400, 0, 0},
		{"?page=0", 400, 0, 0},
		{"?page=x", 400, 0, 0},
		{"?filter=nope", 400, 0, 0},
		{"?sort=password", 400, 0, 0},
	}
	for _, cs := range cases {
		r := c.api("GET", "/api/admin/users"+cs.query, nil)
		if r.status != cs.status {
			t.Errorf("%s: %d %s, want %d", cs.query, r.status, r.body, cs.status)
			continue
		}
		if b := r.json(t); cs.status == 200 && (b["total"] != cs.total || len(b["hits"].([]any)) != cs.hits) {
			t.Errorf("%s: total %v, %d hits; want %v and %d", cs.query, b["total"], len(b["hits"].([]any)), cs.total, cs.hits)
		}
	}
	for path, want := range map[string]int{
		"/api/admin/users/2": 200, "/api/admin/users/999": 404, "/api/admin/users/99999999999": 404,
		"/api/admin/users/abc": 400, "/api/admin/users/0": 400, "/api/admin/users/-1": 400, "/api/admin/users/1.5": 400,
		"/api/admin/users/999/sessions": 404, "/api/admin/users/x/sessions": 400,
	} {
		if r := c.api("GET", path, nil); r.status != want {
			t.Errorf("GET %s = %d %s, want %d", path, r.status, r.body, want)
		}
	}
}

func TestAdminAPIActions(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		admin := h.makeAdmin("admin@example.org")
		jane := h.createUser("jane@example.org", "correct horse")
		boss := h.apiLogin("admin@example.org", adminPassword)
		js := []*client{h.apiLogin("jane@example.org", "correct horse"), h.apiLogin("jane@example.org", "correct horse")}
		act := func(id int64, action string, body any) response {
			return boss.api("POST", fmt.Sprintf("/api/admin/users/%d/actions/%s", id, action), body)
		}

		r := act(jane.ID, "block", map[string]any{"reason": "spam"})
		if u := r.json(t); r.status != 200 || u["blocked_at"] == nil || u["active"] != false {
			t.Fatalf("block: %d %s", r.status, r.body)
		}
		for i, c := range js {
			if c.get("/api/me").status != 401 {
				t.Errorf("jane's session %d still works right after the block", i)
			}
		}
		if r := h.client().api("POST", "/api/login", map[string]string{"email": jane.Email, "password": "correct horse"}); r.status != 403 {
			t.Errorf("a blocked user logging in: %d %s", r.status, r.body)
		}
		if r := act(jane.ID, "restore", nil); r.status != 200 || r.json(t)["blocked_at"] != nil || r.json(t)["active"] != true {
			t.Errorf("restore: %d %s", r.status, r.body)
		}
		c := h.apiLogin("jane@example.org", "correct horse")
		if r := act(jane.ID, "deactivate", nil); r.status != 200 || r.json(t)["active"] != false {
			t.Errorf("deactivate: %d %s", r.status, r.body)
		}
		if c.get("/api/me").status != 401 {
			t.Errorf("jane's session survives deactivation")
		}
		if r := act(jane.ID, "activate", nil); r.status != 200 || r.json(t)["active"] != true {
			t.Errorf("activate: %d %s", r.status, r.body)
		}
		h.apiLogin("jane@example.org", "correct horse")
		r = act(jane.ID, "verify", map[string]any{"reason": "known researcher"})
		u := r.json(t)
		if r.status != 200 || u["verified_at"] == nil {
			t.Errorf("verify: %d %s", r.status, r.body)
		}

		stale := int64(1)
		if r := act(jane.ID, "block", map[string]any{"version_id": stale}); r.status != 409 {
			t.Errorf("an action on a stale version: %d %s", r.status, r.body)
		}
		for _, bad := range []struct {
			id     int64
			action string
			body   any
			status int
		}{
			{admin.ID, "block", nil, 403},
			{admin.ID, "deactivate", nil, 403},
			{jane.ID, "delete", nil, 404},
			{999, "block", nil, 404},
			{jane.ID, "block", map[string]any{"reason": 3}, 400},
			{jane.ID, "block", map[string]any{"why": "x"}, 400},
			{jane.ID, "block", map[string]any{"version_id": "x"}, 400},
		} {
			if r := act(bad.id, bad.action, bad.body); r.status != bad.status {
				t.Errorf("%s user %d with %v: %d %s, want %d", bad.action, bad.id, bad.body, r.status, r.body, bad.status)
			}
		}
		if r := boss.api("POST", "/api/admin/users/abc/actions/block", nil); r.status != 400 {
			t.Errorf("a malformed id: %d", r.status)
		}
		if boss.get("/api/me").status != 200 {
			t.Errorf("the admin lost their session")
		}

		r = boss.api("GET", fmt.Sprintf("/api/admin/audit?target=%d&event=user.", jane.ID), nil)
		var events []string
		for _, e := range r.json(t)["hits"].([]any) {
			m := e.(map[string]any)
			events = append(events, fmt.Sprint(m["event"], "/", m["actor_email"], "/", m["reason"]))
		}
		want := "user.verified/admin@example.org/known researcher,user.activated/admin@example.org/<nil>," +
			"user.deactivated/admin@example.org/<nil>,user.restored/admin@example.org/<nil>,user.blocked/admin@example.org/spam"
		if got := strings.Join(events, ","); got != want {
			t.Errorf("audit of jane's account:\n got %s\nwant %s", got, want)
		}
	})
}

// TestAdminAPIConcurrentActions has two admins act on one user at once:
// every action is written (version_id counts them), none lost.
func TestAdminAPIConcurrentActions(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.makeAdmin("admin@example.org")
		jane := h.createUser("jane@example.org", "correct horse")
		a, b := h.apiLogin("admin@example.org", adminPassword), h.apiLogin("admin@example.org", adminPassword)
		path := fmt.Sprintf("/api/admin/users/%d/actions/", jane.ID)
		var wg sync.WaitGroup
		for i := range 3 {
			wg.Go(func() {
				if r := a.api("POST", path+"block", map[string]string{"reason": fmt.Sprint("a", i)}); r.status != 200 {
					t.Errorf("block: %d %s", r.status, r.body)
				}
			})
			wg.Go(func() {
				if r := b.api("POST", path+"verify", nil); r.status != 200 {
					t.Errorf("verify: %d %s", r.status, r.body)
				}
			})
		}
		wg.Wait()
		u, err := h.db.UserByID(context.Background(), jane.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.VersionID != jane.VersionID+6 {
			t.Errorf("version_id %d after 6 actions from %d: an update was lost", u.VersionID, jane.VersionID)
		}
		r := a.api("GET", fmt.Sprintf("/api/admin/audit?target=%d", jane.ID), nil)
		if n := r.json(t)["total"]; n != 6.0 {
			t.Errorf("%v audit entries for 6 actions", n)
		}
	})
}

func TestAdminAPISessions(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		admin := h.makeAdmin("admin@example.org")
		jane := h.createUser("jane@example.org", "correct horse")
		boss := h.apiLogin("admin@example.org", adminPassword)
		j1, j2 := h.apiLogin("jane@example.org", "correct horse"), h.apiLogin("jane@example.org", "correct horse")
		r := boss.api("GET", fmt.Sprintf("/api/admin/users/%d/sessions", jane.ID), nil)
		body := r.json(t)
		results := body["results"].([]any)
		if r.status != 200 || body["total"] != 2.0 || len(results) != 2 {
			t.Fatalf("jane's sessions: %d %s", r.status, r.body)
		}
		row := results[0].(map[string]any)
		for _, k := range []string{"id", "browser", "browser_version", "os", "device", "country", "created", "current", "ip", "user_id"} {
			if _, ok := row[k]; !ok {
				t.Errorf("a session row lacks %q: %v", k, row)
			}
		}
		if row["ip"] != "127.0.0.1" || row["user_id"] != float64(jane.ID) || row["current"] != false {
			t.Errorf("session row = %v", row)
		}
		sid := row["id"].(string)
		if r := boss.api("DELETE", "/api/admin/sessions/"+sid, nil); r.status != 200 {
			t.Errorf("revoke jane's session: %d %s", r.status, r.body)
		}
		if j1.get("/api/me").status == 200 && j2.get("/api/me").status == 200 {
			t.Errorf("both of jane's sessions still work after one was revoked")
		}
		for path, want := range map[string]int{
			"/api/admin/sessions/" + sid:      404,
			"/api/admin/sessions/not-an-id":   400,
			"/api/admin/sessions/abcdef_zz":   400,
			"/api/admin/sessions/0123abcd_99": 404,
		} {
			if r := boss.api("DELETE", path, nil); r.status != want {
				t.Errorf("DELETE %s = %d %s, want %d", path, r.status, r.body, want)
			}
		}
		own := boss.api("GET", fmt.Sprintf("/api/admin/users/%d/sessions", admin.ID), nil).json(t)["results"].([]any)[0].(map[string]any)
		if own["current"] != true {
			t.Errorf("the admin's own session is not marked current: %v", own)
		}
		if r := boss.api("DELETE", "/api/admin/sessions/"+own["id"].(string), nil); r.status != 403 {
			t.Errorf("revoking one's current session from the admin API: %d %s", r.status, r.body)
		}
		if r := boss.api("DELETE", fmt.Sprintf("/api/admin/users/%d/sessions", admin.ID), nil); r.status != 403 {
			t.Errorf("ending one's own sessions: %d %s", r.status, r.body)
		}
		h.apiLogin("jane@example.org", "correct horse")
		if r := boss.api("DELETE", fmt.Sprintf("/api/admin/users/%d/sessions", jane.ID), nil); r.status != 200 ||
			!strings.HasPrefix(r.json(t)["message"].(string), "2 sessions") {
			t.Errorf("end all of jane's sessions: %d %s", r.status, r.body)
		}
		if j1.get("/api/me").status != 401 || j2.get("/api/me").status != 401 {
			t.Errorf("jane's sessions survive ending them all")
		}
		if boss.get("/api/me").status != 200 {
			t.Errorf("the admin lost their session")
		}
	})
}

func TestAdminAPIRoles(t *testing.T) {
	h := newHarness(t)
	admin := h.makeAdmin("admin@example.org")
	jane := h.createUser("jane@example.org", "correct horse")
	c := h.apiLogin("admin@example.org", adminPassword)
	r := c.api("POST", "/api/admin/roles", map[string]string{"name": "curator", "description": "Curates"})
	if r.status != 201 || r.json(t)["name"] != "curator" || r.json(t)["id"] != "curator" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	for _, bad := range []struct {
		body   any
		status int
	}{
		{map[string]string{"name": "curator"}, 409},
		{map[string]string{"name": ""}, 400},
		{map[string]string{"name": strings.Repeat("x", 81)}, 400},
		{map[string]any{"name": 5}, 400},
		{map[string]string{"name": "x", "id": "y"}, 400},
		{"not an object", 400},
	} {
		if r := c.api("POST", "/api/admin/roles", bad.body); r.status != bad.status {
			t.Errorf("create %v: %d %s, want %d", bad.body, r.status, r.body, bad.status)
		}
	}
	if r := c.api("GET", "/api/admin/roles", nil); r.status != 200 || r.json(t)["total"] != 2.0 {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	path := fmt.Sprintf("/api/admin/users/%d/roles/", jane.ID)
	for i := range 2 { // PUT is idempotent
		if r := c.api("PUT", path+"curator", nil); r.status != 200 || fmt.Sprint(r.json(t)["roles"]) != "[curator]" {
			t.Errorf("grant %d: %d %s", i, r.status, r.body)
		}
	}
	if r := c.api("DELETE", path+"curator", nil); r.status != 200 || fmt.Sprint(r.json(t)["roles"]) != "[]" {
		t.Errorf("revoke: %d %s", r.status, r.body)
	}
	for _, bad := range []struct {
		method, path string
		status       int
	}{
		{"DELETE", path + "curator", 404},
		{"PUT", path + "nope", 404},
		{"PUT", "/api/admin/users/999/roles/curator", 404},
		{"PUT", "/api/admin/users/x/roles/curator", 400},
		{"DELETE", fmt.Sprintf("/api/admin/users/%d/roles/admin", admin.ID), 403},
	} {
		if r := c.api(bad.method, bad.path, nil); r.status != bad.status {
			t.Errorf("%s %s = %d %s, want %d", bad.method, bad.path, r.status, r.body, bad.status)
		}
	}
	r = c.api("GET", "/api/admin/audit?event=role.", nil)
	if r.json(t)["total"] != 3.0 {
		t.Errorf("role audit entries: %s", r.body)
	}
}

func TestAdminAPIDomains(t *testing.T) {
	h := newHarness(t)
	h.makeAdmin("admin@example.org")
	c := h.apiLogin("admin@example.org", adminPassword)
	r := c.api("POST", "/api/admin/domains", map[string]any{"domain": "Spam.Example.", "status": "blocked", "category": "spammer", "flagged": true})
	d := r.json(t)
	if r.status != 201 || d["domain"] != "spam.example" || d["status"] != "blocked" || d["category"] != "spammer" || d["flagged"] != true || d["num_users"] != 0.0 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r = c.api("PATCH", "/api/admin/domains/spam.example", map[string]any{"status": "verified", "category": nil})
	if d := r.json(t); r.status != 200 || d["status"] != "verified" || d["category"] != nil || d["flagged"] != true {
		t.Errorf("patch: %d %s", r.status, r.body)
	}
	c.api("POST", "/api/admin/domains", map[string]any{"domain": "example.org"})
	for _, cs := range []struct {
		query string
		total float64
	}{{"", 2}, {"?status=verified", 1}, {"?flagged=false", 1}, {"?q=SPAM", 1}, {"?sort=-domain&size=1", 2}} {
		r := c.api("GET", "/api/admin/domains"+cs.query, nil)
		if r.status != 200 || r.json(t)["total"] != cs.total {
			t.Errorf("GET /api/admin/domains%s = %d %s, want total %v", cs.query, r.status, r.body, cs.total)
		}
	}
	for _, bad := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", "/api/admin/domains", map[string]any{"domain": "spam.example"}, 400},
		{"POST", "/api/admin/domains", map[string]any{"domain": "not a domain"}, 400},
		{"POST", "/api/admin/domains", map[string]any{"domain": "x.example", "status": "great"}, 400},
		{"POST", "/api/admin/domains", map[string]any{"domain": "x.example", "flagged": "yes"}, 400},
		{"PATCH", "/api/admin/domains/nowhere.example", map[string]any{"flagged": true}, 404},
		{"PATCH", "/api/admin/domains/not%20a%20domain", map[string]any{"flagged": true}, 400},
		{"PATCH", "/api/admin/domains/spam.example", map[string]any{"domain": "x.example"}, 400},
		{"GET", "/api/admin/domains?status=great", nil, 400},
		{"GET", "/api/admin/domains?flagged=maybe", nil, 400},
	} {
		if r := c.api(bad.method, bad.path, bad.body); r.status != bad.status {
			t.Errorf("%s %s %v = %d %s, want %d", bad.method, bad.path, bad.body, r.status, r.body, bad.status)
		}
	}
}

// TestAuditSecurityEvents checks that every security event lands in the
// audit log with its actor, target and IP.
func TestAuditSecurityEvents(t *testing.T) {
	h := newHarness(t)
	h.makeAdmin("admin@example.org")
	jane := h.createUser("jane@example.org", "correct horse")
	boss := h.apiLogin("admin@example.org", adminPassword)

	h.client().api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "wrong horse"})
	h.client().api("POST", "/api/login", map[string]string{"email": "nobody@example.org", "password": "wrong horse"})
	h.client().api("POST", "/api/login", map[string]string{"email": "my secret password", "password": "x"})
	h.client().loginForm("my secret password", "x")
	web := h.client()
	web.loginForm("jane@example.org", "correct horse")
	c := h.apiLogin("jane@example.org", "correct horse")
	c.api("POST", "/api/change-password", map[string]string{"password": "correct horse", "new_password": "battery staple"})
	other := h.apiLogin("jane@example.org", "battery staple")
	sid := sessionIDs(t, other)[0]
	c.api("DELETE", "/api/sessions/"+sid, nil)
	c.api("POST", "/api/logout", nil)
	h.client().api("POST", "/api/forgot-password", map[string]string{"email": "jane@example.org"})
	tok := strings.TrimSuffix(strings.TrimPrefix(linkIn(t, lastEmail(t, h, "jane@example.org", "Password reset instructions")), "/lost-password/"), "/")
	h.client().api("POST", "/api/reset-password", map[string]string{"token": tok, "password": "staple battery"})

	r := boss.api("GET", "/api/admin/audit?size=100", nil)
	var got []string
	for _, e := range r.json(t)["hits"].([]any) {
		m := e.(map[string]any)
		got = append(got, fmt.Sprintf("%v actor=%v target=%v obj=%v ip=%v why=%v", m["event"], m["actor_email"],
			m["target_email"], m["object"] != nil, m["ip"], m["reason"]))
	}
	want := []string{
		"password.reset actor=jane@example.org target=jane@example.org obj=false ip=127.0.0.1 why=<nil>",
		"logout actor=jane@example.org target=jane@example.org obj=false ip=127.0.0.1 why=<nil>",
		"session.revoked actor=jane@example.org target=jane@example.org obj=true ip=127.0.0.1 why=<nil>",
		"login.succeeded actor=jane@example.org target=jane@example.org obj=false ip=127.0.0.1 why=<nil>",
		"password.changed actor=jane@example.org target=jane@example.org obj=false ip=127.0.0.1 why=<nil>",
		"login.succeeded actor=jane@example.org target=jane@example.org obj=false ip=127.0.0.1 why=<nil>",
		"login.succeeded actor=jane@example.org target=jane@example.org obj=false ip=127.0.0.1 why=<nil>",
		"login.failed actor=<nil> target=<nil> obj=false ip=127.0.0.1 why=Invalid email or password.",
		"login.failed actor=<nil> target=nobody@example.org obj=false ip=127.0.0.1 why=Invalid email or password.",
		"login.failed actor=<nil> target=jane@example.org obj=false ip=127.0.0.1 why=Invalid email or password.",
		"login.succeeded actor=admin@example.org target=admin@example.org obj=false ip=127.0.0.1 why=<nil>",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r = boss.api("GET", fmt.Sprintf("/api/admin/audit?event=login.failed&target=%d", jane.ID), nil)
	if r.json(t)["total"] != 1.0 {
		t.Errorf("jane's failed logins: %s", r.body)
	}
	for _, q := range []string{"?event=nope", "?user=x", "?since=yesterday", "?size=500", "?actor=-1"} {
		if r := boss.api("GET", "/api/admin/audit"+q, nil); r.status != 400 {
			t.Errorf("GET /api/admin/audit%s = %d, want 400", q, r.status)
		}
	}
	if r := boss.api("GET", "/api/admin/audit?since=2000-01-01&until=2000-01-02", nil); r.json(t)["total"] != 0.0 {
		t.Errorf("entries in 2000: %s", r.body)
	}
}

// TestAuditConfirmation records a confirmation, and the block a blocked
// domain brings.
func TestAuditConfirmation(t *testing.T) {
	h := newHarness(t)
	h.makeAdmin("admin@example.org")
	boss := h.apiLogin("admin@example.org", adminPassword)
	if r := boss.api("POST", "/api/admin/domains", map[string]any{"domain": "spam.example"}); r.status != 201 {
		t.Fatalf("create domain: %d %s", r.status, r.body)
	}
	c := h.client()
	c.api("POST", "/api/register", map[string]string{"email": "bot@spam.example", "password": "correct horse"})
	if r := boss.api("PATCH", "/api/admin/domains/spam.example", map[string]any{"status": "blocked"}); r.status != 200 {
		t.Fatalf("block domain: %d %s", r.status, r.body)
	}
	tok := strings.TrimPrefix(linkIn(t, lastEmail(t, h, "bot@spam.example", "Welcome")), "/confirm/")
	c.confirm("/confirm/" + url.PathEscape(tok))
	r := boss.api("GET", "/api/admin/audit?size=3", nil)
	var got []string
	for _, e := range r.json(t)["hits"].([]any) {
		m := e.(map[string]any)
		got = append(got, fmt.Sprint(m["event"], " ", m["target_email"], " ", m["reason"]))
	}
	want := "user.blocked bot@spam.example The email domain is blocked.,email.confirmed bot@spam.example <nil>,domain.updated <nil> <nil>"
	if strings.Join(got, ",") != want {
		t.Errorf("audit:\n got %s\nwant %s", strings.Join(got, ","), want)
	}
}

// TestAdminCannotSetPasswords: no admin route takes a password (ASVS
// 6.4.6): every admin API route and every admin form, sent a password in
// every field name a password form uses, leaves the user's hash as it was;
// the admin's only way is the reset email.
func TestAdminCannotSetPasswords(t *testing.T) {
	h := newHarness(t, withTwoFactor(false)) // every optional admin route
	h.makeAdmin("boss@example.org")
	jane := h.createUser("jane@example.org", "correct horse")
	before, err := h.svc.AdminUser(context.Background(), jane.ID)
	if err != nil {
		t.Fatal(err)
	}
	boss := h.apiLogin("boss@example.org", adminPassword)
	chosen := "Chosen-by-the-admin-1"
	body := map[string]any{"password": chosen, "new_password": chosen, "new_password_confirm": chosen,
		"password_confirm": chosen, "hashed_password": chosen, "reason": "test", "version_id": before.VersionID}
	for _, p := range adminPaths(h, jane.ID) {
		method, path, _ := strings.Cut(p, " ")
		boss.api(method, path, body)
	}
	form := url.Values{}
	for k, v := range body {
		form.Set(k, fmt.Sprint(v))
	}
	boss.get(fmt.Sprintf("/admin/users/%d", jane.ID))
	for _, path := range []string{"/actions/verify", "/actions/activate", "/reset-password", "/roles", "/sessions/end",
		"/two-factor/reset", "", "/password"} {
		boss.postForm(fmt.Sprintf("/admin/users/%d%s", jane.ID, path), form, true)
	}
	after, err := h.svc.AdminUser(context.Background(), jane.ID)
	if err != nil {
		t.Fatal(err)
	}
	if deref(after.Password) != deref(before.Password) {
		t.Fatal("an admin route changed the password")
	}
	if r := h.client().api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": chosen}); r.status == 200 {
		t.Fatal("the admin's password logs in")
	}
	if r := h.client().api("POST", "/api/login", map[string]string{"email": "jane@example.org", "password": "correct horse"}); r.status != 200 {
		t.Fatalf("the user's own password: %d %s", r.status, r.body)
	}
	lastEmail(t, h, "jane@example.org", "Password reset instructions") // what the admin can do instead
}

// TestAdminAPIUsersTwoFactor: every user object of the admin API says
// since when the user has two-factor authentication (null: not set up), and
// the list filters on it.
func TestAdminAPIUsersTwoFactor(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t, withTwoFactor(false))
		h.makeAdmin("admin@example.org")
		jane := h.createUser("jane@example.org", "correct horse")
		bob := h.createUser("bob@example.org", "correct horse")
		before := time.Now().Add(-time.Second)
		enrollUser(t, h, jane)
		after := time.Now().Add(time.Second)
		if _, _, err := h.svc.CreateRole(context.Background(), "curator", ""); err != nil {
			t.Fatal(err)
		}
		c := h.apiLogin("admin@example.org", adminPassword)

		// since checks a user object's two_factor_since: an RFC 3339 time of
		// the enrollment when on is set, null otherwise.
		since := func(what string, user map[string]any, on bool) {
			t.Helper()
			v, ok := user["two_factor_since"]
			if !ok {
				t.Errorf("%s: the user object lacks two_factor_since: %v", what, user)
				return
			}
			if !on {
				if v != nil {
					t.Errorf("%s: two_factor_since = %v, want null", what, v)
				}
				return
			}
			s, _ := v.(string)
			at, err := time.Parse(time.RFC3339, s)
			if err != nil || at.Before(before) || at.After(after) {
				t.Errorf("%s: two_factor_since = %v (%v), want the enrollment time", what, v, err)
			}
		}
		list := func(query string) (map[string]map[string]any, float64) {
			t.Helper()
			r := c.api("GET", "/api/admin/users"+query, nil)
			if r.status != 200 {
				t.Fatalf("GET /api/admin/users%s = %d %s", query, r.status, r.body)
			}
			body := r.json(t)
			byEmail := map[string]map[string]any{}
			for _, hit := range body["hits"].([]any) {
				u := hit.(map[string]any)
				byEmail[u["email"].(string)] = u
			}
			total, _ := body["total"].(float64)
			return byEmail, total
		}

		users, _ := list("")
		since("list: jane", users["jane@example.org"], true)
		since("list: bob", users["bob@example.org"], false)
		since("list: admin", users["admin@example.org"], false)
		for _, cs := range []struct {
			query string
			want  string // the emails, sorted
		}{
			{"?filter=two_factor", "jane@example.org"},
			{"?filter=no_two_factor", "admin@example.org bob@example.org"},
			{"?filter=two_factor&q=bob", ""},
		} {
			got, total := list(cs.query)
			var emails []string
			for e := range got {
				emails = append(emails, e)
			}
			sort.Strings(emails)
			if strings.Join(emails, " ") != cs.want || int(total) != len(emails) {
				t.Errorf("GET /api/admin/users%s = %v (total %v), want %q", cs.query, emails, total, cs.want)
			}
		}

		userPath := func(u *accounts.User) string { return fmt.Sprintf("/api/admin/users/%d", u.ID) }
		for _, cs := range []struct {
			what, method, path string
			on                 bool
		}{
			{"GET jane", "GET", userPath(jane), true},
			{"GET bob", "GET", userPath(bob), false},
			{"verify jane", "POST", userPath(jane) + "/actions/verify", true},
			{"verify bob", "POST", userPath(bob) + "/actions/verify", false},
			{"give jane a role", "PUT", userPath(jane) + "/roles/curator", true},
			{"take it", "DELETE", userPath(jane) + "/roles/curator", true},
		} {
			r := c.api(cs.method, cs.path, nil)
			if r.status != 200 {
				t.Errorf("%s: %s %s = %d %s", cs.what, cs.method, cs.path, r.status, r.body)
				continue
			}
			since(cs.what, r.json(t), cs.on)
		}

		if r := c.api("DELETE", userPath(jane)+"/two-factor?reason=x", nil); r.status != 200 {
			t.Fatalf("reset jane's two-factor authentication: %d %s", r.status, r.body)
		}
		since("GET jane after the reset", c.api("GET", userPath(jane), nil).json(t), false)
		users, _ = list("")
		since("list: jane after the reset", users["jane@example.org"], false)
		if got, total := list("?filter=two_factor"); len(got) != 0 || total != 0 {
			t.Errorf("two_factor after the reset: %v (total %v)", got, total)
		}
	})
}
