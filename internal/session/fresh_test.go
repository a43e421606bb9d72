package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
)

// TestFresh follows Flask-Security's check_and_update_authn_fresh: within
// SECURITY_FRESHNESS of the last password, or inside the grace period that
// every passing check (and Reauthenticated) restarts.
func TestFresh(t *testing.T) {
	const within, grace = 24 * time.Hour, time.Hour
	for _, tc := range []struct {
		name  string
		steps func(c *clock, s *session.Session) bool
		want  bool
	}{
		{"just logged in", func(c *clock, s *session.Session) bool { return s.Fresh(within, grace) }, true},
		{"logged in 25 hours ago", func(c *clock, s *session.Session) bool {
			c.Advance(25 * time.Hour)
			return s.Fresh(within, grace)
		}, false},
		{"check at 23h30, again at 24h15: grace", func(c *clock, s *session.Session) bool {
			c.Advance(23*time.Hour + 30*time.Minute)
			s.Fresh(within, grace)
			c.Advance(45 * time.Minute)
			return s.Fresh(within, grace)
		}, true},
		{"check at 23h30, again at 25h: grace over", func(c *clock, s *session.Session) bool {
			c.Advance(23*time.Hour + 30*time.Minute)
			s.Fresh(within, grace)
			c.Advance(90 * time.Minute)
			return s.Fresh(within, grace)
		}, false},
		{"reauthenticated after 25 hours", func(c *clock, s *session.Session) bool {
			c.Advance(25 * time.Hour)
			s.Reauthenticated(grace)
			return s.Fresh(within, grace)
		}, true},
		{"0 asks even right after login", func(c *clock, s *session.Session) bool { return s.Fresh(0, grace) }, false},
		{"0 lets the grace period after the password through", func(c *clock, s *session.Session) bool {
			s.Reauthenticated(grace)
			c.Advance(30 * time.Minute)
			return s.Fresh(0, grace)
		}, true},
		{"negative never asks", func(c *clock, s *session.Session) bool {
			c.Advance(30 * 24 * time.Hour)
			return s.Fresh(-1, grace)
		}, true},
		{"a new login forgets the grace period", func(c *clock, s *session.Session) bool {
			s.Reauthenticated(grace)
			s.Login(1)
			return s.Fresh(0, grace)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			n := newNode(t, newMemStore(t), c, session.Options{})
			s := n.load(n.login(1))
			if got := tc.steps(c, s); got != tc.want {
				t.Errorf("Fresh = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("anonymous", func(t *testing.T) {
		n := newNode(t, newMemStore(t), newClock(), session.Options{})
		if n.load("").Fresh(within, grace) {
			t.Error("an anonymous session is fresh")
		}
	})
}

// TestFreshnessIsStored checks that Reauthenticated and the grace period
// survive a save and a load, and that a record stored before they existed
// counts from its login time.
func TestFreshnessIsStored(t *testing.T) {
	c := newClock()
	store := newMemStore(t)
	n := newNode(t, store, c, session.Options{})
	value := n.login(1)
	c.Advance(25 * time.Hour)
	s := n.load(value)
	s.Reauthenticated(time.Hour)
	value = n.save(s).Value
	c.Advance(30 * time.Minute)
	if s := n.load(value); !s.PasswordTime().Equal(c.Now().Add(-30*time.Minute)) || !s.Fresh(0, time.Hour) {
		t.Errorf("after a reload: password time %v, fresh %v", s.PasswordTime(), s.Fresh(0, time.Hour))
	}

	for _, tc := range []struct {
		authAgo time.Duration
		want    bool
	}{{time.Hour, true}, {25 * time.Hour, false}} {
		tok := session.NewToken(c.Now().Add(-tc.authAgo))
		id, _ := session.DeriveID(tok)
		created := itoa(c.Now().Add(-tc.authAgo).Unix())
		old := `{"user_id":1,"created":` + created + `,"last_seen":` + created + `,"auth_time":` + created + `}`
		if err := store.Put(context.Background(), id, []byte(old), time.Hour); err != nil {
			t.Fatal(err)
		}
		if got := n.load(signCookie(tok)).Fresh(24*time.Hour, time.Hour); got != tc.want {
			t.Errorf("an old record logged in %v ago: Fresh = %v, want %v", tc.authAgo, got, tc.want)
		}
	}
}
