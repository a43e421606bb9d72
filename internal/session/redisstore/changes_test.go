package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/testenv"
)

// heard is what a listening node was told: a user id, or -1 for every user.
type heard chan int64

func (h heard) forget(id int64) { h <- id }
func (h heard) forgetAll()      { h <- -1 }

// wait returns once want was heard, failing after limit; what else was
// heard meanwhile is dropped.
func (h heard) wait(t *testing.T, want int64, limit time.Duration, what string) {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case got := <-h:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("%s: %d not heard within %v", what, want, limit)
		}
	}
}

// listen starts b's listener and waits for its first subscription.
func listen(t *testing.T, b *Store) heard {
	t.Helper()
	h := make(heard, 100)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Changes().Listen(ctx, h.forget, h.forgetAll, ready, 200*time.Millisecond, nil)
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		t.Fatal("the listener did not subscribe within 5 s")
	}
	h.wait(t, -1, time.Second, "first subscription empties the cache")
	return h
}

// TestChangesReachOtherNodes: one node's announcements reach another that
// shares the Redis and key prefix, and not one under another prefix.
func TestChangesReachOtherNodes(t *testing.T) {
	a := newTestStore(t)
	b := openAt(t, testenv.RedisURL(t))
	b.prefix = a.prefix // the same deployment
	other := newTestStore(t)
	hb, hOther := listen(t, b), listen(t, other)
	ctx := context.Background()
	cases := []struct {
		name     string
		announce func() error
		want     int64
	}{
		{"one user", func() error { return a.Changes().UserChanged(ctx, 42) }, 42},
		{"every user", func() error { return a.Changes().AllUsersChanged(ctx) }, -1},
	}
	for _, c := range cases {
		if err := c.announce(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		hb.wait(t, c.want, 2*time.Second, c.name)
	}
	select {
	case got := <-hOther:
		t.Errorf("a node under another prefix heard %d", got)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestChangesAfterRedisRestart: a listener that lost its connection
// empties its cache and, once Redis is back, hears announcements again.
func TestChangesAfterRedisRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a redis-server")
	}
	srv := testenv.StartRedis(t, false)
	a := openAt(t, srv.URL())
	b := openAt(t, srv.URL())
	b.prefix = a.prefix
	hb := listen(t, b)
	srv.Kill()
	hb.wait(t, -1, 5*time.Second, "connection lost")
	srv.Start()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// Announce until the listener has subscribed again.
		if err := a.Changes().UserChanged(ctx, 7); err == nil {
			select {
			case got := <-hb:
				if got == 7 {
					return
				}
			case <-time.After(100 * time.Millisecond):
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no announcement heard within 10 s of Redis' restart")
		}
	}
}
