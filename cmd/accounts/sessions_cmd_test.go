package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

func TestSessionsAndTasksCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cli.db")
	c := newCLI(t, "sqlite:///"+path)
	runSteps(t, c, []step{{args: args("users create ann@example.org --password gl4cier-Fox1 -a"), stdout: "User created successfully."}})
	db, err := sqlstore.Open(context.Background(), sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	for i, created := range []time.Time{now, now, now.AddDate(0, -2, 0)} {
		sid := []string{"aaaa_1", "bbbb_2", "cccc_3"}[i]
		if err := db.CreateSessionActivity(context.Background(), &accounts.SessionActivity{SID: sid, UserID: 1, Created: created, Updated: created}); err != nil {
			t.Fatal(err)
		}
	}
	runSteps(t, c, []step{
		{args: args("sessions list ann@example.org"), stdout: "aaaa_1"},
		{args: args("sessions list nobody@example.org"), code: 2, stderr: "ERROR: User not found."},
		{args: args("sessions revoke aaaa_1"), stdout: "Session aaaa_1 revoked."},
		{args: args("sessions revoke aaaa_1"), code: 2, stderr: `No session "aaaa_1".`},
		{args: args("sessions revoke"), code: 2, stderr: "Give a session ID, --user USER or --all (one of them)."},
		{args: args("sessions revoke bbbb_2 --all"), code: 2, stderr: "Give a session ID, --user USER or --all (one of them)."},
		{args: args("sessions revoke --all --user 1"), code: 2, stderr: "Give a session ID, --user USER or --all (one of them)."},
		{args: args("tasks clean-sessions --batch-size 1"), stdout: "clean-sessions: 1 rows in 2 batches"},
		{args: args("tasks delete-ips"), stdout: "delete-ips: 0 rows"},
		{args: args("tasks update-domain-status"), stdout: "update-domain-status: 0 rows"},
		{args: args("tasks nope"), code: 2, stderr: `No such command "nope".`},
		{args: args("sessions revoke --user 1"), stdout: `1 sessions of user "1" revoked.`},
		{args: args("sessions list 1"), stdout: "ID"},
	})
	if rows, _ := db.UserSessionActivities(context.Background(), 1); len(rows) != 0 {
		t.Errorf("%d session rows left", len(rows))
	}
	for _, sid := range []string{"dddd_4", "eeee_5"} {
		if err := db.CreateSessionActivity(context.Background(), &accounts.SessionActivity{SID: sid, UserID: 1, Created: now, Updated: now}); err != nil {
			t.Fatal(err)
		}
	}
	runSteps(t, c, []step{
		{args: args("sessions revoke --all"), stdout: "All sessions revoked: 2 session rows deleted;"},
		{args: args("sessions revoke --all"), stdout: "All sessions revoked: 0 session rows deleted;"},
	})
	if n, _ := db.CountSessionActivities(context.Background()); n != 0 {
		t.Errorf("%d session rows left after revoke --all", n)
	}
}
