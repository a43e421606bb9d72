package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/password"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

const testSalt = "contract-test-salt"

// newService returns a service over db with cheap hashes (the rounds policy
// itself is tested in internal/password).
func newService(t testing.TB, db *sqlstore.DB, opts accounts.Options) *accounts.Service {
	t.Helper()
	h, err := password.New(password.Policy{Salt: []byte(testSalt), Rounds: 1000})
	if err != nil {
		t.Fatal(err)
	}
	opts.Trackable = true
	opts.LoginWithoutConfirmation = true
	svc, err := accounts.NewService(db, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func mustCreate(t testing.TB, svc *accounts.Service, email string) *accounts.User {
	t.Helper()
	u, err := svc.CreateUser(context.Background(), accounts.NewUser{Email: email, Password: "correct horse", Active: true})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func TestCreateUserRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{DefaultUsersVerified: true})
		in := accounts.NewUser{Email: "  Jane.Doe@Example.ORG ", Password: "κωδικός-12", Active: true,
			Confirmed: true, Username: "Jane_Doe", Profile: json.RawMessage(`{"full_name":"Jane Doe"}`)}
		u, err := svc.CreateUser(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, got, cmp.Comparer(jsonEqual)); diff != "" {
			t.Errorf("stored user differs (-created +read):\n%s", diff)
		}
		checks := []struct{ name, got, want string }{
			{"email", got.Email, "jane.doe@example.org"},
			{"domain", deref(got.Domain), "example.org"},
			{"username", deref(got.Username), "jane_doe"},
			{"displayname", deref(got.DisplayName), "Jane_Doe"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
			}
		}
		if got.VersionID != 1 || got.VerifiedAt == nil || got.ConfirmedAt == nil || !got.Active {
			t.Errorf("version %d verified %v confirmed %v active %v", got.VersionID, got.VerifiedAt, got.ConfirmedAt, got.Active)
		}
		var prefs map[string]string
		if err := json.Unmarshal(got.Preferences, &prefs); err != nil || prefs["visibility"] != "restricted" ||
			prefs["timezone"] != "Europe/Zurich" {
			t.Errorf("preferences = %s (%v)", got.Preferences, err)
		}
		if !strings.HasPrefix(deref(got.Password), "$pbkdf2-sha512$1000$") {
			t.Errorf("password hash = %q", deref(got.Password))
		}
	})
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return cmp.Equal(x, y)
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestCreateUserRejectsBadInput(t *testing.T) {
	long := strings.Repeat("a", 250) + "@example.org"
	cases := []struct {
		name  string
		in    accounts.NewUser
		field string
	}{
		{"no email", accounts.NewUser{Password: "password1"}, "email"},
		{"space in email", accounts.NewUser{Email: "a b@example.org", Password: "password1"}, "email"},
		{"CRLF in email", accounts.NewUser{Email: "a@example.org\r\nBcc: x@evil.org", Password: "password1"}, "email"},
		{"over 254 octets", accounts.NewUser{Email: long, Password: "password1"}, "email"},
		{"no domain", accounts.NewUser{Email: "alice@", Password: "password1"}, "email"},
		{"single-label domain", accounts.NewUser{Email: "alice@localhost", Password: "password1"}, "email"},
		{"NUL in email", accounts.NewUser{Email: "al\x00ice@example.org", Password: "password1"}, "email"},
		{"no password", accounts.NewUser{Email: "a@example.org"}, "password"},
		{"short password", accounts.NewUser{Email: "a@example.org", Password: "1234567"}, "password"},
		{"long password", accounts.NewUser{Email: "a@example.org", Password: strings.Repeat("x", 129)}, "password"},
		{"NUL in password", accounts.NewUser{Email: "a@example.org", Password: "password\x001"}, "password"},
		{"bad username", accounts.NewUser{Email: "a@example.org", Password: "password1", Username: "1abc"}, "username"},
		{"unknown profile key", accounts.NewUser{Email: "a@example.org", Password: "password1",
			Profile: json.RawMessage(`{"evil":"x"}`)}, "profile"},
		{"profile not JSON", accounts.NewUser{Email: "a@example.org", Password: "password1",
			Profile: json.RawMessage(`{`)}, "profile"},
	}
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		svc := newService(t, db, accounts.Options{})
		for _, c := range cases {
			_, err := svc.CreateUser(context.Background(), c.in)
			if accounts.ErrorCode(err) != accounts.EInvalid || accounts.ErrorFields(err)[c.field] == "" {
				t.Errorf("%s: err = %v, want invalid on field %q", c.name, err, c.field)
			}
		}
		_, total, err := svc.ListUsers(context.Background(), accounts.UserQuery{})
		if err != nil || total != 0 {
			t.Errorf("after rejected input: %d users (%v), want 0", total, err)
		}
	})
}

