package httpserver_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/clientinfo"
	"github.com/invenio-go/accounts/internal/httpserver"
	"github.com/invenio-go/accounts/internal/mail"
	"github.com/invenio-go/accounts/internal/password"
	"github.com/invenio-go/accounts/internal/session"
	"github.com/invenio-go/accounts/internal/session/memstore"
	"github.com/invenio-go/accounts/internal/session/redisstore"
	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/sqlstore/sqltest"
	"github.com/invenio-go/accounts/internal/testenv"
	"github.com/invenio-go/accounts/internal/totp"
)

const testSecret = "httpserver-test-secret-0123456789abcdef0123456789"

// harness is a server on a real SQLite database and an in-memory session
// store, listening on loopback.
type harness struct {
	t     testing.TB
	db    *sqlstore.DB
	svc   *accounts.Service
	store session.Store
	mgr   *session.Manager
	ts    *httptest.Server
	srv   *httpserver.Server
	clock *testenv.Clock // shared by the server and the session manager
	mail  *mail.Mailer
	inbox string // the outbox directory the mailer writes to
}

// emails waits for the emails queued beside answers, flushes the mail
// queue into the outbox and returns every message written so far, oldest
// first.
func (h *harness) emails() []mail.Message {
	h.t.Helper()
	h.srv.Wait()
	for {
		res, err := h.mail.RunOnce(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		if res.Claimed == 0 {
			break
		}
	}
	files, _ := filepath.Glob(filepath.Join(h.inbox, "*.eml"))
	sort.Strings(files)
	var out []mail.Message
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			h.t.Fatal(err)
		}
		m, err := mail.Parse(b)
		if err != nil {
			h.t.Fatalf("%s: %v", f, err)
		}
		out = append(out, m)
	}
	return out
}

type harnessOption func(*httpserver.Options)

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	return newHarnessWithStore(t, memstore.New(memstore.Options{}), opts...)
}

func newHarnessWithStore(t *testing.T, store session.Store, opts ...harnessOption) *harness {
	t.Helper()
	return newHarnessOn(t, sqlstore.SQLite, filepath.Join(t.TempDir(), "web.db"), store, opts...)
}

