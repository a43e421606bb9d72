package httpserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/invenio-go/accounts/internal/session/redisstore"
	"github.com/invenio-go/accounts/internal/testenv"
)

// TestRevocationSurvivesRedisCrash: Redis with its default persistence
// loses what happened after its last snapshot when it crashes, so a
// revoked session's record comes back. The session must stay ended (the
// database is the source of truth).
func TestRevocationSurvivesRedisCrash(t *testing.T) {
	srv := testenv.StartRedis(t, true)
	store, err := redisstore.Open(srv.URL(), redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := newHarnessWithStore(t, store)
	h.createUser("jane@example.org", "correct horse")
	h.createUser("bob@example.org", "correct horse")
	a, b, bob := h.client(), h.client(), h.client()
	a.loginForm("jane@example.org", "correct horse")
	b.loginForm("jane@example.org", "correct horse")
	bob.loginForm("bob@example.org", "correct horse")
	ids := sessionIDs(t, a)

	admin := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer admin.Close()
	ctx := context.Background()
	if err := admin.Save(ctx).Err(); err != nil {
		t.Fatalf("SAVE: %v", err)
	}
	before, _ := admin.DBSize(ctx).Result()
	if r := a.api("DELETE", "/api/sessions/"+ids[1], nil); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if _, _, err := h.svc.Block(ctx, "bob@example.org"); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	srv.Start()
	after, _ := admin.DBSize(ctx).Result()
	if after != before {
		t.Fatalf("the crash did not bring the snapshot back (%d keys before, %d after): the test proves nothing", before, after)
	}
	h.clock.Advance(2 * time.Second)
	if r := b.get("/api/me"); r.status != 401 {
		t.Errorf("a revoked session came back with Redis' snapshot: %d", r.status)
	}
	if r := bob.get("/api/me"); r.status != 401 {
		t.Errorf("a blocked user's session came back with Redis' snapshot: %d", r.status)
	}
	if r := a.get("/api/me"); r.status != 200 {
		t.Errorf("the session that did the revoking: %d", r.status)
	}
}