func TestDuplicateEmailAndUsername(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		if _, err := svc.CreateUser(ctx, accounts.NewUser{Email: "dup@example.org", Password: "password1", Username: "Dupe"}); err != nil {
			t.Fatal(err)
		}
		_, err := svc.CreateUser(ctx, accounts.NewUser{Email: "DUP@example.org", Password: "password1"})
		if accounts.ErrorFields(err)["email"] != "dup@example.org is already associated with an account." {
			t.Errorf("duplicate email: %v", err)
		}
		_, err = svc.CreateUser(ctx, accounts.NewUser{Email: "other@example.org", Password: "password1", Username: "dUPE"})
		if accounts.ErrorCode(err) != accounts.EConflict && accounts.ErrorFields(err)["username"] == "" {
			t.Errorf("duplicate username: %v", err)
		}
	})
}

func TestFindUserByEmailOrID(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "finder@example.org")
		// A legacy row stored before Invenio lower-cased addresses.
		mustExec(t, db, `INSERT INTO accounts_user (email, active, created, updated, version_id)
			VALUES ('Legacy.Mixed@CERN.ch', true, $1, $1, 1)`, time.Now().UTC())
		for _, ref := range []string{"finder@example.org", "FINDER@Example.org", " finder@example.org "} {
			got, err := svc.FindUser(ctx, accounts.UserRef(ref))
			if err != nil || got.ID != u.ID {
				t.Errorf("FindUser(%q) = %v, %v", ref, got, err)
			}
		}
		if got, err := svc.FindUser(ctx, accounts.UserRef("legacy.mixed@cern.ch")); err != nil || got.Email != "Legacy.Mixed@CERN.ch" {
			t.Errorf("legacy mixed-case row: %v, %v", got, err)
		}
		if got, err := svc.FindUser(ctx, accounts.UserRef(strconvI(u.ID))); err != nil || got.ID != u.ID {
			t.Errorf("by id: %v, %v", got, err)
		}
		for _, ref := range []string{"nobody@example.org", "999999", "", "-1"} {
			if _, err := svc.FindUser(ctx, accounts.UserRef(ref)); accounts.ErrorCode(err) != accounts.ENotFound ||
				accounts.ErrorMessage(err) != accounts.MsgUserNotFound {
				t.Errorf("FindUser(%q) err = %v, want %q", ref, err, accounts.MsgUserNotFound)
			}
		}
	})
}

