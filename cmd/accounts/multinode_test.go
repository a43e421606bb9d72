package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/invenio-go/accounts/internal/session/redisstore"
	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/sqlstore/sqltest"
	"github.com/invenio-go/accounts/internal/testenv"
)

// Bounds of the multi-node checks (README §9, §10 "Revocation reach").
const (
	mnNodes            = 3
	mnAPIRevocation    = 100 * time.Millisecond // HTTP API action, other nodes, with Redis
	mnCLIRevocation    = 2 * time.Second        // CLI action, every node
	mnCLITimeout       = 90 * time.Second       // one `accounts` CLI process
	mnLoginLimit       = 10                     // Invenio's security.login: 10 per minute per client
	mnLoginAttempts    = 30
	mnExpiredSessions  = 3000
	mnCleanBatchSize   = 100 // small batches, so the three job processes overlap
	mnRevocationWindow = 5 * time.Second
)

// TestMultiNode runs three `accounts serve` nodes (production mode, not
// --dev) on one PostgreSQL database and one Redis, as behind a load
// balancer, and checks README §9: concurrent migrations apply each step
// once, a session made on one node works on the others, a revocation on
// one node holds on the others within 100 ms (a CLI block within 2 s),
// rate limits count across nodes and jobs run from several processes at
// once do not double their effects. It runs on the shared Redis and on a
// 3-master Redis Cluster the test starts itself.
func TestMultiNode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped in -short mode")
	}
	testenv.PostgresURL(t) // skip (or fail under CI) before building
	bin := e2eBuild(t)

	t.Run("SharedRedis", func(t *testing.T) {
		redisURL := testenv.RedisURL(t)
		mn := newMultiNode(t, bin, redisURL)
		mnCleanSharedRedis(t, redisURL, mn.clientIP, mn.burstIP)
		mn.run()
	})

	t.Run("RedisCluster", func(t *testing.T) {
		cluster := testenv.StartRedisCluster(t, 3)
		t.Logf("redis cluster on %s", strings.Join(cluster.Addrs(), ", "))
		newMultiNode(t, bin, cluster.URL()).run()
	})
}

// multiNode is one run of the checks: a fresh database, the nodes'
// environment and the client addresses the test claims to be.
type multiNode struct {
	t        *testing.T
	bin      string
	dbURL    string
	db       *sql.DB
	rdb      redis.UniversalClient // the nodes' Redis, to look at the session keys
	tr       *http.Transport       // every client's connections to the nodes
	env      []string              // every process' environment, but ACCOUNTS_DATA_DIR
	nodes    []*e2eServer
	email    string
	password string
	// clientIP is sent in X-Forwarded-For on every request (the nodes trust
	// one proxy hop, as behind a load balancer), so that this run's rate
	// limits are its own even on a Redis other tests share; burstIP is the
	// client of the rate-limit check, which starts from a zero count.
	clientIP, burstIP string
}

func newMultiNode(t *testing.T, bin, redisURL string) *multiNode {
	t.Helper()
	dbURL := sqltest.NewPostgresDatabase(t)
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rdb, err := redisstore.NewClient(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	suffix := strings.ToLower(rand.Text()[:10])
	mn := &multiNode{t: t, bin: bin, dbURL: dbURL, db: db, rdb: rdb, tr: http.DefaultTransport.(*http.Transport).Clone(),
		email: "multinode-" + suffix + "@example.org", password: "correct horse battery staple",
		clientIP: mnRandomIP(t), burstIP: mnRandomIP(t)}
	t.Cleanup(mn.tr.CloseIdleConnections)
	for mn.burstIP == mn.clientIP {
		mn.burstIP = mnRandomIP(t)
	}
	mn.env = []string{
		"SECRET_KEY=" + rand.Text() + rand.Text(), // same on every node
		"SESSION_COOKIE_SECURE=false",
		"TRUSTED_HOSTS=127.0.0.1",
		"SQLALCHEMY_DATABASE_URI=" + dbURL,
		"ACCOUNTS_SESSION_REDIS_URL=" + redisURL, // rate limits default to it too
		`SECURITY_PASSWORD_HASH_OPTIONS={"pbkdf2_sha512": {"rounds": 1000}}`,
		"ACCOUNTS_LOG_LEVEL=error",
		// Every node keeps its users for an hour: only the announcements
		// through Redis can make them see a change in time.
		"ACCOUNTS_USER_CACHE_TTL=1 hours",
		// The pollers ask as fast as the nodes answer: only the login
		// limit, which the test checks, keeps its default.
		"RATELIMIT_GUEST_USER=100000 per minute",
		"RATELIMIT_AUTHENTICATED_USER=100000 per minute",
		`PROXYFIX_CONFIG={"x_for": 1}`,
		// The scheduled jobs would race the job check; it runs them itself.
		"ACCOUNTS_SCHEDULE_CLEAN_SESSIONS=0",
		"ACCOUNTS_SCHEDULE_DELETE_IPS=0",
		"ACCOUNTS_SCHEDULE_UPDATE_DOMAIN_STATUS=0",
	}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			mn.env = append(mn.env, k+"="+v)
		}
	}
	return mn
}

