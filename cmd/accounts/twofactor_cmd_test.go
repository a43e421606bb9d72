package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/password"
	"github.com/invenio-go/accounts/internal/sqlstore"
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
	db, err := sqlstore.Open(ctx, sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
	u, err := svc.FindUser(ctx, accounts.UserRef("admin@example.org"))
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