func strconvI(id int64) string { return strings.TrimSpace(jsonString(id)) }

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestStateChanges(t *testing.T) {
	type state struct {
		Active, Blocked, Verified, Confirmed bool
	}
	type op func(*accounts.Service, context.Context, accounts.UserRef) (*accounts.User, bool, error)
	cases := []struct {
		name        string
		op          op
		from        state
		want        state
		changed     bool
		endSessions bool
	}{
		{"activate inactive", (*accounts.Service).Activate, state{}, state{Active: true, Confirmed: true}, true, false},
		{"activate active", (*accounts.Service).Activate, state{Active: true, Confirmed: true}, state{Active: true, Confirmed: true}, false, false},
		{"deactivate", (*accounts.Service).Deactivate, state{Active: true, Verified: true}, state{}, true, true},
		{"deactivate inactive", (*accounts.Service).Deactivate, state{}, state{}, false, false},
		{"block", (*accounts.Service).Block, state{Active: true, Verified: true}, state{Blocked: true}, true, true},
		{"verify blocked", (*accounts.Service).Verify, state{Blocked: true}, state{Active: true, Verified: true, Confirmed: true}, true, false},
		{"restore", (*accounts.Service).Restore, state{Blocked: true}, state{Active: true}, true, false},
	}
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		for i, c := range cases {
			u := mustCreate(t, svc, "state"+strconvI(int64(i))+"@example.org")
			mustExec(t, db, `UPDATE accounts_user SET active = $1, blocked_at = $2, verified_at = $3, confirmed_at = $4 WHERE id = $5`,
				c.from.Active, timeIf(c.from.Blocked), timeIf(c.from.Verified), timeIf(c.from.Confirmed), u.ID)
			mustExec(t, db, `INSERT INTO accounts_user_session_activity (created, updated, sid_s, user_id) VALUES ($1, $1, $2, $3)`,
				time.Now().UTC(), "abc_"+strconvI(int64(i)), u.ID)
			_, changed, err := c.op(svc, ctx, accounts.UserRef(u.Email))
			if err != nil || changed != c.changed {
				t.Errorf("%s: changed = %v, err = %v; want %v", c.name, changed, err, c.changed)
				continue
			}
			got, _ := db.UserByID(ctx, u.ID)
			st := state{got.Active, got.BlockedAt != nil, got.VerifiedAt != nil, got.ConfirmedAt != nil}
			if st != c.want {
				t.Errorf("%s: state %+v, want %+v", c.name, st, c.want)
			}
			if wantV := int64(1) + b2i(c.changed); got.VersionID != wantV {
				t.Errorf("%s: version_id %d, want %d", c.name, got.VersionID, wantV)
			}
			var rows int
			db.SQL().QueryRow(`SELECT count(*) FROM accounts_user_session_activity WHERE user_id = $1`, u.ID).Scan(&rows)
			if (rows == 0) != c.endSessions {
				t.Errorf("%s: %d session rows left, endSessions = %v", c.name, rows, c.endSessions)
			}
		}
	})
}

func timeIf(b bool) any {
	if b {
		return time.Now().UTC()
	}
	return nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func TestStaleVersionIsConflict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "stale@example.org")
		// A Python process updated the row meanwhile.
		mustExec(t, db, `UPDATE accounts_user SET version_id = version_id + 1 WHERE id = $1`, u.ID)
		u.Active = false
		_, err := db.UpdateUser(ctx, u, false)
		if accounts.ErrorCode(err) != accounts.EConflict {
			t.Fatalf("stale update: %v, want conflict", err)
		}
		// The service reloads and retries.
		if _, changed, err := svc.Deactivate(ctx, accounts.UserRef(u.Email)); err != nil || !changed {
			t.Fatalf("deactivate after concurrent write: %v %v", changed, err)
		}
	})
}

func TestConcurrentStateChangesKeepEveryUpdate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "race@example.org")
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := svc.Verify(ctx, accounts.UserRef(u.Email)); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent verify: %v", err)
		}
		got, _ := db.UserByID(ctx, u.ID)
		if got.VersionID != 9 {
			t.Errorf("version_id = %d after 8 updates, want 9", got.VersionID)
		}
	})
}