func (mn *multiNode) run() {
	t := mn.t
	start := time.Now()
	mn.checkConcurrentMigrations()
	mn.startNodes()
	a := mn.checkSessionWorksEverywhere()
	mn.checkRateLimitAcrossNodes()
	mn.checkUserChangesReachEveryNode(a)
	mn.checkAPIRevocation(a)
	mn.checkCLIBlock(a)
	mn.checkConcurrentJobs()
	// Connections the clients dialed but never used would hold a graceful
	// shutdown for 5 s (net/http counts a new connection as active).
	mn.tr.CloseIdleConnections()
	for _, s := range mn.nodes {
		s.stop()
	}
	t.Logf("multi-node checks done in %s", time.Since(start).Round(time.Millisecond))
}

// --- 1. migrations ---------------------------------------------------------

func (mn *multiNode) checkConcurrentMigrations() {
	t := mn.t
	t.Helper()
	start := time.Now()
	results := mn.cliConcurrently(mnNodes, "migrate")
	t.Logf("%d concurrent `accounts migrate` done in %s", mnNodes, time.Since(start).Round(time.Millisecond))
	ms, err := sqlstore.Migrations(sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	applied := map[string]int{}
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("migrate #%d: %v\nstdout:\n%s\nstderr:\n%s", i+1, r.err, r.stdout, r.stderr)
		}
		for line := range strings.SplitSeq(strings.TrimSpace(r.stdout), "\n") {
			if name, ok := strings.CutPrefix(line, "Applied "); ok {
				applied[strings.TrimSuffix(name, ".")]++
			} else if line != "The database is up to date." {
				t.Errorf("migrate #%d printed %q", i+1, line)
			}
		}
	}
	for _, m := range ms {
		if name := fmt.Sprintf("%04d_%s", m.Version, m.Name); applied[name] != 1 {
			t.Errorf("migration %s was reported applied by %d processes, want exactly 1 (outputs: %+v)", name, applied[name], results)
		}
	}

	rows, err := mn.db.Query(`SELECT version, name, count(*) FROM accounts_go_migrations GROUP BY version, name ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v, n int
		var name string
		if err := rows.Scan(&v, &name, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("accounts_go_migrations holds version %d %d times, want once", v, n)
		}
		got = append(got, fmt.Sprintf("%04d_%s", v, name))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range ms {
		want = append(want, fmt.Sprintf("%04d_%s", m.Version, m.Name))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("accounts_go_migrations = %v, want %v", got, want)
	}
	// The schema is whole: every Invenio table the service uses is there,
	// and `migrate --status` has nothing pending.
	for _, table := range []string{"accounts_user", "accounts_role", "accounts_userrole",
		"accounts_user_login_information", "accounts_user_session_activity", "accounts_useridentity"} {
		var ok bool
		if err := mn.db.QueryRow(`SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok); err != nil || !ok {
			t.Fatalf("table %s missing after the migrations (%v)", table, err)
		}
	}
	if r := mn.cli("migrate", "--status"); r.err != nil || strings.Contains(r.stdout, "pending") {
		t.Fatalf("migrate --status: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	// User ids far from the 1, 2, ... of other tests' fresh databases:
	// Redis keeps a generation per user id ("accounts:session:gen:<id>"),
	// and the shared Redis must not mix this test's users with theirs.
	base, err := rand.Int(rand.Reader, big.NewInt(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mn.db.Exec(`SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), $1)`, base.Int64()+1_000_000); err != nil {
		t.Fatal(err)
	}
}

// --- nodes -------------------------------------------------------------------

// startNodes starts the serve processes together and waits for each.
func (mn *multiNode) startNodes() {
	t := mn.t
	t.Helper()
	start := time.Now()
	for range mnNodes {
		mn.nodes = append(mn.nodes, mn.startNode(freeAddr(t)))
	}
	for _, s := range mn.nodes {
		s.waitReady(60 * time.Second)
	}
	t.Logf("%d nodes ready in %s: %s, %s, %s", mnNodes, time.Since(start).Round(time.Millisecond),
		mn.nodes[0].base, mn.nodes[1].base, mn.nodes[2].base)
}

// startNode starts `accounts serve --addr addr` (production mode) without
// waiting; it is killed at cleanup unless the test stopped it.
func (mn *multiNode) startNode(addr string) *e2eServer {
	t := mn.t
	t.Helper()
	dataDir := t.TempDir()
	s := &e2eServer{t: t, base: "http://" + addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(mn.bin, "serve", "--addr", addr)
	s.cmd.Env = append(slices.Clone(mn.env), "ACCOUNTS_DATA_DIR="+dataDir)
	s.cmd.Dir = dataDir
	s.cmd.Stdout = s.stdout
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", mn.bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		if s.stopped {
			return
		}
		_ = s.cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Errorf("accounts (pid %d) did not die after SIGKILL", s.cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("node %s stdout:\n%s\nstderr:\n%s", s.base, s.stdout, s.stderr)
		}
	})
	return s
}

// client returns a REST client (cookie jar, X-CSRFToken) that comes
// through the load balancer as mn.clientIP.
func (mn *multiNode) client() *e2eClient {
	c := newE2EClient(mn.t)
	c.c.Transport = &mnForwardedFor{ip: mn.clientIP, tr: mn.tr}
	c.c.Timeout = 15 * time.Second
	return c
}

// mnForwardedFor sets X-Forwarded-For, as the load balancer would.
type mnForwardedFor struct {
	ip string
	tr *http.Transport
}

func (f *mnForwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.ip)
	return f.tr.RoundTrip(r)
}

