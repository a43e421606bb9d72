package session_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/session/memstore"
	"github.com/invenio-go/accounts/internal/session/redisstore"
	"github.com/invenio-go/accounts/internal/testenv"
	"github.com/invenio-go/accounts/internal/token"
)

// The Manager ends sessions for the accounts service.
var _ accounts.SessionEnder = (*session.Manager)(nil)

var testSecret = []byte("a test secret key of 32 bytes...")

// clock is a settable clock shared by the Managers of a test.
type clock = testenv.Clock

func newClock() *clock { return testenv.NewClock(time.Now().Truncate(time.Second)) }

// node is one "server": a Manager on a (possibly shared) store.
type node struct {
	t *testing.T
	m *session.Manager
}

func newNode(t *testing.T, store session.Store, c *clock, opts session.Options) *node {
	t.Helper()
	opts.Secret = testSecret
	opts.Now = c.Now
	m, err := session.New(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &node{t: t, m: m}
}

func newMemStore(t *testing.T) *memstore.Store {
	s := memstore.New(memstore.Options{})
	t.Cleanup(func() { s.Close() })
	return s
}

// newRedisStore returns a redisstore on ACCOUNTS_TEST_REDIS_URL with a key
// prefix of its own, deleted at the end of the test.
func newRedisStore(tb testing.TB) *redisstore.Store {
	tb.Helper()
	prefix := "accounts-test:" + rand.Text() + ":"
	s := openRedisStore(tb, prefix)
	prefixes.Store(s, prefix)
	return s
}

// prefixes maps the stores newRedisStore made to their key prefix.
var prefixes sync.Map

// newRedisStoreAt returns another node's store on the same Redis and
// prefix as of (made by newRedisStore), with caches of its own.
func newRedisStoreAt(tb testing.TB, of *redisstore.Store) *redisstore.Store {
	tb.Helper()
	prefix, ok := prefixes.Load(of)
	if !ok {
		tb.Fatal("newRedisStoreAt: the store was not made by newRedisStore")
	}
	return openRedisStore(tb, prefix.(string))
}

// openRedisStore opens a store under prefix, whose keys are deleted at the
// end of the test.
func openRedisStore(tb testing.TB, prefix string) *redisstore.Store {
	tb.Helper()
	raw := testenv.RedisURL(tb)
	s, err := redisstore.Open(raw, redisstore.Options{Prefix: prefix})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Close()
		o, err := redis.ParseURL(raw)
		if err != nil {
			tb.Error(err)
			return
		}
		c := redis.NewClient(o)
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return s
}

// request returns a GET request carrying the raw Cookie header (not
// sanitized, as it arrives from the network).
func request(cookieHeader string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if cookieHeader != "" {
		r.Header.Set("Cookie", cookieHeader)
	}
	return r
}

// load loads the session of a request with the cookie value ("" for none).
func (n *node) load(value string) *session.Session {
	n.t.Helper()
	h := ""
	if value != "" {
		h = session.DefaultCookieName + "=" + value
	}
	s, err := n.m.Load(request(h))
	if err != nil {
		n.t.Fatalf("Load = %v", err)
	}
	return s
}

// save saves s and returns the session cookie set, or nil.
func (n *node) save(s *session.Session) *http.Cookie {
	n.t.Helper()
	w := httptest.NewRecorder()
	if err := n.m.Save(context.Background(), w, s); err != nil {
		n.t.Fatalf("Save = %v", err)
	}
	return sessionCookie(w)
}

func sessionCookie(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == session.DefaultCookieName {
			return c
		}
	}
	return nil
}

// login logs uid in on a new session and returns the cookie value.
func (n *node) login(uid int64) string {
	n.t.Helper()
	s := n.load("")
	s.Login(uid)
	c := n.save(s)
	if c == nil || c.Value == "" {
		n.t.Fatal("login set no cookie")
	}
	return c.Value
}

// wantUser checks who the cookie value loads as (0: anonymous).
func (n *node) wantUser(value string, uid int64) {
	n.t.Helper()
	if got := n.load(value).UserID(); got != uid {
		n.t.Errorf("the cookie loads user %d, want %d", got, uid)
	}
}

// countingStore counts the calls that reach a store.
type countingStore struct {
	session.Store
	gets, puts, deletes atomic.Int64
}

func (c *countingStore) Get(ctx context.Context, id string) ([]byte, error) {
	c.gets.Add(1)
	return c.Store.Get(ctx, id)
}

func (c *countingStore) Put(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	c.puts.Add(1)
	return c.Store.Put(ctx, id, data, ttl)
}

func (c *countingStore) Delete(ctx context.Context, id string) error {
	c.deletes.Add(1)
	return c.Store.Delete(ctx, id)
}

// failingStore fails every call, as a dead Redis does.
type failingStore struct{}

var errDown = errors.New("store down")

func (failingStore) Get(context.Context, string) ([]byte, error)              { return nil, errDown }
func (failingStore) Put(context.Context, string, []byte, time.Duration) error { return errDown }
func (failingStore) Delete(context.Context, string) error                     { return errDown }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// signCookie returns the cookie value for a token.
func signCookie(tok string) string {
	return token.NewSigner(testSecret, token.DefaultSalt).Sign(tok)
}

// memStoreFor is newMemStore for any testing.TB.
func memStoreFor(tb testing.TB) *memstore.Store {
	s := memstore.New(memstore.Options{})
	tb.Cleanup(func() { s.Close() })
	return s
}

// loginCookie logs user 1 in through m and returns the cookie value.
func loginCookie(tb testing.TB, m *session.Manager) string {
	tb.Helper()
	s, err := m.Load(request(""))
	if err != nil {
		tb.Fatal(err)
	}
	s.Login(1)
	w := newRecorder()
	if err := m.Save(context.Background(), w, s); err != nil {
		tb.Fatal(err)
	}
	return sessionCookie(w).Value
}