func TestRoles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "roles@example.org")
		if _, created, err := svc.CreateRole(ctx, "admin", "Administrators"); err != nil || !created {
			t.Fatalf("create role: %v %v", created, err)
		}
		if r, created, err := svc.CreateRole(ctx, "admin", "again"); err != nil || created || r.Description != "Administrators" {
			t.Errorf("second create: %+v %v %v", r, created, err)
		}
		if _, _, err := svc.AddRole(ctx, accounts.UserRef(u.Email), "admin"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.AddRole(ctx, accounts.UserRef(u.Email), "admin"); accounts.ErrorCode(err) != accounts.EConflict {
			t.Errorf("second add: %v, want conflict", err)
		}
		if _, _, err := svc.AddRole(ctx, accounts.UserRef(u.Email), "nope"); accounts.ErrorCode(err) != accounts.ENotFound {
			t.Errorf("unknown role: %v", err)
		}
		var links int
		db.SQL().QueryRow(`SELECT count(*) FROM accounts_userrole WHERE user_id = $1`, u.ID).Scan(&links)
		if links != 1 {
			t.Errorf("%d accounts_userrole rows, want 1", links)
		}
		users, _, err := svc.ListUsers(ctx, accounts.UserQuery{WithRole: true})
		if err != nil || len(users) != 1 || !cmp.Equal(users[0].Roles, []string{"admin"}) {
			t.Errorf("ListUsers roles = %v, %v", users, err)
		}
		if _, _, err := svc.RemoveRole(ctx, accounts.UserRef(u.Email), "admin"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.RemoveRole(ctx, accounts.UserRef(u.Email), "admin"); accounts.ErrorMessage(err) != "Cannot remove role from user." {
			t.Errorf("second remove: %v", err)
		}
	})
}

func TestConcurrentAddRoleMakesOneRow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "racerole@example.org")
		if _, _, err := svc.CreateRole(ctx, "curator", ""); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := svc.AddRole(ctx, accounts.UserRef(u.Email), "curator")
				if err != nil && accounts.ErrorCode(err) != accounts.EConflict {
					t.Errorf("add role: %v", err)
				}
			}()
		}
		wg.Wait()
		var links int
		db.SQL().QueryRow(`SELECT count(*) FROM accounts_userrole WHERE user_id = $1`, u.ID).Scan(&links)
		if links != 1 {
			t.Errorf("%d rows after concurrent adds, want 1", links)
		}
	})
}

func TestListUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		for _, e := range []string{"ann@example.org", "bob@example.org", "bo_b@example.org", "carl@other.org"} {
			mustCreate(t, svc, e)
		}
		if _, _, err := svc.Block(ctx, "carl@other.org"); err != nil {
			t.Fatal(err)
		}
		yes, no := true, false
		cases := []struct {
			q    accounts.UserQuery
			want []string
			tot  int
		}{
			{accounts.UserQuery{}, []string{"ann@example.org", "bob@example.org", "bo_b@example.org", "carl@other.org"}, 4},
			{accounts.UserQuery{Q: "BOB"}, []string{"bob@example.org"}, 1},
			{accounts.UserQuery{Q: "o_b"}, []string{"bo_b@example.org"}, 1}, // "_" is not a wildcard
			{accounts.UserQuery{Q: "1"}, []string{"ann@example.org"}, 1},
			{accounts.UserQuery{Blocked: &yes}, []string{"carl@other.org"}, 1},
			{accounts.UserQuery{Active: &no}, []string{"carl@other.org"}, 1},
			{accounts.UserQuery{Size: 2, Page: 2}, []string{"bo_b@example.org", "carl@other.org"}, 4},
			{accounts.UserQuery{Q: "%"}, nil, 0},
		}
		for _, c := range cases {
			users, total, err := svc.ListUsers(ctx, c.q)
			var got []string
			for _, u := range users {
				got = append(got, u.Email)
			}
			if err != nil || total != c.tot || !cmp.Equal(got, c.want) {
				t.Errorf("ListUsers(%+v) = %v (total %d, %v), want %v (total %d)", c.q, got, total, err, c.want, c.tot)
			}
		}
	})
}