// --- 2. a session works on every node -------------------------------------

func (mn *multiNode) checkSessionWorksEverywhere() *e2eClient {
	t := mn.t
	t.Helper()
	a := mn.client()
	creds := map[string]string{"email": mn.email, "password": mn.password}
	if r := a.do("POST", mn.nodes[0].base+"/api/register", creds); r.status != http.StatusOK || r.json(t)["email"] != mn.email {
		t.Fatalf("POST node1/api/register = %d %s, want 200 with the email", r.status, r.body)
	}
	// One jar for all nodes: its cookies are host-only on 127.0.0.1 and
	// cookie rules ignore ports.
	for i, s := range mn.nodes {
		r := a.do("GET", s.base+"/api/me", nil)
		if r.status != http.StatusOK || r.json(t)["email"] != mn.email {
			t.Fatalf("session made on node 1: GET node%d/api/me = %d %s, want 200 with %s", i+1, r.status, r.body, mn.email)
		}
	}
	// Node 3 lists the session node 1 made, as the current one.
	if r := a.do("GET", mn.nodes[2].base+"/api/sessions", nil); r.status != http.StatusOK ||
		!strings.Contains(r.body, `"current":true`) {
		t.Fatalf("GET node3/api/sessions = %d %s, want 200 listing the current session", r.status, r.body)
	}
	return a
}

// --- 3. user changes reach every node's cache ------------------------------

