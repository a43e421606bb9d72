package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

func userEmails(users []*accounts.User) string {
	var out []string
	for _, u := range users {
		out = append(out, strings.TrimSuffix(u.Email, "@example.org"))
	}
	return strings.Join(out, ",")
}

func TestAdminUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		carol := mustCreate(t, svc, "carol@example.org")
		alice := mustCreate(t, svc, "alice@example.org")
		bob := mustCreate(t, svc, "bob@example.org")
		dave := mustCreate(t, svc, "dave@example.org")
		if _, _, err := svc.Block(ctx, accounts.UserRef(bob.Email)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Deactivate(ctx, accounts.UserRef(dave.Email)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Verify(ctx, accounts.UserRef(alice.Email)); err != nil { // confirms her
			t.Fatal(err)
		}
		if _, _, err := svc.CreateRole(ctx, "curator", ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.AddRole(ctx, accounts.UserRef(carol.Email), "curator"); err != nil {
			t.Fatal(err)
		}
		if err := svc.TrackLogin(ctx, dave, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			q     accounts.AdminUserQuery
			want  string
			total int
		}{
			{accounts.AdminUserQuery{}, "carol,alice,bob,dave", 4},
			{accounts.AdminUserQuery{Sort: "email"}, "alice,bob,carol,dave", 4},
			{accounts.AdminUserQuery{Sort: "-email"}, "dave,carol,bob,alice", 4},
			{accounts.AdminUserQuery{Sort: "-id", Size: 2}, "dave,bob", 4},
			{accounts.AdminUserQuery{Sort: "-id", Size: 2, Page: 2}, "alice,carol", 4},
			{accounts.AdminUserQuery{Sort: "-last_login"}, "dave,bob,alice,carol", 4},
			{accounts.AdminUserQuery{Sort: "last_login"}, "carol,alice,bob,dave", 4},
			{accounts.AdminUserQuery{Filter: accounts.FilterActive}, "carol,alice", 2},
			{accounts.AdminUserQuery{Filter: accounts.FilterInactive}, "bob,dave", 2},
			{accounts.AdminUserQuery{Filter: accounts.FilterBlocked}, "bob", 1},
			{accounts.AdminUserQuery{Filter: accounts.FilterUnconfirmed, Sort: "email"}, "bob,carol,dave", 3},
			{accounts.AdminUserQuery{Q: "AL"}, "alice", 1},
			{accounts.AdminUserQuery{Q: fmt.Sprint(bob.ID)}, "bob", 1},
			{accounts.AdminUserQuery{Q: "%"}, "", 0},
		}
		for _, c := range cases {
			got, total, err := svc.AdminUsers(ctx, c.q)
			if err != nil || userEmails(got) != c.want || total != c.total {
				t.Errorf("AdminUsers(%+v) = %q (total %d), %v; want %q (total %d)", c.q, userEmails(got), total, err, c.want, c.total)
			}
		}
		got, _, _ := svc.AdminUsers(ctx, accounts.AdminUserQuery{Q: "carol"})
		if len(got) != 1 || strings.Join(got[0].Roles, ",") != "curator" {
			t.Errorf("carol's roles in the list: %+v", got)
		}
		for _, q := range []accounts.AdminUserQuery{{Filter: "nope"}, {Sort: "password"}, {Size: 101}, {Page: -2}} {
			if _, _, err := svc.AdminUsers(ctx, q); accounts.ErrorCode(err) != accounts.EInvalid {
				t.Errorf("AdminUsers(%+v) = %v, want invalid", q, err)
			}
		}
	})
}

func TestAdminActionVersion(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "jane@example.org")
		if _, _, err := svc.AdminAction(ctx, u.ID, accounts.ActionBlock, u.VersionID+1); accounts.ErrorCode(err) != accounts.EConflict {
			t.Errorf("an action on a stale version: %v, want conflict", err)
		}
		got, changed, err := svc.AdminAction(ctx, u.ID, accounts.ActionBlock, u.VersionID)
		if err != nil || !changed || got.BlockedAt == nil || got.Active {
			t.Fatalf("block = %+v, %v, %v", got, changed, err)
		}
		if _, _, err := svc.AdminAction(ctx, u.ID, "delete", 0); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Errorf("an unknown action: %v", err)
		}
		if _, _, err := svc.AdminAction(ctx, 999999, accounts.ActionVerify, 0); accounts.ErrorCode(err) != accounts.ENotFound {
			t.Errorf("an unknown user: %v", err)
		}
		got, changed, err = svc.AdminAction(ctx, u.ID, accounts.ActionRestore, 0)
		if err != nil || !changed || got.BlockedAt != nil || !got.Active {
			t.Errorf("restore = %+v, %v, %v", got, changed, err)
		}
	})
}