func TestAuthenticateAndTracking(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "login@example.org")
		for _, bad := range []accounts.LoginAttempt{
			{Email: "login@example.org", Password: "wrong password"},
			{Email: "nobody@example.org", Password: "correct horse"},
		} {
			_, err := svc.Authenticate(ctx, bad)
			if accounts.ErrorCode(err) != accounts.EUnauthorized || accounts.ErrorMessage(err) != accounts.MsgInvalidCredentials {
				t.Errorf("Authenticate(%s) = %v, want %q", bad.Email, err, accounts.MsgInvalidCredentials)
			}
		}
		first, err := svc.Authenticate(ctx, accounts.LoginAttempt{Email: "LOGIN@example.org", Password: "correct horse", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, accounts.LoginAttempt{Email: "login@example.org", Password: "correct horse", IP: "untrackable"}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.UserByID(ctx, u.ID)
		l := got.Login
		if l.LoginCount != 2 || deref(l.LastLoginIP) != "192.0.2.1" || l.CurrentLoginIP != nil ||
			!l.LastLoginAt.Equal(*first.Login.CurrentLoginAt) {
			t.Errorf("login info after two logins: count %d last ip %s current ip %s", l.LoginCount, deref(l.LastLoginIP), deref(l.CurrentLoginIP))
		}
		if _, _, err := svc.Block(ctx, accounts.UserRef(u.Email)); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Authenticate(ctx, accounts.LoginAttempt{Email: "login@example.org", Password: "correct horse"})
		if accounts.ErrorMessage(err) != accounts.MsgDisabledAccount {
			t.Errorf("blocked login: %v", err)
		}
		_, err = svc.Authenticate(ctx, accounts.LoginAttempt{Email: "login@example.org", Password: "wrong password"})
		if accounts.ErrorMessage(err) != accounts.MsgInvalidCredentials {
			t.Errorf("blocked login with a wrong password must not reveal the state: %v", err)
		}
	})
}

func TestAuthenticateUpgradesWeakHashes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "upgrade@example.org")
		aes, err := password.InvenioAES("Upgrade@Example.org", "legacy secret")
		if err != nil {
			t.Fatal(err)
		}
		weak := password.PBKDF2SHA512(password.PreHash([]byte(testSalt), "few rounds"), []byte("0123456789abcdef"), 10)
		for _, c := range []struct{ stored, pw string }{{aes, "legacy secret"}, {weak, "few rounds"}} {
			mustExec(t, db, `UPDATE accounts_user SET password = $1 WHERE id = $2`, c.stored, u.ID)
			before, _ := db.UserByID(ctx, u.ID)
			if _, err := svc.Authenticate(ctx, accounts.LoginAttempt{Email: u.Email, Password: c.pw}); err != nil {
				t.Fatalf("login with %.20s: %v", c.stored, err)
			}
			after, _ := db.UserByID(ctx, u.ID)
			if !strings.HasPrefix(deref(after.Password), "$pbkdf2-sha512$1000$") || after.VersionID != before.VersionID+1 {
				t.Errorf("hash after login = %.30s (version %d→%d), want an upgraded pbkdf2 hash", deref(after.Password), before.VersionID, after.VersionID)
			}
			if _, err := svc.Authenticate(ctx, accounts.LoginAttempt{Email: u.Email, Password: c.pw}); err != nil {
				t.Errorf("login with the upgraded hash: %v", err)
			}
		}
	})
}

func TestMalformedStoredHashIsInvalidPassword(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "broken@example.org")
		for _, stored := range []string{"$pbkdf2-sha512$x$y$z", "plaintext", "$2b$12$abc", "$invenio-aes$a@b.c$zz"} {
			mustExec(t, db, `UPDATE accounts_user SET password = $1 WHERE id = $2`, stored, u.ID)
			_, err := svc.Authenticate(ctx, accounts.LoginAttempt{Email: u.Email, Password: "correct horse"})
			if accounts.ErrorCode(err) != accounts.EUnauthorized {
				t.Errorf("stored %q: %v, want invalid credentials", stored, err)
			}
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		applied, err := db.Migrate(context.Background())
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate applied %v, %v", applied, err)
		}
		var n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM accounts_go_migrations`).Scan(&n); err != nil || n == 0 {
			t.Errorf("accounts_go_migrations has %d rows (%v)", n, err)
		}
		if err := db.SQL().QueryRow(`SELECT count(*) FROM alembic_version`).Scan(&n); err == nil {
			t.Errorf("migrate created alembic_version")
		}
	})
}

func TestUnknownDriver(t *testing.T) {
	_, err := sqlstore.Open(context.Background(), "mysql", "x")
	if err == nil || !strings.Contains(err.Error(), "unknown driver") {
		t.Errorf("Open(mysql) = %v", err)
	}
	var e *accounts.Error
	if errors.As(err, &e) {
		t.Errorf("driver errors are not domain errors: %v", e)
	}
}