// checkUserChangesReachEveryNode warms every node's user cache, then
// changes the user's roles from the CLI and from node 1's admin API: every
// node must show the change within the revocation bounds, although the
// nodes keep users for an hour (ACCOUNTS_USER_CACHE_TTL).
func (mn *multiNode) checkUserChangesReachEveryNode(a *e2eClient) {
	t := mn.t
	t.Helper()
	for _, args := range [][]string{{"roles", "create", "admin"}, {"roles", "create", "cache-probe"}} {
		if r := mn.cli(args...); r.err != nil {
			t.Fatalf("accounts %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
		}
	}
	cookies := mn.cookieHeader(a)
	pollers := mn.pollers()
	defer mnClosePollers(pollers)
	for i, p := range pollers {
		if roles, err := p.roles(cookies); err != nil || len(roles) != 0 {
			t.Fatalf("before the changes: node%d/api/me roles = %v %v, want none", i+1, roles, err)
		}
	}

	r := mn.cli("roles", "add", mn.email, "admin")
	exited := time.Now()
	if r.err != nil {
		t.Fatalf("accounts roles add: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
	}
	lat := mnPollUntil(pollers, exited, func(p *mnPoller) (bool, error) {
		roles, err := p.roles(cookies)
		return slices.Contains(roles, "admin"), err
	})
	t.Logf("CLI role grant: seen by node1 %s, node2 %s, node3 %s (from the command's exit)", lat[0].d, lat[1].d, lat[2].d)
	for i, l := range lat {
		if l.err != nil || l.d > mnCLIRevocation {
			t.Errorf("node%d: the role granted by `accounts roles add` seen after %s (%v), want within %s", i+1, l.d, l.err, mnCLIRevocation)
		}
	}

	var uid int64
	if err := mn.db.QueryRow(`SELECT id FROM accounts_user WHERE email = $1`, mn.email).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("%s/api/admin/users/%d/roles/cache-probe", mn.nodes[0].base, uid)
	if r := a.do("PUT", url, nil); r.status != http.StatusOK {
		t.Fatalf("PUT node1%s = %d %s, want 200", strings.TrimPrefix(url, mn.nodes[0].base), r.status, r.body)
	}
	answered := time.Now()
	lat = mnPollUntil(pollers, answered, func(p *mnPoller) (bool, error) {
		roles, err := p.roles(cookies)
		return slices.Contains(roles, "cache-probe"), err
	})
	t.Logf("admin API role grant on node1: seen by node1 %s, node2 %s, node3 %s (from the answer)", lat[0].d, lat[1].d, lat[2].d)
	for i, l := range lat {
		if l.err != nil || l.d > mnAPIRevocation {
			t.Errorf("node%d: the role granted through node1's admin API seen after %s (%v), want within %s", i+1, l.d, l.err, mnAPIRevocation)
		}
	}
}

// roles returns the names of the roles GET /api/me lists.
func (p *mnPoller) roles(cookie string) ([]string, error) {
	req, err := http.NewRequest("GET", p.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Cookie", cookie)
	req.Header.Set("X-Forwarded-For", p.ip)
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var me struct {
		Roles []struct {
			Name string `json:"name"`
		} `json:"roles"`
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s = %d, want 200", p.url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		return nil, fmt.Errorf("GET %s: %w", p.url, err)
	}
	names := []string{}
	for _, r := range me.Roles {
		names = append(names, r.Name)
	}
	return names, nil
}

// mnPollUntil asks every poller in parallel, as fast as it answers, until
// done holds, and returns how long after since each did.
func mnPollUntil(pollers []*mnPoller, since time.Time, done func(*mnPoller) (bool, error)) []mnLatency {
	lat := make([]mnLatency, len(pollers))
	var wg sync.WaitGroup
	for i, p := range pollers {
		wg.Go(func() {
			for {
				ok, err := done(p)
				lat[i].polls++
				now := time.Now()
				switch {
				case err != nil:
					lat[i].err = err
					return
				case ok:
					lat[i].d = now.Sub(since)
					return
				case now.Sub(since) > mnRevocationWindow:
					lat[i].err = fmt.Errorf("not yet after %s (%d polls)", mnRevocationWindow, lat[i].polls)
					lat[i].d = now.Sub(since)
					return
				}
			}
		})
	}
	wg.Wait()
	return lat
}

// --- 4. rate limits count across nodes -----------------------------------

func (mn *multiNode) checkRateLimitAcrossNodes() {
	t := mn.t
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": mn.email, "password": "not the password at all"})
	client := &http.Client{Timeout: 30 * time.Second,
		Transport: &mnForwardedFor{ip: mn.burstIP, tr: mn.tr}}
	type result struct {
		node, status int
		retryAfter   string
		body         string
		err          error
	}
	results := make([]result, mnLoginAttempts)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range mnLoginAttempts {
		node := i % mnNodes
		wg.Go(func() {
			<-ready
			res := result{node: node + 1}
			req, err := http.NewRequest("POST", mn.nodes[node].base+"/api/login", bytes.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
				var resp *http.Response
				if resp, err = client.Do(req); err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					res.status, res.retryAfter, res.body = resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
				}
			}
			res.err = err
			results[i] = res
		})
	}
	start := time.Now()
	close(ready)
	wg.Wait()
	counts := map[int]int{}
	perNode := map[int]map[int]int{}
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("POST node%d/api/login: %v", r.node, r.err)
		}
		counts[r.status]++
		if perNode[r.node] == nil {
			perNode[r.node] = map[int]int{}
		}
		perNode[r.node][r.status]++
		if r.status == http.StatusTooManyRequests && r.retryAfter == "" {
			t.Errorf("node%d: 429 without Retry-After: %s", r.node, r.body)
		}
		if r.status != http.StatusBadRequest && r.status != http.StatusTooManyRequests {
			t.Errorf("node%d: POST /api/login with a wrong password = %d %s, want 400 or 429", r.node, r.status, r.body)
		}
	}
	t.Logf("%d parallel wrong-password logins over %d nodes in %s: %v (per node: %v)",
		mnLoginAttempts, mnNodes, time.Since(start).Round(time.Millisecond), counts, perNode)
	if counts[http.StatusBadRequest] != mnLoginLimit || counts[http.StatusTooManyRequests] != mnLoginAttempts-mnLoginLimit {
		t.Errorf("%d wrong-password logins from one client over %d nodes: %d got 400 and %d got 429, want %d and %d (per node: %v)",
			mnLoginAttempts, mnNodes, counts[http.StatusBadRequest], counts[http.StatusTooManyRequests],
			mnLoginLimit, mnLoginAttempts-mnLoginLimit, perNode)
	}
	// Another client is not limited by that one.
	if r := mn.client().do("POST", mn.nodes[1].base+"/api/login", map[string]string{"email": mn.email, "password": "wrong"}); r.status != http.StatusBadRequest {
		t.Errorf("another client's wrong-password login = %d %s, want 400", r.status, r.body)
	}
}