// TestAdminActionsConcurrent runs actions on one user at once: every one
// that reports a change is a write of its own (version_id counts them), so
// none is lost.
func TestAdminActionsConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "jane@example.org")
		actions := []string{accounts.ActionBlock, accounts.ActionVerify, accounts.ActionBlock, accounts.ActionVerify}
		var wg sync.WaitGroup
		var mu sync.Mutex
		changes := 0
		for _, a := range actions {
			wg.Go(func() {
				_, changed, err := svc.AdminAction(ctx, u.ID, a, 0)
				if err != nil {
					t.Errorf("%s: %v", a, err)
				}
				if changed {
					mu.Lock()
					changes++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		got, err := db.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.VersionID != u.VersionID+int64(changes) || changes != len(actions) {
			t.Errorf("version %d after %d changes from %d; want every action written once", got.VersionID, changes, u.VersionID)
		}
	})
}

func TestAdminSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		jane := mustCreate(t, svc, "jane@example.org")
		bob := mustCreate(t, svc, "bob@example.org")
		now := time.Now().UTC().Truncate(time.Second)
		for i, uid := range []int64{jane.ID, jane.ID, bob.ID} {
			a := &accounts.SessionActivity{SID: fmt.Sprintf("s%d_1", i), UserID: uid, Created: now.Add(time.Duration(i) * time.Minute), Updated: now}
			if err := db.CreateSessionActivity(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		rows, total, err := svc.SessionActivities(ctx, accounts.SessionQuery{})
		if err != nil || total != 3 || len(rows) != 3 || rows[0].SID != "s2_1" {
			t.Errorf("all sessions = %+v (total %d), %v", rows, total, err)
		}
		rows, total, _ = svc.SessionActivities(ctx, accounts.SessionQuery{UserID: jane.ID, Size: 1, Page: 2})
		if total != 2 || len(rows) != 1 || rows[0].SID != "s0_1" {
			t.Errorf("jane's second page = %+v (total %d)", rows, total)
		}
		if n, err := svc.EndUserSessions(ctx, jane.ID); n != 2 || err != nil {
			t.Errorf("EndUserSessions = %d, %v; want 2", n, err)
		}
		if _, total, _ := svc.SessionActivities(ctx, accounts.SessionQuery{}); total != 1 {
			t.Errorf("%d rows left, want bob's one", total)
		}
		if _, err := svc.EndUserSessions(ctx, 999999); accounts.ErrorCode(err) != accounts.ENotFound {
			t.Errorf("EndUserSessions of nobody: %v", err)
		}
	})
}

func TestAdminRoles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		r, _, err := svc.CreateRole(ctx, "curator", "curates")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.CreateRole(ctx, "admin", ""); err != nil {
			t.Fatal(err)
		}
		jane := mustCreate(t, svc, "jane@example.org")
		mustCreate(t, svc, "bob@example.org")
		if _, _, err := svc.AddRole(ctx, accounts.UserRef(jane.Email), "curator"); err != nil {
			t.Fatal(err)
		}
		got, err := svc.UpdateRole(ctx, r.ID, "editor", "edits", r.VersionID)
		if err != nil || got.Name != "editor" || got.Description != "edits" || got.VersionID != r.VersionID+1 {
			t.Fatalf("UpdateRole = %+v, %v", got, err)
		}
		if _, err := svc.UpdateRole(ctx, r.ID, "other", "", r.VersionID); accounts.ErrorCode(err) != accounts.EConflict {
			t.Errorf("a stale version: %v, want conflict", err)
		}
		if _, err := svc.UpdateRole(ctx, r.ID, "admin", "", 0); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Errorf("a taken name: %v, want invalid on name", err)
		}
		if _, err := svc.UpdateRole(ctx, "nope", "x", "", 0); accounts.ErrorCode(err) != accounts.ENotFound {
			t.Errorf("an unknown role: %v", err)
		}
		users, total, err := svc.RoleUsers(ctx, r.ID, 1, 10)
		if err != nil || total != 1 || userEmails(users) != "jane" || strings.Join(users[0].Roles, ",") != "editor" {
			t.Errorf("RoleUsers = %q (%d), %v; want jane with the renamed role", userEmails(users), total, err)
		}
	})
}

