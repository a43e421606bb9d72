package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/invenio-go/accounts/bench/loadgen"
)

// row is one line of the table: a scenario on a server, one result per run.
type row struct {
	key, scenario, server string
	workers               int
	results               []loadgen.Result
	rss                   []float64 // the server's RSS (MB) after each run
}

func (b *bench) add(key, scenario, server string, workers int, res loadgen.Result, rss float64) {
	r := b.rows[key]
	if r == nil {
		r = &row{key: key, scenario: scenario, server: server, workers: workers}
		b.rows[key] = r
		b.order = append(b.order, key)
	}
	r.results = append(r.results, res)
	r.rss = append(r.rss, rss)
	msg := fmt.Sprintf("  %-34s %s", key, res)
	if rss > 0 {
		msg += fmt.Sprintf(" rss=%.1fMB", rss)
	}
	b.logf("%s", msg)
}

// fleet is every long-running server of the rounds.
type fleet struct {
	ceiling                                        *server
	memSQLite, redisSQLite, memPG, redisPG, login2 *server
	revoke, flask, flask2                          *server
}

const (
	invenioRounds = 25000  // Invenio's default (passlib's)
	ourRounds     = 210000 // accounts' default
)

// loginWorkers is the concurrency of the password scenarios: twice the
// cores, so that every core always has a hash to compute.
func (b *bench) loginWorkers() int { return 2 * b.cores }

// startAll starts the servers of the rounds and opens the sessions of the
// GET /api/me scenarios.
func (b *bench) startAll(ctx context.Context) (*fleet, error) {
	f := &fleet{}
	var err error
	b.logf("starting the servers")
	if b.want("me") {
		if f.ceiling, err = b.startCeiling(); err != nil {
			return nil, err
		}
	}
	lw := b.loginWorkers()
	specs := []struct {
		dst    **server
		spec   accountsSpec
		groups []string
	}{
		{&f.memSQLite, accountsSpec{name: "accounts-sqlite-memory", rounds: invenioRounds, users: lw}, []string{"me", "page", "login", "register"}},
		{&f.redisSQLite, accountsSpec{name: "accounts-sqlite-redis", redis: true, rounds: invenioRounds, users: 1}, []string{"me"}},
		{&f.memPG, accountsSpec{name: "accounts-pg-memory", postgres: true, rounds: invenioRounds, users: 1}, []string{"me"}},
		{&f.redisPG, accountsSpec{name: "accounts-pg-redis", postgres: true, redis: true, rounds: invenioRounds, users: 1}, []string{"me"}},
		{&f.login2, accountsSpec{name: "accounts-210k", rounds: ourRounds, users: lw}, []string{"login"}},
		{&f.revoke, accountsSpec{name: "accounts-revoke", rounds: 1, users: lw}, []string{"revoke"}},
	}
	for _, s := range specs {
		if !b.want(s.groups...) {
			continue
		}
		srv, err := b.startAccounts(ctx, s.spec)
		if err == errSkip {
			continue
		}
		if err != nil {
			return nil, err
		}
		*s.dst = srv
	}
	for _, s := range []*server{f.memSQLite, f.redisSQLite, f.memPG, f.redisPG} {
		if s != nil && b.want("me") {
			if err := s.openSessions(b.conns); err != nil {
				return nil, err
			}
		}
	}
	if !b.want("me", "login") {
		return f, nil
	}
	if f.flask, err = b.startFlask(ctx, "flaskpeer-25k", invenioRounds, lw); err != nil && err != errSkip {
		b.notef("Flask-Security peer: %v", err)
	}
	if f.flask != nil {
		if err := f.flask.openSessions(lw); err != nil {
			return nil, err
		}
	}
	if f.flask != nil && b.want("login") {
		if f.flask2, err = b.startFlask(ctx, "flaskpeer-210k", ourRounds, lw); err != nil && err != errSkip {
			b.notef("Flask-Security peer (210000 rounds): %v", err)
		}
	}
	return f, nil
}

