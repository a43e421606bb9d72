package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/session"
)

func TestAbsoluteLifetime(t *testing.T) {
	c := newClock()
	store := newMemStore(t)
	n := newNode(t, store, c, session.Options{Lifetime: time.Hour, ActivityInterval: time.Minute})
	value := n.login(1)
	// Activity does not extend the absolute lifetime.
	for range 5 {
		c.Advance(11 * time.Minute)
		s := n.load(value)
		if s.UserID() != 1 {
			t.Fatal("session lost before its lifetime")
		}
		s.Set("seen", c.Now().String())
		n.save(s)
	}
	c.Advance(5*time.Minute - time.Second)
	n.wantUser(value, 1)
	c.Advance(time.Second)
	n.wantUser(value, 0)
}

// TestLifetimeFromRecord: the record's creation time must match the token's,
// so a record copied under another token does not outlive its own.
func TestLifetimeFromRecord(t *testing.T) {
	c := newClock()
	store := newMemStore(t)
	n := newNode(t, store, c, session.Options{})
	old := n.load(n.login(1))
	data, err := store.Get(context.Background(), old.ID())
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	tok := session.NewToken(c.Now())
	id, _ := session.DeriveID(tok)
	store.Put(context.Background(), id, data, time.Hour)
	n.wantUser(signCookie(tok), 0)
}

func TestIdleTimeout(t *testing.T) {
	c := newClock()
	store := &countingStore{Store: newMemStore(t)}
	n := newNode(t, store, c, session.Options{IdleTimeout: 30 * time.Minute})
	value := n.login(1)
	puts := store.puts.Load()
	// Activity every 20 minutes keeps it alive (the 5-minute activity
	// interval applies), each costing one write and no cookie.
	for range 4 {
		c.Advance(20 * time.Minute)
		s := n.load(value)
		if s.UserID() != 1 {
			t.Fatal("active session timed out")
		}
		if cookie := n.save(s); cookie != nil {
			t.Error("an activity update sent a cookie")
		}
	}
	if got := store.puts.Load() - puts; got != 4 {
		t.Errorf("%d writes for 4 activity updates", got)
	}
	c.Advance(30*time.Minute + time.Second)
	n.wantUser(value, 0)
}

// TestIdleShorterThanInterval: the activity interval shrinks to half the
// idle timeout, so an active session never times out.
func TestIdleShorterThanInterval(t *testing.T) {
	c := newClock()
	n := newNode(t, newMemStore(t), c, session.Options{IdleTimeout: 4 * time.Minute, ActivityInterval: time.Hour})
	value := n.login(1)
	for range 10 {
		c.Advance(3 * time.Minute)
		s := n.load(value)
		if s.UserID() != 1 {
			t.Fatal("active session timed out")
		}
		n.save(s)
	}
}

// TestActivityInterval: loading and saving an unchanged session writes
// LastSeen at most once per interval, never on every request.
func TestActivityInterval(t *testing.T) {
	c := newClock()
	store := &countingStore{Store: newMemStore(t)}
	n := newNode(t, store, c, session.Options{})
	value := n.login(1)
	puts := store.puts.Load()
	for range 100 {
		c.Advance(time.Second)
		n.save(n.load(value))
	}
	if got := store.puts.Load() - puts; got != 0 {
		t.Errorf("%d writes in 100 s of requests, want 0", got)
	}
	c.Advance(session.DefaultActivityInterval)
	s := n.load(value)
	n.save(s)
	if got := store.puts.Load() - puts; got != 1 {
		t.Errorf("%d writes after the interval, want 1", got)
	}
	if got := n.load(value).LastSeen(); !got.Equal(c.Now()) {
		t.Errorf("LastSeen = %v, want %v", got, c.Now())
	}
}

// TestExpiredBetweenLoadAndSave: a session that expires while its request
// runs is not stored again with a new lifetime.
func TestExpiredBetweenLoadAndSave(t *testing.T) {
	c := newClock()
	store := newMemStore(t)
	n := newNode(t, store, c, session.Options{Lifetime: time.Hour})
	value := n.login(1)
	c.Advance(time.Hour - time.Second)
	s := n.load(value)
	s.Set("k", "v")
	c.Advance(2 * time.Second)
	if cookie := n.save(s); cookie == nil || cookie.MaxAge >= 0 {
		t.Errorf("cookie = %v, want an expired one", cookie)
	}
	if store.Len() != 0 {
		t.Errorf("%d records", store.Len())
	}
}