// --- 3. revocation reach ---------------------------------------------------

func (mn *multiNode) checkAPIRevocation(a *e2eClient) {
	t := mn.t
	t.Helper()
	creds := map[string]string{"email": mn.email, "password": mn.password}
	first, second := mn.client(), mn.client()
	for i, c := range []*e2eClient{first, second} {
		if r := c.do("POST", mn.nodes[0].base+"/api/login", creds); r.status != http.StatusOK {
			t.Fatalf("login #%d on node 1 = %d %s, want 200", i+1, r.status, r.body)
		}
	}
	secondID := mn.currentSessionID(second)
	// The session lives in Redis under its derived id, for every node.
	secondKey := mnSessionKeyPrefix + "sid:" + secondID
	if n, err := mn.rdb.Exists(context.Background(), secondKey).Result(); err != nil || n != 1 {
		t.Fatalf("EXISTS %s = %d %v: the session is not in Redis", secondKey, n, err)
	}
	firstCookies := mn.cookieHeader(first)
	secondCookies := mn.cookieHeader(second)
	pollers := mn.pollers()
	defer mnClosePollers(pollers)
	for i, p := range pollers {
		if st, err := p.me(secondCookies); err != nil || st != http.StatusOK {
			t.Fatalf("before the revocation: node%d/api/me with the second session = %d %v, want 200", i+1, st, err)
		}
	}

	deleteStart := time.Now()
	r := first.do("DELETE", mn.nodes[0].base+"/api/sessions/"+secondID, nil)
	revoked := time.Now()
	if r.status != http.StatusOK {
		t.Fatalf("DELETE node1/api/sessions/%s (from the first session) = %d %s, want 200", secondID, r.status, r.body)
	}
	lat := mn.pollUntil401(pollers, secondCookies, revoked)
	if n, err := mn.rdb.Exists(context.Background(), secondKey).Result(); err != nil || n != 0 {
		t.Errorf("EXISTS %s = %d %v after the DELETE, want 0", secondKey, n, err)
	}
	t.Logf("API revocation (DELETE took %s): second session refused after node1 %s, node2 %s, node3 %s",
		revoked.Sub(deleteStart).Round(time.Microsecond), lat[0].d, lat[1].d, lat[2].d)
	for i, l := range lat {
		switch {
		case l.err != nil:
			t.Errorf("node%d: %v", i+1, l.err)
		case i == 0 && l.polls != 1:
			t.Errorf("node1 (the one that revoked) answered 200 %d times after the DELETE, want 401 at once", l.polls-1)
		case l.d > mnAPIRevocation:
			t.Errorf("node%d refused the revoked session %s after the DELETE on node 1 (%d polls), want within %s",
				i+1, l.d, l.polls, mnAPIRevocation)
		}
	}
	// The other sessions of the user live on.
	for i, p := range pollers {
		for name, ck := range map[string]string{"first": firstCookies, "registration": mn.cookieHeader(a)} {
			if st, err := p.me(ck); err != nil || st != http.StatusOK {
				t.Errorf("after revoking another session: node%d/api/me with the %s session = %d %v, want 200", i+1, name, st, err)
			}
		}
	}
}

