package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

// auditEvents returns the events of entries, in order.
func auditEvents(entries []accounts.AuditEntry) string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Event)
	}
	return strings.Join(out, ",")
}

func TestAuditLog(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
		svc := newService(t, db, accounts.Options{Now: clock.Now})
		add := func(e accounts.AuditEntry) {
			t.Helper()
			if err := svc.Audit(ctx, e); err != nil {
				t.Fatalf("audit %s: %v", e.Event, err)
			}
			clock.t = clock.t.Add(time.Minute)
		}
		add(accounts.AuditEntry{Event: accounts.AuditLoginFailed, TargetEmail: "jane@example.org", IP: "192.0.2.1"})
		add(accounts.AuditEntry{Event: accounts.AuditLoginSucceeded, ActorID: 7, ActorEmail: "jane@example.org",
			TargetID: 7, TargetEmail: "jane@example.org", IP: "192.0.2.1"})
		add(accounts.AuditEntry{Event: accounts.AuditUserBlocked, ActorID: 1, ActorEmail: "admin@example.org",
			TargetID: 7, TargetEmail: "jane@example.org", Reason: "  spam " + strings.Repeat("x", 2000)})
		add(accounts.AuditEntry{Event: accounts.AuditRoleCreated, ActorID: 1, Object: "curators"})
		if err := svc.Audit(ctx, accounts.AuditEntry{Event: "made.up"}); accounts.ErrorCode(err) != accounts.EInvalid {
			t.Errorf("an unknown event: %v, want invalid", err)
		}

		cases := []struct {
			name  string
			q     accounts.AuditQuery
			want  string
			total int
		}{
			{"all, newest first", accounts.AuditQuery{}, "role.created,user.blocked,login.succeeded,login.failed", 4},
			{"event", accounts.AuditQuery{Event: accounts.AuditUserBlocked}, "user.blocked", 1},
			{"event prefix", accounts.AuditQuery{Event: "login."}, "login.succeeded,login.failed", 2},
			{"user as actor or target", accounts.AuditQuery{UserID: 7}, "user.blocked,login.succeeded", 2},
			{"actor", accounts.AuditQuery{ActorID: 1}, "role.created,user.blocked", 2},
			{"target", accounts.AuditQuery{TargetID: 7}, "user.blocked,login.succeeded", 2},
			{"since", accounts.AuditQuery{Since: time.Date(2025, 3, 1, 12, 2, 0, 0, time.UTC)}, "role.created,user.blocked", 2},
			{"until", accounts.AuditQuery{Until: time.Date(2025, 3, 1, 12, 1, 0, 0, time.UTC)}, "login.failed", 1},
			{"page 2 of size 3", accounts.AuditQuery{Page: 2, Size: 3}, "login.failed", 4},
		}
		for _, c := range cases {
			got, total, err := svc.AuditLog(ctx, c.q)
			if err != nil || auditEvents(got) != c.want || total != c.total {
				t.Errorf("%s: %q (total %d), %v; want %q (total %d)", c.name, auditEvents(got), total, err, c.want, c.total)
			}
		}
		for _, q := range []accounts.AuditQuery{{Event: "nope"}, {Event: "nope."}, {Size: 101}, {Page: -1}} {
			if _, _, err := svc.AuditLog(ctx, q); accounts.ErrorCode(err) != accounts.EInvalid {
				t.Errorf("AuditLog(%+v) = %v, want invalid", q, err)
			}
		}

		got, _, _ := svc.AuditLog(ctx, accounts.AuditQuery{Event: accounts.AuditUserBlocked})
		e := got[0]
		if len([]rune(e.Reason)) != accounts.AuditReasonMax || !strings.HasPrefix(e.Reason, "spam x") {
			t.Errorf("reason stored as %.20q… (%d characters), want trimmed and cut to %d", e.Reason, len(e.Reason), accounts.AuditReasonMax)
		}
		if e.ActorID != 1 || e.ActorEmail != "admin@example.org" || e.TargetID != 7 || e.IP != "" || e.Object != "" ||
			!e.Created.Equal(time.Date(2025, 3, 1, 12, 2, 0, 0, time.UTC)) {
			t.Errorf("entry read back as %+v", e)
		}
	})
}

func TestPruneAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clock := &testClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		svc := newService(t, db, accounts.Options{Now: clock.Now})
		for _, age := range []time.Duration{400 * 24 * time.Hour, 40 * 24 * time.Hour, time.Hour} {
			clock.t = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).Add(-age)
			if err := svc.Audit(ctx, accounts.AuditEntry{Event: accounts.AuditLogout, ActorID: 3, IP: "192.0.2.9"}); err != nil {
				t.Fatal(err)
			}
		}
		clock.t = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		n, err := svc.PruneAudit(ctx, 365*24*time.Hour, 30*24*time.Hour)
		if err != nil || n != 2 {
			t.Fatalf("PruneAudit = %d, %v; want 2 (one deleted, one IP forgotten)", n, err)
		}
		got, total, _ := svc.AuditLog(ctx, accounts.AuditQuery{})
		if total != 2 || got[0].IP != "192.0.2.9" || got[1].IP != "" {
			t.Errorf("after pruning: %+v", got)
		}
		if n, err := svc.PruneAudit(ctx, 0, 0); n != 0 || err != nil {
			t.Errorf("PruneAudit with no retention = %d, %v; want nothing done", n, err)
		}
	})
}

// testClock is a settable clock for the service.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time { return c.t }