// fixed runs a scenario whose requests never change (one per worker),
// expecting status want.
func (b *bench) fixed(key, scenario string, s *server, workers int, rate float64, want int, req func(w int) []byte) {
	if s == nil {
		return
	}
	conns := make([]*loadgen.Conn, workers)
	reqs := make([][]byte, workers)
	for w := range workers {
		conns[w] = loadgen.NewConn(s.addr, reqTimeout)
		reqs[w] = req(w)
	}
	opts := loadgen.Options{Context: b.ctx, Workers: workers, Warmup: b.warmup, Duration: b.dur, Rate: rate}
	res := loadgen.Run(opts, func(w int) error {
		resp, err := conns[w].Do(reqs[w])
		return loadgen.Expect(resp, err, want)
	})
	for _, c := range conns {
		c.Close()
	}
	b.add(key, scenario, serverLabel(s), workers, res, s.rssMB())
}

func serverLabel(s *server) string {
	switch s.kind {
	case "ceiling":
		return "ceiling (bench/ceiling)"
	case "flask":
		return "Flask-Security (gunicorn)"
	}
	return s.name
}

func meRequest(s *server) func(w int) []byte {
	return func(w int) []byte {
		return loadgen.Request("GET", s.addr, "/api/me",
			[]string{"Accept: application/json", "Cookie: session=" + s.cookies[w%len(s.cookies)]}, nil)
	}
}

// logins runs logins by worker w as the server's user w.
func (b *bench) logins(key, scenario string, s *server, dur time.Duration) {
	if s == nil {
		return
	}
	workers := b.loginWorkers()
	conns := make([]*loadgen.Conn, workers)
	for w := range conns {
		conns[w] = loadgen.NewConn(s.addr, reqTimeout)
	}
	opts := loadgen.Options{Context: b.ctx, Workers: workers, Warmup: b.warmup, Duration: dur}
	res := loadgen.Run(opts, func(w int) error {
		resp, err := conns[w].Do(s.loginRequest(s.users[w%len(s.users)]))
		return loadgen.Expect(resp, err, 200)
	})
	for _, c := range conns {
		c.Close()
	}
	b.add(key, scenario, serverLabel(s), workers, res, s.rssMB())
}