func (mn *multiNode) checkCLIBlock(a *e2eClient) {
	t := mn.t
	t.Helper()
	cookies := mn.cookieHeader(a)
	pollers := mn.pollers()
	defer mnClosePollers(pollers)
	for i, p := range pollers {
		if st, err := p.me(cookies); err != nil || st != http.StatusOK {
			t.Fatalf("before the block: node%d/api/me = %d %v, want 200", i+1, st, err)
		}
	}
	start := time.Now()
	r := mn.cli("users", "block", mn.email)
	exited := time.Now()
	if r.err != nil || !strings.Contains(r.stdout, "blocked") {
		t.Fatalf("accounts users block %s: %v\nstdout:\n%s\nstderr:\n%s", mn.email, r.err, r.stdout, r.stderr)
	}
	lat := mn.pollUntil401(pollers, cookies, exited)
	t.Logf("CLI block (`accounts users block` ran %s): session refused after node1 %s, node2 %s, node3 %s (from the command's exit)",
		exited.Sub(start).Round(time.Millisecond), lat[0].d, lat[1].d, lat[2].d)
	for i, l := range lat {
		if l.err != nil {
			t.Errorf("node%d: %v", i+1, l.err)
		} else if l.d > mnCLIRevocation {
			t.Errorf("node%d refused the blocked user's session %s after `accounts users block` exited, want within %s",
				i+1, l.d, mnCLIRevocation)
		}
	}
	// A blocked user cannot log in again on any node.
	creds := map[string]string{"email": mn.email, "password": mn.password}
	for i, s := range mn.nodes {
		if r := mn.client().do("POST", s.base+"/api/login", creds); r.status == http.StatusOK {
			t.Errorf("blocked user: POST node%d/api/login = %d %s, want a refusal", i+1, r.status, r.body)
		}
	}
}

// currentSessionID returns the derived id of c's session (GET /api/sessions).
func (mn *multiNode) currentSessionID(c *e2eClient) string {
	t := mn.t
	t.Helper()
	r := c.do("GET", mn.nodes[0].base+"/api/sessions", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/sessions = %d %s", r.status, r.body)
	}
	var list struct {
		Results []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatalf("GET /api/sessions: %v: %s", err, r.body)
	}
	for _, s := range list.Results {
		if s.Current {
			return s.ID
		}
	}
	t.Fatalf("GET /api/sessions lists no current session: %s", r.body)
	return ""
}

