package httpserver_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sessionIDs returns the ids GET /api/sessions lists for the client, the
// current one first.
func sessionIDs(t *testing.T, c *client) []string {
	t.Helper()
	r := c.api("GET", "/api/sessions", nil)
	if r.status != 200 {
		t.Fatalf("GET /api/sessions = %d %s", r.status, r.body)
	}
	var ids []string
	for i, res := range r.json(t)["results"].([]any) {
		m := res.(map[string]any)
		if _, ok := m["ip"]; ok {
			t.Errorf("GET /api/sessions exposes the IP")
		}
		if cur := m["current"].(bool); cur != (i == 0) {
			t.Errorf("session %d current = %v; the current one must come first", i, cur)
		}
		ids = append(ids, m["id"].(string))
	}
	return ids
}

func TestSessionsAPI(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.createUser("jane@example.org", "correct horse")
		h.createUser("bob@example.org", "correct horse")
		a, b, bob := h.client(), h.client(), h.client()
		a.loginForm("jane@example.org", "correct horse")
		b.loginForm("jane@example.org", "correct horse")
		bob.loginForm("bob@example.org", "correct horse")
		if r := h.client().api("GET", "/api/sessions", nil); r.status != 401 {
			t.Errorf("anonymous GET /api/sessions = %d", r.status)
		}
		ids := sessionIDs(t, a)
		if len(ids) != 2 {
			t.Fatalf("jane has %d sessions, want 2", len(ids))
		}
		other := ids[1]
		if r := bob.api("DELETE", "/api/sessions/"+other, nil); r.status != 400 || !strings.Contains(r.body, "Unable to remove session") {
			t.Errorf("bob revoking jane's session: %d %s", r.status, r.body)
		}
		if b.get("/api/me").status != 200 {
			t.Fatalf("another user could end jane's session")
		}
		if r := a.api("DELETE", "/api/sessions/"+other, nil); r.status != 200 || !strings.HasSuffix(r.json(t)["message"].(string), "Revoked.") {
			t.Errorf("jane revoking her other session: %d %s", r.status, r.body)
		}
		if b.get("/api/me").status != 401 {
			t.Errorf("the revoked session still works")
		}
		if r := a.api("DELETE", "/api/sessions/"+ids[0], nil); r.status != 200 || !strings.HasSuffix(r.json(t)["message"].(string), "Logged out.") {
			t.Errorf("revoking the current session: %d %s", r.status, r.body)
		}
		if a.get("/api/me").status != 401 {
			t.Errorf("revoking the current session did not log out")
		}
		if r := bob.api("DELETE", "/api/sessions/not-an-id", nil); r.status != 400 {
			t.Errorf("a malformed id: %d", r.status)
		}
	})
}

func TestSecurityPage(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		h.createUser("jane@example.org", "correct horse")
		anon := h.client()
		r := anon.get("/account/settings/security")
		if r.status != 302 || r.header.Get("Location") != "/login/?next=%2Faccount%2Fsettings%2Fsecurity" {
			t.Fatalf("anonymous security page: %d %s", r.status, r.header.Get("Location"))
		}
		if r := anon.get("/login/?next=%2Faccount%2Fsettings%2Fsecurity"); !strings.Contains(r.body, "Please log in to access this page.") {
			t.Errorf("the login page does not show the flash")
		}
		a, b, c := h.client(), h.client(), h.client()
		for _, cl := range []*client{a, b, c} {
			cl.loginForm("jane@example.org", "correct horse")
		}
		page := a.get("/account/settings/security")
		if page.status != 200 || strings.Count(page.body, `name="sid_s"`) != 2 || !strings.Contains(page.body, "current session") ||
			!strings.Contains(page.body, "127.0.0.1") || page.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("security page: %d\n%s", page.status, page.body)
		}
		ids := sessionIDs(t, a)
		// Revoke b from a's page.
		r = a.postForm("/account/settings/sessions/revoke", url.Values{"sid_s": {ids[1]}}, true)
		if r.status != 302 || r.header.Get("Location") != "/account/settings/security" {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		if page := a.get("/account/settings/security"); !strings.Contains(page.body, "successfully removed.") {
			t.Errorf("no success flash after revoke")
		}
		if r := a.postForm("/account/settings/sessions/revoke", url.Values{"sid_s": {"nope_1"}}, true); r.status != 302 {
			t.Errorf("revoke unknown: %d", r.status)
		}
		if page := a.get("/account/settings/security"); !strings.Contains(page.body, "Unable to remove the session nope_1.") {
			t.Errorf("no error flash for an unknown session")
		}
		if r := a.postForm("/account/settings/sessions/revoke", url.Values{"sid_s": {ids[2]}}, false); r.status != 403 {
			t.Errorf("revoke without CSRF = %d, want 403", r.status)
		}
		// Log out all other sessions: c ends, a stays with a new id.
		before := a.cookie("session")
		if r := a.postForm("/account/settings/sessions/revoke-others", url.Values{}, true); r.status != 302 {
			t.Fatalf("revoke-others: %d %s", r.status, r.body)
		}
		if c.get("/api/me").status != 401 || a.get("/api/me").status != 200 {
			t.Errorf("after revoke-others: the other session must end and this one stay")
		}
		if a.cookie("session") == before {
			t.Errorf("revoke-others did not renew the current session")
		}
		if ids := sessionIDs(t, a); len(ids) != 1 {
			t.Errorf("%d sessions listed after revoke-others", len(ids))
		}
	})
}