// round runs every scenario once.
func (b *bench) round(ctx context.Context, f *fleet, r int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.want("me") {
		b.roundMe(f)
	}
	if b.want("page") {
		b.fixed("login-page", "GET /login/ (first visit)", f.memSQLite, b.conns, 0, 200, func(int) []byte {
			return loadgen.Request("GET", f.memSQLite.addr, "/login/", []string{"Accept: text/html"}, nil)
		})
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.want("login") {
		b.roundLogin(f)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.want("register") {
		b.register(f.memSQLite, r)
	}
	if b.want("revoke") {
		return b.revoke(f.revoke)
	}
	return nil
}

// roundMe runs authenticated GET /api/me between two runs of its ceiling
// (their mean is the round's baseline, which cancels a steady drift of the
// machine's load), then at 70% of its maximum, and on the peer.
func (b *bench) roundMe(f *fleet) {
	b.fixed("ceiling", "GET /api/me (ceiling), before", f.ceiling, b.conns, 0, 200, meRequest(f.ceiling))
	b.fixed("me-sqlite-memory", "GET /api/me, memory store, SQLite", f.memSQLite, b.conns, 0, 200, meRequest(f.memSQLite))
	b.fixed("me-sqlite-redis", "GET /api/me, Redis store, SQLite", f.redisSQLite, b.conns, 0, 200, meRequest(f.redisSQLite))
	b.fixed("me-pg-memory", "GET /api/me, memory store, PostgreSQL", f.memPG, b.conns, 0, 200, meRequest(f.memPG))
	b.fixed("me-pg-redis", "GET /api/me, Redis store, PostgreSQL", f.redisPG, b.conns, 0, 200, meRequest(f.redisPG))
	b.fixed("ceiling-after", "GET /api/me (ceiling), after", f.ceiling, b.conns, 0, 200, meRequest(f.ceiling))
	b.at70("me-sqlite-memory-70", "me-sqlite-memory", f.memSQLite)
	b.at70("me-sqlite-redis-70", "me-sqlite-redis", f.redisSQLite)
	// The same for the ceiling: what this machine's tail is at 70% load
	// when the server does next to nothing.
	b.at70("ceiling-70", "ceiling-after", f.ceiling)
	if f.flask != nil {
		b.fixed("flask-me", "GET /api/me (Redis sessions, SQLite)", f.flask, b.loginWorkers(), 0, 200, meRequest(f.flask))
	}
	if b.useWrk && haveCmd("wrk") {
		b.wrk("ceiling-wrk", "GET /api/me (ceiling), wrk", f.ceiling)
		b.wrk("me-sqlite-memory-wrk", "GET /api/me, memory store, SQLite, wrk", f.memSQLite)
	}
}

// roundLogin runs the logins between two timings of OpenSSL on one core
// (their mean is the round's baseline).
func (b *bench) roundLogin(f *fleet) {
	b.openssl(invenioRounds, 30, "")
	b.logins("login-25k", "POST /api/login, 25000 rounds", f.memSQLite, b.dur)
	b.logins("flask-login-25k", "POST /login (JSON), 25000 rounds", f.flask, b.dur)
	b.openssl(invenioRounds, 30, "after")
	b.openssl(ourRounds, 4, "")
	b.logins("login-210k", "POST /api/login, 210000 rounds", f.login2, b.long)
	b.logins("flask-login-210k", "POST /login (JSON), 210000 rounds", f.flask2, b.long)
	b.openssl(ourRounds, 4, "after")
}

// openssl times OpenSSL's PBKDF2-HMAC-SHA512 on one core, as a row whose
// "throughput" is hashes per second and p50 the time per hash.
func (b *bench) openssl(rounds, count int, suffix string) {
	if b.pbkdf2Bin == "" {
		return
	}
	// The inputs of a pbkdf2_sha512 verification: the 88-character base64
	// HMAC-SHA512 pre-hash and a 16-byte salt.
	secret := strings.Repeat("QmVuY2gtaG9yc2UtNDI", 5)[:86] + "=="
	out, err := exec.Command(b.pbkdf2Bin, strconv.Itoa(rounds), strconv.Itoa(count), secret,
		"000102030405060708090a0b0c0d0e0f").Output()
	if err != nil {
		b.notef("OpenSSL PBKDF2: %v", err)
		return
	}
	f := strings.Fields(string(out))
	ns, err := strconv.ParseFloat(f[0], 64)
	if err != nil || len(f) < 2 {
		b.notef("OpenSSL PBKDF2: unexpected output %q", out)
		return
	}
	per := time.Duration(ns / float64(count))
	res := loadgen.Result{OK: count, Elapsed: time.Duration(ns), Throughput: float64(count) / (ns / 1e9), P50: per, P99: per}
	key := fmt.Sprintf("openssl-%d", rounds)
	label := fmt.Sprintf("PBKDF2-HMAC-SHA512, %d rounds, 1 thread", rounds)
	if suffix != "" {
		key += "-" + suffix
		label += ", " + suffix
	} else {
		label += ", before"
	}
	b.add(key, label, "OpenSSL (opensslbench/pbkdf2.c)", 1, res, 0)
}

// register signs up new users (a unique address per request).
func (b *bench) register(s *server, r int) {
	if s == nil {
		return
	}
	workers := b.loginWorkers()
	conns := make([]*loadgen.Conn, workers)
	seq := make([]int, workers)
	for w := range conns {
		conns[w] = loadgen.NewConn(s.addr, reqTimeout)
	}
	opts := loadgen.Options{Context: b.ctx, Workers: workers, Warmup: b.warmup, Duration: b.dur}
	res := loadgen.Run(opts, func(w int) error {
		seq[w]++
		body := fmt.Sprintf(`{"email":"reg-%d-%d-%d@example.org","password":%q}`, r, w, seq[w], benchPassword)
		resp, err := conns[w].Do(loadgen.Request("POST", s.addr, "/api/register",
			[]string{"Content-Type: application/json", "Accept: application/json"}, []byte(body)))
		return loadgen.Expect(resp, err, 200)
	})
	for _, c := range conns {
		c.Close()
	}
	b.add("register", "POST /api/register, 25000 rounds", serverLabel(s), workers, res, s.rssMB())
}

// revokePerWorker is how many sessions each worker's user opens, to be
// revoked, in each round.
const revokePerWorker = 500

// revoke opens sessions for each worker's user (logins at 1 round: the
// setup is not measured), then measures DELETE /api/sessions/{id} of them
// from another session of the same user.
func (b *bench) revoke(s *server) error {
	if s == nil {
		return nil
	}
	workers := b.loginWorkers()
	conns := make([]*loadgen.Conn, workers)
	for w := range conns {
		conns[w] = loadgen.NewConn(s.addr, reqTimeout)
		defer conns[w].Close()
	}
	setup := loadgen.Run(loadgen.Options{Context: b.ctx, Workers: workers, Duration: time.Minute, MaxRequests: workers * revokePerWorker},
		func(w int) error {
			resp, err := conns[w].Do(s.loginRequest(s.users[w]))
			return loadgen.Expect(resp, err, 200)
		})
	if setup.Errors > 0 {
		return fmt.Errorf("revoke setup: %d logins failed: %s", setup.Errors, setup.FirstError)
	}
	queues := make([][]string, workers)
	reqHeaders := make([][]string, workers)
	total := 0
	for w := range workers {
		session, csrf, err := s.login(conns[w], s.users[w])
		if err != nil {
			return err
		}
		ids, _, err := s.sessionIDs(conns[w], session)
		if err != nil {
			return err
		}
		queues[w] = ids
		total += len(ids)
		reqHeaders[w] = []string{"Accept: application/json", "X-CSRFToken: " + csrf,
			"Cookie: session=" + session + "; csrftoken=" + csrf}
	}
	opts := loadgen.Options{Context: b.ctx, Workers: workers, Duration: b.long, MaxRequests: total}
	res := loadgen.Run(opts, func(w int) error {
		if len(queues[w]) == 0 {
			return loadgen.ErrStop
		}
		id := queues[w][0]
		queues[w] = queues[w][1:]
		resp, err := conns[w].Do(loadgen.Request("DELETE", s.addr, "/api/sessions/"+id, reqHeaders[w], nil))
		return loadgen.Expect(resp, err, 200)
	})
	b.add("revoke", "DELETE /api/sessions/{id} (revoke)", serverLabel(s), workers, res, s.rssMB())
	return nil
}

// at70 measures GET /api/me open loop at 70% of the maximum throughput
// just measured (this round's run of the row from): the latency of a
// service that is busy but not saturated. Latency counts from each
// request's scheduled time, so a request waiting for its connection is
// counted late.
func (b *bench) at70(key, from string, s *server) {
	r := b.rows[from]
	if s == nil || r == nil || len(r.results) == 0 || r.results[len(r.results)-1].Throughput == 0 {
		return
	}
	rate := 0.7 * r.results[len(r.results)-1].Throughput
	what := strings.TrimPrefix(r.scenario, "GET /api/me, ")
	if s.kind == "ceiling" {
		what = "ceiling"
	}
	b.fixed(key, "GET /api/me at 70% of that max (open loop), "+what, s, 2*b.conns, rate, 200, meRequest(s))
}

// wrk runs wrk against GET /api/me as a cross-check of loadgen (one
// session cookie for every connection).
func (b *bench) wrk(key, scenario string, s *server) {
	if s == nil {
		return
	}
	secs := strconv.Itoa(int((b.dur + b.warmup).Seconds() + 0.5))
	out, err := exec.Command("wrk", "-t1", "-c"+strconv.Itoa(b.conns), "-d"+secs+"s", "--latency",
		"-H", "Cookie: session="+s.cookies[0], "-H", "Accept: application/json", "http://"+s.addr+"/api/me").CombinedOutput()
	if err != nil {
		b.notef("wrk: %v %s", err, out)
		return
	}
	res, err := parseWrk(string(out))
	if err != nil {
		b.notef("wrk: %v", err)
		return
	}
	b.add(key, scenario, serverLabel(s), b.conns, res, s.rssMB())
}

// parseWrk reads requests/s, the 50% and 99% latencies and the non-2xx
// count of wrk --latency.
func parseWrk(out string) (loadgen.Result, error) {
	var res loadgen.Result
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			res.Throughput, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "50%":
			res.P50 = wrkDuration(f[1])
		case len(f) == 2 && f[0] == "99%":
			res.P99 = wrkDuration(f[1])
		case strings.HasPrefix(strings.TrimSpace(line), "Non-2xx or 3xx responses:") && len(f) > 0:
			res.Errors, _ = strconv.Atoi(f[len(f)-1])
			res.FirstError = "non-2xx responses"
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			res.OK, _ = strconv.Atoi(f[0])
		}
	}
	if res.Throughput == 0 {
		return res, fmt.Errorf("no Requests/sec in wrk's output:\n%s", out)
	}
	res.OK -= res.Errors
	return res, nil
}