// cookieHeader returns c's cookies for the nodes as a Cookie header, so
// that pollers send exactly that session whatever the answers set.
func (mn *multiNode) cookieHeader(c *e2eClient) string {
	req, _ := http.NewRequest("GET", mn.nodes[0].base+"/", nil)
	for _, ck := range c.jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	if req.Header.Get("Cookie") == "" {
		mn.t.Fatal("the client has no cookies")
	}
	return req.Header.Get("Cookie")
}

// mnPoller asks one node GET /api/me with a fixed Cookie header, on a
// kept-alive connection of its own.
type mnPoller struct {
	url    string
	ip     string
	client *http.Client
}

func (mn *multiNode) pollers() []*mnPoller {
	ps := make([]*mnPoller, len(mn.nodes))
	for i, s := range mn.nodes {
		ps[i] = &mnPoller{url: s.base + "/api/me", ip: mn.clientIP, client: &http.Client{Timeout: 5 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 1}}}
	}
	return ps
}

func mnClosePollers(ps []*mnPoller) {
	for _, p := range ps {
		p.client.CloseIdleConnections()
	}
}

func (p *mnPoller) me(cookie string) (int, error) {
	req, err := http.NewRequest("GET", p.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Cookie", cookie)
	req.Header.Set("X-Forwarded-For", p.ip)
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

type mnLatency struct {
	d     time.Duration // from the action to the first 401 received
	polls int
	err   error
}

// pollUntil401 asks every node in parallel, as fast as it answers, until
// it refuses the session, and returns how long after since each did.
func (mn *multiNode) pollUntil401(pollers []*mnPoller, cookie string, since time.Time) []mnLatency {
	return mnPollUntil(pollers, since, func(p *mnPoller) (bool, error) {
		st, err := p.me(cookie)
		switch {
		case err != nil:
			return false, err
		case st != http.StatusOK && st != http.StatusUnauthorized:
			return false, fmt.Errorf("GET %s = %d, want 200 or 401", p.url, st)
		}
		return st == http.StatusUnauthorized, nil
	})
}

// --- 5. jobs from every node at once ---------------------------------------

func (mn *multiNode) checkConcurrentJobs() {
	t := mn.t
	t.Helper()
	var uid int64
	if err := mn.db.QueryRow(`SELECT id FROM accounts_user WHERE email = $1`, mn.email).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	var live int
	if err := mn.db.QueryRow(`SELECT count(*) FROM accounts_user_session_activity`).Scan(&live); err != nil {
		t.Fatal(err)
	}
	// Expired rows in Invenio's sid_s shape, created 40 days ago
	// (PERMANENT_SESSION_LIFETIME is 31 days).
	old := time.Now().UTC().Add(-40 * 24 * time.Hour)
	if _, err := mn.db.Exec(`INSERT INTO accounts_user_session_activity (created, updated, sid_s, user_id, ip)
		SELECT $1, $1, md5(random()::text || g::text) || '_' || to_hex($2::bigint), $3, '192.0.2.1'
		FROM generate_series(1, $4) AS g`, old, old.Unix(), uid, mnExpiredSessions); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	results := mn.cliConcurrently(mnNodes, "tasks", "clean-sessions", "--batch-size", strconv.Itoa(mnCleanBatchSize))
	elapsed := time.Since(start)
	final := regexp.MustCompile(`(?m)^clean-sessions: (\d+) rows in (\d+) batches`)
	sum := 0
	var per []string
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("tasks clean-sessions #%d: %v\nstdout:\n%s\nstderr:\n%s", i+1, r.err, r.stdout, r.stderr)
		}
		m := final.FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("tasks clean-sessions #%d printed no summary: %q", i+1, r.stdout)
		}
		n, _ := strconv.Atoi(m[1])
		sum += n
		per = append(per, m[1]+" rows/"+m[2]+" batches")
	}
	t.Logf("%d concurrent `tasks clean-sessions` over %d expired rows in %s: %s",
		mnNodes, mnExpiredSessions, elapsed.Round(time.Millisecond), strings.Join(per, ", "))
	if sum != mnExpiredSessions {
		t.Errorf("the %d clean-sessions processes reported %d rows in all, want the %d seeded", mnNodes, sum, mnExpiredSessions)
	}
	var expired, left int
	if err := mn.db.QueryRow(`SELECT count(*) FILTER (WHERE created < $1), count(*) FROM accounts_user_session_activity`,
		old.Add(time.Hour)).Scan(&expired, &left); err != nil {
		t.Fatal(err)
	}
	if expired != 0 {
		t.Errorf("%d expired session rows left after clean-sessions, want 0", expired)
	}
	if left != live {
		t.Errorf("%d session rows left after clean-sessions, want the %d live ones", left, live)
	}
}

