package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/sqlstore"
)

func TestSessionActivity(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		svc := newService(t, db, accounts.Options{})
		u := mustCreate(t, svc, "activity@example.org")
		other := mustCreate(t, svc, "other@example.org")
		now := time.Now().UTC().Truncate(time.Second)
		longUA := strings.Repeat("Ä", 200)
		rows := []accounts.SessionActivity{
			{SID: "aa_1", UserID: u.ID, Created: now.Add(-time.Hour), Updated: now, IP: ptr("192.0.2.1"),
				Country: ptr("CH"), Browser: ptr("Firefox"), BrowserVersion: ptr("43"), OS: ptr("Linux"), Device: ptr("Other")},
			{SID: "bb_2", UserID: u.ID, Created: now, Updated: now, Browser: &longUA},
			{SID: "cc_3", UserID: other.ID, Created: now, Updated: now},
		}
		for i := range rows {
			if err := db.CreateSessionActivity(ctx, &rows[i]); err != nil {
				t.Fatalf("create %s: %v", rows[i].SID, err)
			}
		}
		if err := db.CreateSessionActivity(ctx, &rows[0]); accounts.ErrorCode(err) != accounts.EConflict {
			t.Errorf("duplicate sid: %v, want conflict", err)
		}
		got, err := db.UserSessionActivities(ctx, u.ID)
		if err != nil || len(got) != 2 || got[0].SID != "bb_2" || got[1].SID != "aa_1" {
			t.Fatalf("user sessions = %+v, %v; want bb_2 then aa_1", got, err)
		}
		if b := *got[0].Browser; len([]rune(b)) != 80 {
			t.Errorf("long browser stored as %d runes, want clipped to 80", len([]rune(b)))
		}
		one, err := db.SessionActivity(ctx, "aa_1")
		if err != nil || *one.Country != "CH" || !one.Created.Equal(now.Add(-time.Hour)) {
			t.Errorf("SessionActivity(aa_1) = %+v, %v", one, err)
		}
		if deleted, err := db.DeleteSessionActivity(ctx, "aa_1"); !deleted || err != nil {
			t.Errorf("delete: %v %v", deleted, err)
		}
		if deleted, err := db.DeleteSessionActivity(ctx, "aa_1"); deleted || err != nil {
			t.Errorf("second delete: %v %v", deleted, err)
		}
		if _, err := db.SessionActivity(ctx, "aa_1"); accounts.ErrorCode(err) != accounts.ENotFound {
			t.Errorf("deleted row: %v", err)
		}
		if _, _, err := svc.Block(ctx, accounts.UserRef(u.Email)); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.UserSessionActivities(ctx, u.ID); len(got) != 0 {
			t.Errorf("after block: %d rows", len(got))
		}
		if got, _ := db.UserSessionActivities(ctx, other.ID); len(got) != 1 {
			t.Errorf("another user's rows were touched: %d", len(got))
		}
	})
}

func ptr(s string) *string { return &s }