func TestAdminDomains(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		blocked, spam := accounts.DomainBlocked, "spammer"
		d, err := svc.CreateDomain(ctx, " Spam.Example. ", accounts.DomainChange{Status: &blocked, SetCategory: true, Category: &spam})
		if err != nil || d.Domain != "spam.example" || d.TLD != "example" || d.Status != blocked || deref(d.Category) != "spammer" {
			t.Fatalf("CreateDomain = %+v, %v", d, err)
		}
		if _, err := svc.CreateDomain(ctx, "spam.example", accounts.DomainChange{}); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Errorf("a second create: %v, want invalid (exists)", err)
		}
		if _, err := svc.CreateDomain(ctx, "not a domain", accounts.DomainChange{}); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Errorf("a bad name: %v", err)
		}
		if _, err := svc.CreateDomain(ctx, "localhost", accounts.DomainChange{}); err != nil {
			t.Errorf("a single label: %v", err)
		}
		// Invenio's listener creates rows too; both kinds list.
		if err := db.EnsureDomain(ctx, "example.org", "org", time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		yes := true
		d, err = svc.UpdateDomain(ctx, "EXAMPLE.org", accounts.DomainChange{Flagged: &yes})
		if err != nil || !d.Flagged || d.Status != accounts.DomainNew || d.Category != nil {
			t.Errorf("flag = %+v, %v", d, err)
		}
		d, err = svc.UpdateDomain(ctx, "spam.example", accounts.DomainChange{SetCategory: true})
		if err != nil || d.Category != nil || d.Status != blocked {
			t.Errorf("clearing the category = %+v, %v; want the status kept", d, err)
		}
		bad := 9
		if _, err := svc.UpdateDomain(ctx, "spam.example", accounts.DomainChange{Status: &bad}); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Errorf("status 9: %v", err)
		}
		if _, err := svc.UpdateDomain(ctx, "nowhere.example", accounts.DomainChange{}); accounts.ErrorCode(err) != accounts.ENotFound {
			t.Errorf("an unknown domain: %v", err)
		}
		list, total, err := svc.Domains(ctx, accounts.DomainQuery{})
		if err != nil || total != 3 || list[0].Domain != "example.org" {
			t.Errorf("Domains = %+v (%d), %v", list, total, err)
		}
		list, total, _ = svc.Domains(ctx, accounts.DomainQuery{Status: blocked})
		if total != 1 || list[0].Domain != "spam.example" {
			t.Errorf("blocked domains = %+v", list)
		}
		list, total, _ = svc.Domains(ctx, accounts.DomainQuery{Flagged: &yes, Q: "EXAMPLE"})
		if total != 1 || list[0].Domain != "example.org" {
			t.Errorf("flagged *example* = %+v", list)
		}
		if cats, err := svc.DomainCategories(ctx); err != nil || strings.Join(cats, ",") != "spammer" {
			t.Errorf("categories = %v, %v", cats, err)
		}
	})
}

func TestDashboard(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2025, 3, 1, 23, 30, 0, 0, time.UTC)}
		svc := newService(t, db, accounts.Options{Now: clock.Now})
		jane := mustCreate(t, svc, "jane@example.org")
		clock.t = clock.t.AddDate(0, 0, 2) // 3 March
		bob := mustCreate(t, svc, "bob@example.org")
		mustCreate(t, svc, "carol@example.org")
		if _, _, err := svc.Block(ctx, accounts.UserRef(bob.Email)); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := svc.Audit(ctx, accounts.AuditEntry{Event: accounts.AuditLoginSucceeded, ActorID: jane.ID}); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range []string{"CH", "CH", "FR", ""} {
			a := &accounts.SessionActivity{SID: fmt.Sprintf("s%d_1", i), UserID: jane.ID, Created: clock.t, Updated: clock.t}
			if c != "" {
				a.Country = &c
			}
			if err := db.CreateSessionActivity(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		mustExec(t, db, `INSERT INTO accounts_go_user_totp (user_id, secret, last_step, created) VALUES ($1, 'v1.x', 0, $2)`,
			jane.ID, clock.t)
		d, err := svc.Dashboard(ctx, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Signups) != 30 || len(d.Logins) != 30 {
			t.Fatalf("%d sign-up days, %d login days; want 30", len(d.Signups), len(d.Logins))
		}
		last, twoBefore := d.Signups[29], d.Signups[27]
		if last.N != 2 || !last.Day.Equal(time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)) || twoBefore.N != 1 {
			t.Errorf("sign-ups end with %+v, %+v two days before; want 2 on 3 March and 1 on 1 March", last, twoBefore)
		}
		if d.Logins[29].N != 3 {
			t.Errorf("logins today = %d, want 3", d.Logins[29].N)
		}
		countries := fmt.Sprint(d.Sessions[accounts.ByCountry])
		if countries != "[{CH 2} { 1} {FR 1}]" || d.Active != 4 {
			t.Errorf("sessions by country = %s (active %d)", countries, d.Active)
		}
		if d.Counts != (accounts.UserCounts{Users: 3, Active: 2, Blocked: 1, Unconfirmed: 3, TwoFactor: 1}) {
			t.Errorf("counts = %+v", d.Counts)
		}
	})
}

