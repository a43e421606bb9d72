package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/invenio-go/accounts/bench/loadgen"
)

const (
	benchPassword = "Bench-horse-42"
	reqTimeout    = 30 * time.Second
)

// server is one service under test with the users it was given.
type server struct {
	*proc
	kind    string // "accounts", "flask", "ceiling"
	dir     string
	env     []string
	users   []string
	cookies []string // one authenticated session cookie per connection (GET /api/me)
	redis   bool     // accounts: sessions in Redis
	prefix  string   // flask: its Redis key prefix
	debug   string   // accounts-debug: the pprof and heap listener
}

// accountsSpec describes an accounts instance.
type accountsSpec struct {
	name     string
	postgres bool
	redis    bool
	rounds   int
	users    int
	debug    bool // the bench-only build with pprof and the heap endpoint
}

func (b *bench) accountsEnv(dir, dbURI string, redis bool, rounds int) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir(), "LANG=C.UTF-8",
		"SECRET_KEY=" + b.secret,
		"SQLALCHEMY_DATABASE_URI=" + dbURI,
		"ACCOUNTS_DATA_DIR=" + filepath.Join(dir, "data"),
		"SESSION_COOKIE_SECURE=false",
		"RATELIMIT_ENABLED=false",
		"ACCOUNTS_LOG_LEVEL=error",
		fmt.Sprintf(`SECURITY_PASSWORD_HASH_OPTIONS={"pbkdf2_sha512": {"rounds": %d}}`, rounds),
	}
	if redis {
		env = append(env, "ACCOUNTS_SESSION_REDIS_URL="+b.redisURL)
	}
	return env
}