// stacks are the deployments the session tests run on: the embedded
// default, and production's PostgreSQL with Redis.
var stacks = []struct {
	name string
	new  func(t *testing.T, opts ...harnessOption) *harness
}{
	{"sqlite+memory", newHarness},
	{"postgres+redis", func(t *testing.T, opts ...harnessOption) *harness {
		client, err := redisstore.NewClient(testenv.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		prefix := "accounts-test:" + strings.ToLower(rand.Text()[:10]) + ":"
		t.Cleanup(func() {
			ctx := context.Background()
			keys, _ := client.Keys(ctx, prefix+"*").Result()
			if len(keys) > 0 {
				client.Del(ctx, keys...)
			}
			client.Close()
		})
		store := redisstore.New(client, redisstore.Options{Prefix: prefix})
		return newHarnessOn(t, sqlstore.Postgres, sqltest.NewPostgresDatabase(t), store, opts...)
	}},
}

// forEachStack runs f as a subtest on every stack.
func forEachStack(t *testing.T, f func(t *testing.T, newH func(t *testing.T, opts ...harnessOption) *harness)) {
	for _, st := range stacks {
		t.Run(st.name, func(t *testing.T) { f(t, st.new) })
	}
}

func newHarnessOn(t testing.TB, driver, dsn string, store session.Store, opts ...harnessOption) *harness {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hasher, err := password.New(password.Policy{Salt: []byte(testSecret), Rounds: 1000})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := totp.NewSealer([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := accounts.NewService(db, hasher, accounts.Options{Trackable: true, LoginWithoutConfirmation: true,
		Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	clock := testenv.NewClock(time.Now())
	mgr, err := session.New(store, session.Options{Secret: []byte(testSecret), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetSessionEnder(mgr)
	inbox := t.TempDir()
	outbox, err := mail.NewOutbox(inbox, "no-reply@example.org", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mailer := mail.New(db.MailQueue(), outbox, mail.Options{DefaultFrom: "no-reply@example.org", Logger: slog.New(slog.DiscardHandler)})
	o := httpserver.Options{
		Mailer:  mailer,
		Agents:  testAgents(t),
		Service: svc, Activity: db, Sessions: mgr, Secret: []byte(testSecret), PasswordMin: 8, Now: clock.Now,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Settings: invenioDefaults(),
	}
	for _, f := range opts {
		f(&o)
	}
	srv, err := httpserver.New(o)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, svc: o.Service, store: store, mgr: mgr, ts: httptest.NewServer(srv), srv: srv, clock: clock,
		mail: mailer, inbox: inbox}
	t.Cleanup(func() { h.ts.Close(); srv.Wait() })
	return h
}

func (h *harness) createUser(email, pw string) *accounts.User {
	h.t.Helper()
	u, err := h.svc.CreateUser(context.Background(), accounts.NewUser{Email: email, Password: pw, Active: true})
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// client is a browser-like client: a cookie jar, no automatic redirects.
type client struct {
	h   *harness
	c   *http.Client
	jar *cookiejar.Jar
	// forwardedFor, when set, is sent as X-Forwarded-For: the client's
	// address for a server trusting one proxy hop (Settings.ProxyHops).
	forwardedFor string
}

func (h *harness) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, jar: jar, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("not JSON (%v): %q", err, r.body)
	}
	return m
}

func (c *client) do(req *http.Request) response {
	c.h.t.Helper()
	if c.forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", c.forwardedFor)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (c *client) get(path string) response {
	req, _ := http.NewRequest("GET", c.h.ts.URL+path, nil)
	return c.do(req)
}

// postForm posts a form; withCSRF adds the csrftoken cookie's value as the
// csrf_token field (what the HTML form carries).
func (c *client) postForm(path string, v url.Values, withCSRF bool) response {
	if withCSRF {
		v.Set("csrf_token", c.cookie("csrftoken"))
	}
	req, _ := http.NewRequest("POST", c.h.ts.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// api sends a REST request with a JSON body (nil for none), echoing the
// csrftoken cookie in X-CSRFToken when it has one.
func (c *client) api(method, path string, body any) response {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, c.h.ts.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := c.cookie("csrftoken"); tok != "" {
		req.Header.Set("X-CSRFToken", tok)
	}
	return c.do(req)
}

func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.h.ts.URL)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *client) setCookie(name, value string) {
	u, _ := url.Parse(c.h.ts.URL)
	c.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// loginForm fetches the login page (for the CSRF cookie) and logs in.
func (c *client) loginForm(email, pw string) response {
	c.get("/login/")
	return c.postForm("/login/", url.Values{"email": {email}, "password": {pw}}, true)
}

func newFormRequest(u string, v url.Values) *http.Request {
	req, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func routesForTest(h *harness) []string { return h.srv.APIRoutes() }

var (
	agentsOnce sync.Once
	agents     *clientinfo.UAParser
	agentsErr  error
)

// testAgents shares one user-agent parser between the tests (building one
// compiles every uap-core regex).
func testAgents(t testing.TB) *clientinfo.UAParser {
	agentsOnce.Do(func() { agents, agentsErr = clientinfo.NewUAParser() })
	if agentsErr != nil {
		t.Fatal(agentsErr)
	}
	return agents
}

// invenioDefaults are the web settings as Invenio has them by default.
func invenioDefaults() httpserver.Settings {
	return httpserver.Settings{Registerable: true, LocalLoginEnabled: true, SessionActivityEnabled: true,
		Changeable: true, Confirmable: true, Recoverable: true, LoginWithoutConfirmation: true,
		AutoLoginAfterConfirm: true, SendRegisterEmail: true, SendPasswordChangeEmail: true,
		SendPasswordResetNotice: true, Freshness: 24 * time.Hour, FreshnessGrace: time.Hour}
}
