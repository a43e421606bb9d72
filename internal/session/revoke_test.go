package session_test

import (
	"context"
	"errors"
	"testing"

	"github.com/invenio-go/accounts/internal/session"
)

// sharedStores returns the stores two nodes can share: memstore (one
// process) and Redis when ACCOUNTS_TEST_REDIS_URL is set.
func sharedStores() map[string]func(t *testing.T) session.Store {
	return map[string]func(t *testing.T) session.Store{
		"memstore":   func(t *testing.T) session.Store { return newMemStore(t) },
		"redisstore": func(t *testing.T) session.Store { return newRedisStore(t) },
	}
}

// TestRevokeUserOnTwoNodes: ending all sessions of a user on node A holds
// at once on node B, for sessions made on either node, and leaves other
// users alone.
func TestRevokeUserOnTwoNodes(t *testing.T) {
	for name, newStore := range sharedStores() {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			c := newClock()
			a := newNode(t, store, c, session.Options{})
			b := newNode(t, store, c, session.Options{})
			onA, onB, other := a.login(7), b.login(7), a.login(8)
			for _, n := range []*node{a, b} {
				n.wantUser(onA, 7)
				n.wantUser(onB, 7)
			}
			if err := a.m.RevokeUser(context.Background(), 7); err != nil {
				t.Fatal(err)
			}
			for _, n := range []*node{a, b} {
				n.wantUser(onA, 0)
				n.wantUser(onB, 0)
				n.wantUser(other, 8)
			}
			// A new login after the revocation works on both nodes.
			again := b.login(7)
			a.wantUser(again, 7)
			b.wantUser(again, 7)
		})
	}
}

// TestRevokeOthers: after a password change the current session survives
// (renewed) and every other session of the user ends.
func TestRevokeOthers(t *testing.T) {
	for name, newStore := range sharedStores() {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			c := newClock()
			a := newNode(t, store, c, session.Options{})
			b := newNode(t, store, c, session.Options{})
			current, otherSession := a.login(3), b.login(3)
			s := a.load(current)
			if err := a.m.RevokeOthers(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			renewed := a.save(s)
			if renewed == nil || renewed.Value == current {
				t.Fatal("the current session was not renewed")
			}
			b.wantUser(renewed.Value, 3)
			b.wantUser(otherSession, 0)
			b.wantUser(current, 0)
		})
	}
}

func TestRevokeOne(t *testing.T) {
	for name, newStore := range sharedStores() {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			c := newClock()
			a := newNode(t, store, c, session.Options{})
			b := newNode(t, store, c, session.Options{})
			first, second := a.login(4), a.login(4)
			if err := b.m.Revoke(context.Background(), a.load(first).ID()); err != nil {
				t.Fatal(err)
			}
			a.wantUser(first, 0)
			a.wantUser(second, 4)
			if err := b.m.Revoke(context.Background(), "not-an-id"); !errors.Is(err, session.ErrInvalidID) {
				t.Errorf("Revoke(bad id) = %v, want ErrInvalidID", err)
			}
		})
	}
}

// TestRevokeRacingSave: a request that loaded a session before it was
// revoked does not store it again when it saves afterwards (Invenio
// resurrects it).
func TestRevokeRacingSave(t *testing.T) {
	for name, newStore := range sharedStores() {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			c := newClock()
			n := newNode(t, store, c, session.Options{})
			value := n.login(2)
			c.Advance(session.DefaultActivityInterval) // the request will write
			inFlight := n.load(value)
			inFlight.AddFlash("info", "hello")
			if err := n.m.Revoke(context.Background(), inFlight.ID()); err != nil {
				t.Fatal(err)
			}
			if cookie := n.save(inFlight); cookie == nil || cookie.MaxAge >= 0 {
				t.Errorf("cookie = %v, want an expired one", cookie)
			}
			n.wantUser(value, 0)
			if _, err := store.Get(context.Background(), inFlight.ID()); err == nil {
				t.Error("the revoked record is back")
			}
		})
	}
}

func TestEndUserSessions(t *testing.T) {
	store := newMemStore(t)
	c := newClock()
	n := newNode(t, store, c, session.Options{})
	listed, unlisted := n.login(6), n.login(6)
	id := n.load(listed).ID()
	err := n.m.EndUserSessions(context.Background(), 6, []string{id, "1234abcd5678ef90_6553f100"})
	if err != nil {
		t.Fatal(err)
	}
	n.wantUser(listed, 0)
	n.wantUser(unlisted, 0)
	if _, err := store.Get(context.Background(), id); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the listed record was not deleted: %v", err)
	}
}

func TestRevokeUserNotSupported(t *testing.T) {
	plain := struct{ session.Store }{newMemStore(t)} // hides UserRevoker
	n := newNode(t, plain, newClock(), session.Options{})
	if err := n.m.RevokeUser(context.Background(), 1); !errors.Is(err, session.ErrNotSupported) {
		t.Errorf("RevokeUser = %v, want ErrNotSupported", err)
	}
	// Sessions still work, without generations.
	value := n.login(1)
	n.wantUser(value, 1)
}

// TestLoginAfterRevokeOnTwoRedisNodes: nodes with Redis stores of their own
// (each with its generation cache, as two processes have): a login made on
// node A after a revocation is accepted at once by node B, although B read
// the user's older generation a moment before; and B then refuses the
// revoked session.
func TestLoginAfterRevokeOnTwoRedisNodes(t *testing.T) {
	storeA := newRedisStore(t)
	storeB := newRedisStoreAt(t, storeA)
	c := newClock()
	a := newNode(t, storeA, c, session.Options{})
	b := newNode(t, storeB, c, session.Options{})
	old := a.login(7)
	b.wantUser(old, 7) // B caches generation 0
	if err := a.m.RevokeUser(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	again := a.login(7) // recorded under generation 1
	b.wantUser(again, 7)
	b.wantUser(old, 0)
	a.wantUser(again, 7)
	a.wantUser(old, 0)
}