func wrkDuration(s string) time.Duration {
	d, err := time.ParseDuration(strings.Replace(s, "us", "µs", 1))
	if err != nil {
		return 0
	}
	return d
}

// startup measures `accounts serve` from exec to its first 200 on /readyz
// on a migrated SQLite database (5 times), and its RSS 1 s later, idle.
func (b *bench) startup(ctx context.Context) error {
	dir := filepath.Join(b.runDir, "startup")
	os.MkdirAll(dir, 0o755)
	env := b.accountsEnv(dir, "sqlite:///"+filepath.Join(dir, "accounts.db"), false, invenioRounds)
	// A fresh database first: migrations included.
	fresh, err := b.timeStart(ctx, "startup-fresh", dir, env)
	if err != nil {
		return err
	}
	b.facts["startup_fresh_ms"] = fresh.ready.Seconds() * 1000
	var ready, rss []float64
	for range 5 {
		m, err := b.timeStart(ctx, "startup", dir, env)
		if err != nil {
			return err
		}
		ready = append(ready, m.ready.Seconds()*1000)
		rss = append(rss, m.rss)
	}
	b.facts["startup_ms"] = median(ready)
	b.facts["idle_rss_mb"] = median(rss)
	b.logf("  start to /readyz %.0f ms (fresh database %.0f ms), idle RSS %.1f MB", median(ready), b.facts["startup_fresh_ms"], median(rss))
	b.startupRuns = ready
	return nil
}

