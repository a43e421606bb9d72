package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/password"
	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/sqlstore/sqltest"
	"github.com/invenio-go/accounts/internal/totp"
)

// TestUsersResetTwoFactor: the command removes a user's authenticator (an
// admin who lost the device and the recovery codes has no other way back)
// and records it in the audit log.
func TestUsersResetTwoFactor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cli.db")
	c := newCLI(t, "sqlite:///"+path)
	runSteps(t, c, []step{
		{args: args("users create admin@example.org --password gl4cier-Fox1 -a"), stdout: "User created successfully."},
		{args: args("users reset-two-factor admin@example.org"), stdout: `User "admin@example.org" has no two-factor authentication.`},
	})

	ctx := context.Background()
	svc, u := enrollUser(t, sqlstore.SQLite, path, "admin@example.org")

	runSteps(t, c, []step{
		{args: args("users reset-two-factor nobody@example.org"), code: 2, stderr: "ERROR: User not found."},
		{args: args("users reset-two-factor admin@example.org --reason lost-phone"), stdout: `Two-factor authentication of user "admin@example.org" has been reset.`},
	})
	if on, err := svc.HasTwoFactor(ctx, u.ID); err != nil || on {
		t.Fatalf("HasTwoFactor after the command = %v, %v", on, err)
	}
	entries, _, err := svc.AuditLog(ctx, accounts.AuditQuery{Event: accounts.AuditTwoFactorDisabled})
	if err != nil || len(entries) != 1 || entries[0].TargetID != u.ID || entries[0].Reason != "lost-phone" {
		t.Fatalf("audit = %+v, %v", entries, err)
	}
}

// enrollUser gives the user an authenticator, through a service of its own
// on the command line's database.
func enrollUser(t *testing.T, driver, dsn, email string) (*accounts.Service, *accounts.User) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, err := password.New(password.Policy{Salt: []byte(testSecret), Rounds: 1000})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := totp.NewSealer([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := accounts.NewService(db, h, accounts.Options{Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.FindUser(ctx, accounts.UserRef(email))
	if err != nil {
		t.Fatal(err)
	}
	setup, err := svc.NewTOTPSetup(u, "Test")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.Code(setup.Secret, totp.Step(time.Now()))
	if _, err := svc.EnableTOTP(ctx, u, setup.Sealed, code); err != nil {
		t.Fatal(err)
	}
	return svc, u
}

// TestUsersListTwoFactor: `users list --json` says since when each user has
// two-factor authentication (null: not set up).
func TestUsersListTwoFactor(t *testing.T) {
	for _, db := range []struct {
		name  string
		open  func(t *testing.T) (driver, dsn, uri string)
		steps []step
	}{
		{"sqlite", func(t *testing.T) (string, string, string) {
			path := filepath.Join(t.TempDir(), "cli.db")
			return sqlstore.SQLite, path, "sqlite:///" + path
		}, nil},
		{"postgres", func(t *testing.T) (string, string, string) {
			dsn := sqltest.NewPostgresDatabase(t)
			return sqlstore.Postgres, dsn, dsn
		}, []step{{args: args("migrate"), stdout: "Applied"}}},
	} {
		t.Run(db.name, func(t *testing.T) {
			driver, dsn, uri := db.open(t)
			testUsersListTwoFactor(t, newCLI(t, uri), db.steps, func() { enrollUser(t, driver, dsn, "jane@example.org") })
		})
	}
}

func testUsersListTwoFactor(t *testing.T, c *cli, setup []step, enrollJane func()) {
	t.Helper()
	runSteps(t, c, append(setup,
		step{args: args("users create jane@example.org --password gl4cier-Fox1 -a"), stdout: "User created successfully."},
		step{args: args("users create bob@example.org --password gl4cier-Fox1 -a"), stdout: "User created successfully."},
	))
	before := time.Now().Add(-time.Second)
	enrollJane()
	after := time.Now().Add(time.Second)

	list := func() map[string]*time.Time {
		t.Helper()
		r := c.run("", "users", "list", "--json")
		var out struct {
			Hits []struct {
				Email          string
				TwoFactorSince *time.Time `json:"two_factor_since"`
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
			t.Fatalf("users list --json: %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, `"two_factor_since": null`) {
			t.Errorf("users list --json shows no null two_factor_since:\n%s", r.stdout)
		}
		got := map[string]*time.Time{}
		for _, h := range out.Hits {
			got[h.Email] = h.TwoFactorSince
		}
		return got
	}
	got := list()
	if at := got["jane@example.org"]; at == nil || at.Before(before) || at.After(after) {
		t.Errorf("jane's two_factor_since = %v, want the enrollment time", at)
	}
	if at := got["bob@example.org"]; at != nil {
		t.Errorf("bob's two_factor_since = %v, want null", at)
	}
	runSteps(t, c, []step{{args: args("users reset-two-factor jane@example.org"), stdout: "has been reset."}})
	if at := list()["jane@example.org"]; at != nil {
		t.Errorf("jane's two_factor_since after the reset = %v, want null", at)
	}
}