// --- CLI -----------------------------------------------------------------------

type mnCLIResult struct {
	stdout, stderr string
	err            error
}

// cli runs `accounts args...` with the nodes' environment.
func (mn *multiNode) cli(args ...string) mnCLIResult {
	ctx, cancel := context.WithTimeout(context.Background(), mnCLITimeout)
	defer cancel()
	dataDir := mn.t.TempDir()
	cmd := exec.CommandContext(ctx, mn.bin, args...)
	cmd.Env = append(slices.Clone(mn.env), "ACCOUNTS_DATA_DIR="+dataDir)
	cmd.Dir = dataDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%v: killed after %s", err, mnCLITimeout)
	}
	return mnCLIResult{stdout.String(), stderr.String(), err}
}

// cliConcurrently runs n `accounts args...` processes at once.
func (mn *multiNode) cliConcurrently(n int, args ...string) []mnCLIResult {
	results := make([]mnCLIResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = mn.cli(args...) })
	}
	wg.Wait()
	return results
}

// --- helpers ---------------------------------------------------------------

// mnRandomIP returns an address in 198.18.0.0/15 (RFC 2544, benchmarking):
// the client the nodes see behind their trusted proxy.
func mnRandomIP(t *testing.T) string {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<17-2))
	if err != nil {
		t.Fatal(err)
	}
	v := 198<<24 | 18<<16 | (n.Int64() + 1)
	return fmt.Sprintf("%d.%d.%d.%d", v>>24&255, v>>16&255, v>>8&255, v&255)
}

// mnSessionKeyPrefix is the binary's fixed session key prefix
// (redisstore.DefaultPrefix).
const mnSessionKeyPrefix = "accounts:session:"

// mnCleanSharedRedis deletes, when the test ends, what the test left in the
// shared Redis, whose key prefixes the binary does not let it choose: the
// session keys created since now (as e2e_test.go does) and the rate-limit
// keys of the client addresses it used ("accounts:ratelimit:{client/<endpoint>/<ip>}:...").
func mnCleanSharedRedis(t *testing.T, redisURL string, ips ...string) {
	t.Helper()
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatalf("ACCOUNTS_TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before, err := e2eScanKeys(ctx, rdb)
	if err != nil {
		rdb.Close()
		t.Fatalf("redis: %v", err)
	}
	t.Cleanup(func() {
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		after, err := e2eScanKeys(ctx, rdb)
		if err != nil {
			t.Errorf("redis cleanup: %v", err)
			return
		}
		var mine []string
		for k := range after {
			if _, ok := before[k]; !ok {
				mine = append(mine, k)
			}
		}
		iter := rdb.Scan(ctx, 0, "accounts:ratelimit:*", 1000).Iterator()
		for iter.Next(ctx) {
			for _, ip := range ips {
				if strings.Contains(iter.Val(), "/"+ip+"}") {
					mine = append(mine, iter.Val())
				}
			}
		}
		if err := iter.Err(); err != nil {
			t.Errorf("redis cleanup: %v", err)
		}
		if len(mine) > 0 {
			if err := rdb.Del(ctx, mine...).Err(); err != nil && !errors.Is(err, redis.Nil) {
				t.Errorf("redis cleanup: deleting %d keys: %v", len(mine), err)
			}
		}
	})
}