// twoFactorSinces renders the TwoFactorSince of users as
// "name:HH:MM" or "name:-" (none), in order.
func twoFactorSinces(users []*accounts.User) string {
	var out []string
	for _, u := range users {
		since := "-"
		if u.TwoFactorSince != nil {
			since = u.TwoFactorSince.UTC().Format("15:04")
		}
		out = append(out, strings.TrimSuffix(u.Email, "@example.org")+":"+since)
	}
	return strings.Join(out, ",")
}

// TestAdminUsersTwoFactor: the administration's lists and user say when a
// user set up two-factor authentication, and filter on it.
func TestAdminUsersTwoFactor(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc, clock := twoFactorService(t, db) // 10:00
		ann := mustCreate(t, svc, "ann@example.org")
		ben := mustCreate(t, svc, "ben@example.org")
		cid := mustCreate(t, svc, "cid@example.org")
		dee := mustCreate(t, svc, "dee@example.org")
		enroll(t, svc, ben, clock.Now())
		clock.Advance(90 * time.Minute)
		enroll(t, svc, dee, clock.Now())
		r, _, err := svc.CreateRole(ctx, "curator", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []*accounts.User{ann, dee} {
			if _, _, err := svc.AddRole(ctx, accounts.UserRef(u.Email), "curator"); err != nil {
				t.Fatal(err)
			}
		}

		cases := []struct {
			q     accounts.AdminUserQuery
			want  string
			total int
		}{
			{accounts.AdminUserQuery{}, "ann:-,ben:10:00,cid:-,dee:11:30", 4},
			{accounts.AdminUserQuery{Size: 1, Page: 2}, "ben:10:00", 4},
			{accounts.AdminUserQuery{Filter: accounts.FilterTwoFactor}, "ben:10:00,dee:11:30", 2},
			{accounts.AdminUserQuery{Filter: accounts.FilterTwoFactor, Sort: "-id", Size: 1}, "dee:11:30", 2},
			{accounts.AdminUserQuery{Filter: accounts.FilterTwoFactor, Q: "BEN"}, "ben:10:00", 1},
			{accounts.AdminUserQuery{Filter: accounts.FilterTwoFactor, Q: "ann"}, "", 0},
			{accounts.AdminUserQuery{Filter: accounts.FilterNoTwoFactor}, "ann:-,cid:-", 2},
			{accounts.AdminUserQuery{Filter: accounts.FilterNoTwoFactor, Q: fmt.Sprint(cid.ID)}, "cid:-", 1},
		}
		for _, c := range cases {
			got, total, err := svc.AdminUsers(ctx, c.q)
			if err != nil || twoFactorSinces(got) != c.want || total != c.total {
				t.Errorf("AdminUsers(%+v) = %q (total %d), %v; want %q (total %d)", c.q, twoFactorSinces(got), total, err, c.want, c.total)
			}
		}

		members, total, err := svc.RoleUsers(ctx, r.ID, 1, 10)
		if err != nil || total != 2 || twoFactorSinces(members) != "ann:-,dee:11:30" {
			t.Errorf("RoleUsers = %q (%d), %v; want ann without and dee with two-factor", twoFactorSinces(members), total, err)
		}
		for _, wt := range []bool{false, true} {
			users, _, err := svc.ListUsers(ctx, accounts.UserQuery{WithTwoFactor: wt})
			want := "ann:-,ben:-,cid:-,dee:-"
			if wt {
				want = "ann:-,ben:10:00,cid:-,dee:11:30"
			}
			if err != nil || twoFactorSinces(users) != want {
				t.Errorf("ListUsers(WithTwoFactor: %v) = %q, %v; want %q", wt, twoFactorSinces(users), err, want)
			}
		}

		u, err := svc.AdminUser(ctx, dee.ID)
		if err != nil || u.TwoFactorSince == nil || !u.TwoFactorSince.Equal(clock.Now()) {
			t.Errorf("AdminUser(dee).TwoFactorSince = %v, %v; want %v", u.TwoFactorSince, err, clock.Now())
		}
		if _, err := svc.DisableTOTP(ctx, dee.ID); err != nil {
			t.Fatal(err)
		}
		if u, err := svc.AdminUser(ctx, dee.ID); err != nil || u.TwoFactorSince != nil {
			t.Errorf("AdminUser(dee) after disabling: TwoFactorSince = %v, %v; want nil", u.TwoFactorSince, err)
		}
		if u, err := svc.AdminUser(ctx, ann.ID); err != nil || u.TwoFactorSince != nil {
			t.Errorf("AdminUser(ann).TwoFactorSince = %v, %v; want nil", u.TwoFactorSince, err)
		}
	})
}