// startAccounts creates the instance's database and users and serves it.
func (b *bench) startAccounts(ctx context.Context, s accountsSpec) (*server, error) {
	if s.postgres && !b.havePG {
		return nil, errSkip
	}
	if s.redis && !b.haveRedis {
		return nil, errSkip
	}
	dir := filepath.Join(b.runDir, s.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	dbURI := "sqlite:///" + filepath.Join(dir, "accounts.db")
	if s.postgres {
		db := fmt.Sprintf("accounts_bench_%d_%s", os.Getpid(), strings.ReplaceAll(s.name, "-", "_"))
		if err := b.createPGDatabase(ctx, db); err != nil {
			return nil, err
		}
		dbURI = b.pgBase + "/" + db
	}
	env := b.accountsEnv(dir, dbURI, s.redis, s.rounds)
	bin := b.accountsBin
	if s.debug {
		bin = b.debugBin
	}
	if _, err := run(ctx, env, dir, bin, "migrate"); err != nil {
		return nil, err
	}
	srv := &server{kind: "accounts", dir: dir, env: env, redis: s.redis}
	for i := range s.users {
		email := fmt.Sprintf("bench%d@example.org", i)
		if _, err := run(ctx, env, dir, bin, "users", "create", email, "--password", benchPassword, "-a"); err != nil {
			return nil, err
		}
		srv.users = append(srv.users, email)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if s.debug {
		dbg, err := freeAddr()
		if err != nil {
			return nil, err
		}
		env = append(env, "ACCOUNTS_BENCH_DEBUG_ADDR="+dbg)
		srv.debug = dbg
	}
	p, err := startProc(s.name, dir, addr, env, bin, "serve", "--addr", addr)
	if err != nil {
		return nil, err
	}
	srv.proc = p
	b.procs = append(b.procs, srv)
	if _, err := p.waitReady("http://"+addr+"/readyz", time.Now(), 30*time.Second); err != nil {
		return nil, err
	}
	return srv, nil
}

// startFlask creates the peer's users and serves it with gunicorn, one
// sync worker per core.
func (b *bench) startFlask(ctx context.Context, name string, rounds, users int) (*server, error) {
	if !b.haveFlask {
		return nil, errSkip
	}
	dir := filepath.Join(b.runDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("accounts-bench-flaskpeer:%d:%s:", os.Getpid(), name)
	env := []string{
		"PATH=/usr/bin:/bin", "HOME=" + dir, "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1",
		"SECRET_KEY=" + b.secret,
		"FLASKPEER_DB=" + filepath.Join(dir, "flask.db"),
		"FLASKPEER_ROUNDS=" + strconv.Itoa(rounds),
		"FLASKPEER_REDIS=" + b.redisURL,
		"FLASKPEER_PREFIX=" + prefix,
	}
	srv := &server{kind: "flask", dir: dir, env: env, prefix: prefix}
	b.flaskPrefixes = append(b.flaskPrefixes, prefix)
	app := filepath.Join(b.root, "bench", "flaskpeer", "app.py")
	args := []string{"/usr/bin/python3", app, "create-users", benchPassword}
	for i := range users {
		srv.users = append(srv.users, fmt.Sprintf("peer%d@example.org", i))
	}
	if _, err := run(ctx, env, dir, append(args, srv.users...)...); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := startProc(name, dir, addr, env, "/usr/bin/gunicorn", "-w", strconv.Itoa(b.cores), "-k", "sync",
		"-b", addr, "--chdir", filepath.Dir(app), "--log-level", "warning", "app:app")
	if err != nil {
		return nil, err
	}
	srv.proc = p
	b.procs = append(b.procs, srv)
	if _, err := p.waitReady("http://"+addr+"/readyz", time.Now(), 60*time.Second); err != nil {
		return nil, err
	}
	return srv, nil
}

// startCeiling serves bench/ceiling.
func (b *bench) startCeiling() (*server, error) {
	dir := filepath.Join(b.runDir, "ceiling")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	p, err := startProc("ceiling", dir, addr, env, b.ceilingBin, "-addr", addr, "-secret", b.secret)
	if err != nil {
		return nil, err
	}
	srv := &server{proc: p, kind: "ceiling", dir: dir}
	b.procs = append(b.procs, srv)
	if _, err := p.waitReady("http://"+addr+"/readyz", time.Now(), 30*time.Second); err != nil {
		return nil, err
	}
	for i := range b.conns {
		srv.cookies = append(srv.cookies, ceilingCookie(b.secret, fmt.Sprintf("s%d", i)))
	}
	return srv, nil
}

// loginPath is where each kind of server takes a JSON login.
func (s *server) loginPath() string {
	if s.kind == "flask" {
		return "/login"
	}
	return "/api/login"
}

func (s *server) loginRequest(email string) []byte {
	body, _ := json.Marshal(map[string]string{"email": email, "password": benchPassword})
	return loadgen.Request("POST", s.addr, s.loginPath(), []string{"Content-Type: application/json", "Accept: application/json"}, body)
}

// login logs in as email on c and returns the session and csrftoken cookies.
func (s *server) login(c *loadgen.Conn, email string) (session, csrf string, err error) {
	resp, err := c.Do(s.loginRequest(email))
	if err := loadgen.Expect(resp, err, 200); err != nil {
		return "", "", fmt.Errorf("%s: login as %s: %w", s.name, email, err)
	}
	session, ok := resp.Cookie("session")
	if !ok {
		return "", "", fmt.Errorf("%s: login as %s set no session cookie", s.name, email)
	}
	csrf, _ = resp.Cookie("csrftoken")
	return session, csrf, nil
}

// openSessions logs in n times (as the server's users in turn) and keeps
// the session cookies, one per connection of the GET /api/me scenarios.
func (s *server) openSessions(n int) error {
	c := loadgen.NewConn(s.addr, reqTimeout)
	defer c.Close()
	for i := range n {
		session, _, err := s.login(c, s.users[i%len(s.users)])
		if err != nil {
			return err
		}
		s.cookies = append(s.cookies, session)
	}
	return nil
}

// sessionIDs lists the ids of the sessions of the user logged in with
// cookie (accounts' GET /api/sessions), the current one apart.
func (s *server) sessionIDs(c *loadgen.Conn, session string) (ids []string, current string, err error) {
	resp, err := c.Do(loadgen.Request("GET", s.addr, "/api/sessions", []string{"Cookie: session=" + session}, nil))
	if err := loadgen.Expect(resp, err, 200); err != nil {
		return nil, "", fmt.Errorf("%s: GET /api/sessions: %w", s.name, err)
	}
	var list struct {
		Results []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"results"`
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		return nil, "", fmt.Errorf("%s: GET /api/sessions: %w", s.name, err)
	}
	for _, r := range list.Results {
		if r.Current {
			current = r.ID
		} else {
			ids = append(ids, r.ID)
		}
	}
	return ids, current, nil
}

// sessionIDsFresh lists every session of the server's users (one listing
// per user, through the first cookie of each), on a new connection.
func (s *server) sessionIDsFresh() (ids []string, current string, err error) {
	c := loadgen.NewConn(s.addr, reqTimeout)
	defer c.Close()
	for i := 0; i < len(s.users) && i < len(s.cookies); i++ {
		more, cur, err := s.sessionIDs(c, s.cookies[i])
		if err != nil {
			return nil, "", err
		}
		ids = append(ids, more...)
		if cur != "" {
			ids = append(ids, cur)
		}
	}
	return ids, "", nil
}