type startMeasure struct {
	ready time.Duration
	rss   float64
}

func (b *bench) timeStart(ctx context.Context, name, dir string, env []string) (startMeasure, error) {
	addr, err := freeAddr()
	if err != nil {
		return startMeasure{}, err
	}
	t0 := time.Now()
	p, err := startProc(name, dir, addr, env, b.accountsBin, "serve", "--addr", addr)
	if err != nil {
		return startMeasure{}, err
	}
	defer p.stop(10 * time.Second)
	d, err := p.waitReady("http://"+addr+"/readyz", t0, 30*time.Second)
	if err != nil {
		return startMeasure{}, err
	}
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return startMeasure{}, ctx.Err()
	}
	return startMeasure{ready: d, rss: p.rssMB()}, nil
}

// debugScenarios use the bench-only debug build: a CPU profile of GET
// /api/me under load, then the live heap per stored session.
func (b *bench) debugScenarios(ctx context.Context) error {
	s, err := b.startAccounts(ctx, accountsSpec{name: "accounts-debug", rounds: 1, users: 8, debug: true})
	if err != nil {
		return err
	}
	time.Sleep(time.Second)
	if h, err := heapOf(s); err == nil {
		b.facts["idle_heap_mb"] = h / 1e6
		b.facts["idle_rss_debug_mb"] = s.rssMB()
	}
	if !b.noProfile {
		if err := b.profile(s); err != nil {
			b.notef("profile: %v", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.memoryPerSession(s)
}

func (b *bench) profile(s *server) error {
	if err := s.openSessions(b.conns); err != nil {
		return err
	}
	b.logf("CPU profile of accounts (debug build) under GET /api/me, memory store, SQLite")
	var wg sync.WaitGroup
	var perr error
	path := filepath.Join(b.outDir, "cpu-api-me.pprof")
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(time.Second)
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get("http://" + s.debug + "/debug/pprof/profile?seconds=5")
		if err != nil {
			perr = err
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(path)
		if err != nil {
			perr = err
			return
		}
		defer f.Close()
		_, perr = io.Copy(f, resp.Body)
	}()
	saved := b.dur
	b.dur = 7 * time.Second
	b.fixed("me-debug-profiled", "GET /api/me, memory store, SQLite (debug build, profiled)", s, b.conns, 0, 200, meRequest(s))
	b.dur = saved
	wg.Wait()
	if perr != nil {
		return perr
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=30", b.debugBin, path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go tool pprof: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(b.outDir, "cpu-api-me.txt"), out, 0o644)
	cum, _ := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=60", b.debugBin, path).CombinedOutput()
	os.WriteFile(filepath.Join(b.outDir, "cpu-api-me-cum.txt"), cum, 0o644)
	b.profileTop = string(out)
	return nil
}

// heapOf reads the debug build's live heap (after a forced collection).
func heapOf(s *server) (float64, error) {
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get("http://" + s.debug + "/debug/bench/heap")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	f := strings.Fields(string(body))
	if len(f) < 1 {
		return 0, fmt.Errorf("heap endpoint answered %q", body)
	}
	return strconv.ParseFloat(f[0], 64)
}

// memoryPerSession stores b.sessions sessions through REST logins (one new
// session each; 1 round, so hashing is nothing) and divides the growth of
// the live heap, and of RSS, by their number.
func (b *bench) memoryPerSession(s *server) error {
	h0, err := heapOf(s)
	if err != nil {
		return err
	}
	rss0 := s.rssMB()
	b.logf("storing %d sessions (memory store, logins at 1 round), bounded to %v", b.sessions, b.memTime)
	workers := 8
	conns := make([]*loadgen.Conn, workers)
	for w := range conns {
		conns[w] = loadgen.NewConn(s.addr, reqTimeout)
		defer conns[w].Close()
	}
	var done atomic.Int64
	res := loadgen.Run(loadgen.Options{Context: b.ctx, Workers: workers, Duration: b.memTime, MaxRequests: b.sessions}, func(w int) error {
		resp, err := conns[w].Do(s.loginRequest(s.users[w%len(s.users)]))
		if err := loadgen.Expect(resp, err, 200); err != nil {
			return err
		}
		done.Add(1)
		return nil
	})
	b.add("store-sessions", fmt.Sprintf("POST /api/login, 1 round (storing %d sessions)", b.sessions), serverLabel(s), workers, res, s.rssMB())
	h1, err := heapOf(s)
	if err != nil {
		return err
	}
	rss1 := s.rssMB()
	n := float64(res.OK)
	if n == 0 {
		return fmt.Errorf("no session stored: %s", res.FirstError)
	}
	b.facts["sessions_stored"] = n
	b.facts["heap_per_session"] = (h1 - h0) / n
	b.facts["rss_per_session"] = (rss1 - rss0) * 1e6 / n
	b.facts["heap_before_mb"], b.facts["heap_after_mb"] = h0/1e6, h1/1e6
	b.facts["rss_before_mb"], b.facts["rss_after_mb"] = rss0, rss1
	b.logf("  live heap %.1f → %.1f MB, RSS %.1f → %.1f MB for %.0f sessions: %.0f B/session (heap), %.0f B/session (RSS)",
		h0/1e6, h1/1e6, rss0, rss1, n, b.facts["heap_per_session"], b.facts["rss_per_session"])
	return nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// median of a row's figure over its runs (0 when the row is missing).
func (b *bench) median(key string, fig func(loadgen.Result) float64) float64 {
	r := b.rows[key]
	if r == nil {
		return 0
	}
	var v []float64
	for _, res := range r.results {
		v = append(v, fig(res))
	}
	return median(v)
}

func throughput(r loadgen.Result) float64 { return r.Throughput }
func p50ms(r loadgen.Result) float64      { return r.P50.Seconds() * 1000 }
func p99ms(r loadgen.Result) float64      { return r.P99.Seconds() * 1000 }