func TestDatabaseRevocationHoldsWithinTwoSeconds(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		u := h.createUser("jane@example.org", "correct horse")
		c := h.client()
		c.loginForm("jane@example.org", "correct horse")
		if c.get("/api/me").status != 200 {
			t.Fatal("not logged in")
		}
		// The row goes away behind the node's back (the CLI, another node
		// without Redis, or a Redis that lost the delete).
		rows, _ := h.db.UserSessionActivities(context.Background(), u.ID)
		if _, err := h.db.DeleteSessionActivity(context.Background(), rows[0].SID); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(2 * time.Second)
		if r := c.get("/api/me"); r.status != 401 {
			t.Errorf("2 s after its row was deleted the session still works: %d", r.status)
		}
	})
}

func TestLastSeenIsWrittenAtMostOncePerInterval(t *testing.T) {
	forEachStack(t, func(t *testing.T, newHarness func(*testing.T, ...harnessOption) *harness) {
		h := newHarness(t)
		u := h.createUser("jane@example.org", "correct horse")
		c := h.client()
		c.loginForm("jane@example.org", "correct horse")
		row := func() time.Time {
			rows, err := h.db.UserSessionActivities(context.Background(), u.ID)
			if err != nil || len(rows) != 1 {
				t.Fatalf("rows: %v %v", rows, err)
			}
			return rows[0].Updated
		}
		first := row()
		h.clock.Advance(time.Minute)
		c.get("/api/me")
		if !row().Equal(first) {
			t.Errorf("last seen written within the interval")
		}
		h.clock.Advance(5 * time.Minute)
		c.get("/api/me")
		if got := row(); !got.After(first) {
			t.Errorf("last seen not refreshed after the interval: %v", got)
		}
	})
}

func TestLoginRecordsBrowserOSAndDevice(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("jane@example.org", "correct horse")
	c := h.client()
	c.get("/login/")
	req := newFormRequest(h.ts.URL+"/login/", url.Values{"email": {"jane@example.org"}, "password": {"correct horse"},
		"csrf_token": {c.cookie("csrftoken")}})
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:43.0) Gecko/20100101 Firefox/43.0")
	if r := c.do(req); r.status != 302 {
		t.Fatalf("login: %d", r.status)
	}
	rows, _ := h.db.UserSessionActivities(context.Background(), u.ID)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	got := [4]string{deref(rows[0].Browser), deref(rows[0].BrowserVersion), deref(rows[0].OS), deref(rows[0].Device)}
	if got != [4]string{"Firefox", "43", "Ubuntu", "Other"} {
		t.Errorf("session row browser/version/os/device = %v", got)
	}
	if page := c.get("/account/settings/security"); !strings.Contains(page.body, "Firefox 43") || !strings.Contains(page.body, "on Ubuntu") {
		t.Errorf("the security page does not show the browser")
	}
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}
