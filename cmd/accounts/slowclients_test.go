package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/testenv"
)

// TestSlowClients drives one `accounts serve` process with slow and
// hostile clients, all on loopback and bounded in count and time:
//
//   - BodyLimits: over-large form and JSON bodies get 413, an over-large
//     header 431, quickly;
//   - Slowloris: 500 connections sending their headers one byte a second
//     are cut by ReadHeaderTimeout (5 s) while other clients are served in
//     well under a second;
//   - IdleConnections: 10,000 idle keep-alive connections are held while
//     normal requests still succeed, and all of them still work after;
//   - SlowBody: a body sent one byte a second is cut by ReadTimeout (30 s;
//     started first, in the background, so it overlaps the others);
//   - Shutdown: on SIGTERM, a request in flight finishes with 200, new
//     connections are refused at once and the process exits 0.
//
// The server timeouts are httpserver.Serve's: ReadHeaderTimeout 5 s,
// ReadTimeout 30 s, WriteTimeout 60 s, IdleTimeout 120 s, 32 KiB of
// headers; the body limits are 64 KiB for forms and JSON.
func TestSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary with 10,000 connections; skipped in -short mode")
	}
	bin := e2eBuild(t)
	srv := e2eStart(t, bin, freeAddr(t), t.TempDir(), faultEnv())
	addr := strings.TrimPrefix(srv.base, "http://")
	tr := faultTransport(t)
	users := faultUsers(t, srv.base, tr, "slow", 2)

	slowBody := make(chan slowBodyResult, 1)
	slowBodyStart := time.Now()
	go func() { slowBody <- sendSlowBody(addr, users[0].email, 45*time.Second) }()

	t.Run("BodyLimits", func(t *testing.T) { slowBodyLimits(t, addr) })
	t.Run("Slowloris", func(t *testing.T) { slowSlowloris(t, srv.base, addr, tr, users) })
	t.Run("IdleConnections", func(t *testing.T) { slowIdleConnections(t, srv, addr, tr, users) })
	t.Run("SlowBody", func(t *testing.T) {
		var r slowBodyResult
		select {
		case r = <-slowBody:
		case <-time.After(time.Until(slowBodyStart.Add(60 * time.Second))):
			t.Fatal("the slow-body client did not finish within 60 s")
		}
		t.Logf("slow body: %d bytes sent in %s; the server %s", r.sent, r.ended.Round(time.Millisecond), r.outcome())
		if r.status >= 500 {
			t.Errorf("slow body: the server answered %d, want no 5xx", r.status)
		}
		if !r.serverEnded {
			t.Errorf("slow body: the server never cut the connection (the client gave up after %s)", r.ended.Round(time.Millisecond))
		} else if r.ended < 25*time.Second || r.ended > 40*time.Second {
			t.Errorf("slow body: the server ended the request after %s, want about ReadTimeout (30 s)", r.ended.Round(time.Millisecond))
		}
		faultReport(t, "POST /api/login, Content-Length 200, body 1 byte/s | %s after %s (%d bytes sent)",
			r.outcome(), r.ended.Round(time.Millisecond), r.sent)
	})
	t.Run("Shutdown", func(t *testing.T) { slowShutdown(t, srv, addr, users[1].email) })
}

// rawResult is the outcome of a request written on a raw connection.
type rawResult struct {
	status int
	dur    time.Duration
	err    error
}

// rawRequest writes head and body on a new connection while it reads the
// response, as a client that reads early does (the server may answer
// before the body is all sent, and close).
func rawRequest(addr, head string, body []byte, timeout time.Duration) rawResult {
	start := time.Now()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return rawResult{err: err}
	}
	defer conn.Close()
	conn.SetDeadline(start.Add(timeout))
	go func() {
		if _, err := io.WriteString(conn, head); err == nil {
			conn.Write(body) // the server may close first: ignore
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return rawResult{dur: time.Since(start), err: err}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return rawResult{status: resp.StatusCode, dur: time.Since(start)}
}

func postHead(path, contentType string, n int, extra string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n",
		path, contentType, n, extra)
}

func slowBodyLimits(t *testing.T, addr string) {
	pad := func(n int) string { return strings.Repeat("a", n) }
	jsonBody := func(n int) []byte {
		return []byte(`{"email": "limits@example.org", "password": "` + pad(n) + `"}`)
	}
	formBody := func(n int) []byte { return []byte("email=limits%40example.org&password=x&csrf_token=" + pad(n)) }
	cases := []struct {
		name, path, ctype string
		body              []byte
		extraHeader       string
		want              func(int) bool
		wantText          string
	}{
		{"form 1 MiB to /login/", "/login/", "application/x-www-form-urlencoded", formBody(1 << 20), "", is(413), "413"},
		{"form 10 MiB to /login/", "/login/", "application/x-www-form-urlencoded", formBody(10 << 20), "", is(413), "413"},
		{"form 1 MiB to /signup/", "/signup/", "application/x-www-form-urlencoded", formBody(1 << 20), "", is(413), "413"},
		{"JSON 64 KiB + 1 to /api/login", "/api/login", "application/json", jsonBody(64<<10 + 1), "", is(413), "413"},
		{"JSON 1 MiB to /api/login", "/api/login", "application/json", jsonBody(1 << 20), "", is(413), "413"},
		{"JSON 1 MiB to /api/register", "/api/register", "application/json", jsonBody(1 << 20), "", is(413), "413"},
		{"JSON 60 KiB to /api/login", "/api/login", "application/json", jsonBody(60 << 10), "",
			func(s int) bool { return s >= 400 && s < 500 && s != 413 }, "4xx but 413 (under the limit: a bad login)"},
		{"64 KiB header", "/api/login", "application/json", jsonBody(10), "X-Big: " + pad(64<<10) + "\r\n", is(431), "431"},
	}
	var rows []string
	for _, c := range cases {
		r := rawRequest(addr, postHead(c.path, c.ctype, len(c.body), c.extraHeader), c.body, 10*time.Second)
		switch {
		case r.err != nil:
			t.Errorf("%s: %v after %s, want %s", c.name, r.err, r.dur.Round(time.Millisecond), c.wantText)
		case !c.want(r.status):
			t.Errorf("%s: %d, want %s", c.name, r.status, c.wantText)
		case r.dur > time.Second:
			t.Errorf("%s: %d after %s, want it within 1 s", c.name, r.status, r.dur.Round(time.Millisecond))
		}
		rows = append(rows, fmt.Sprintf("%s → %d in %s", c.name, r.status, r.dur.Round(time.Millisecond)))
	}
	faultReport(t, "%s", strings.Join(rows, "; "))
}

func is(code int) func(int) bool { return func(s int) bool { return s == code } }

// slowSlowloris opens 500 connections that send a request's headers one
// byte a second, and meanwhile measures normal requests.
func slowSlowloris(t *testing.T, base, addr string, tr http.RoundTripper, users []faultUser) {
	const (
		conns   = 500
		maxLife = 15 * time.Second // each slow connection gives up by then
	)
	type lorisResult struct {
		closedAfter time.Duration // when the server closed it (0: it did not)
		sent        int
		err         error
	}
	results := make([]lorisResult, conns)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	var opened atomic.Int64
	start := time.Now()
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			<-sem
			if err != nil {
				results[i].err = err
				return
			}
			defer conn.Close()
			opened.Add(1)
			dialed := time.Now()
			conn.SetDeadline(dialed.Add(maxLife))
			closed := make(chan time.Duration, 1)
			go func() {
				var b [512]byte
				for {
					if _, err := conn.Read(b[:]); err != nil {
						if ne, ok := err.(net.Error); ok && ne.Timeout() {
							closed <- 0 // our own deadline: the server kept it
						} else {
							closed <- time.Since(dialed)
						}
						return
					}
				}
			}()
			msg := []byte("GET /login/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
			if _, err := conn.Write(msg[:len(msg)-2]); err != nil {
				results[i].err = err
				return
			}
			results[i].sent = len(msg) - 2
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case d := <-closed:
					results[i].closedAfter = d
					return
				case <-tick.C:
					if _, err := conn.Write([]byte("a")); err == nil {
						results[i].sent++
					}
				}
			}
		}()
	}
	allOpen := time.Since(start)

	// Others: a new connection to /healthz, a logged-in GET /api/me and a
	// login, every 100 ms while the slow connections are held.
	var others []loadSample
	c := users[1].client
	probeEnd := time.Now().Add(7 * time.Second)
	for i := 0; i < 200 && time.Now().Before(probeEnd); i++ {
		fresh := newLoadClient(base, &http.Transport{Proxy: nil, DisableKeepAlives: true})
		others = append(others, fresh.call("healthz", "GET", "/healthz", nil), c.call("me", "GET", "/api/me", nil))
		if i%3 == 0 {
			others = append(others, newLoadClient(base, tr).call("login", "POST", "/api/login",
				map[string]string{"email": users[0].email, "password": faultPassword}))
		}
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()

	st := summarize(others, all)
	checkResponses(t, "others during slowloris", others, map[string][]int{"healthz": {200}, "me": {200}, "login": {200}})
	if st.maxDur >= time.Second {
		t.Errorf("a normal request took %s during the slowloris, want < 1 s", st.maxDur)
	}
	var cut []time.Duration
	kept, failed := 0, 0
	for _, r := range results {
		switch {
		case r.err != nil:
			failed++
		case r.closedAfter == 0:
			kept++
		default:
			cut = append(cut, r.closedAfter)
		}
	}
	sort.Slice(cut, func(i, j int) bool { return cut[i] < cut[j] })
	if failed > 0 {
		t.Errorf("%d of %d slow connections could not be opened or written", failed, conns)
	}
	if kept > 0 {
		t.Errorf("%d of %d slow connections were still open after %s: ReadHeaderTimeout did not cut them", kept, conns, maxLife)
	}
	var cutText string
	if len(cut) > 0 {
		lo, hi := cut[0], cut[len(cut)-1]
		cutText = fmt.Sprintf("%d cut after %s–%s (median %s)", len(cut), lo.Round(10*time.Millisecond),
			hi.Round(10*time.Millisecond), cut[len(cut)/2].Round(10*time.Millisecond))
		if lo < 4*time.Second || hi > 7*time.Second {
			t.Errorf("slow connections cut after %s–%s, want about ReadHeaderTimeout (5 s)", lo, hi)
		}
	}
	faultReport(t, "%d connections opened in %s, headers 1 byte/s | %s; %d kept open; %d failed | others (new-connection /healthz, logged-in /api/me, login every 100 ms): %s",
		opened.Load(), allOpen.Round(time.Millisecond), cutText, kept, failed, st)
}

// idleConn is a kept-alive connection after one request.
type idleConn struct {
	c  net.Conn
	br *bufio.Reader
}

var healthzRequest = []byte("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")

func (ic *idleConn) get() error {
	ic.c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := ic.c.Write(healthzRequest); err != nil {
		return err
	}
	resp, err := http.ReadResponse(ic.br, nil)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if resp.Close {
		return errors.New("the server asked to close the connection")
	}
	return nil
}

// slowIdleConnections holds 10,000 idle keep-alive connections.
func slowIdleConnections(t *testing.T, srv *e2eServer, addr string, tr http.RoundTripper, users []faultUser) {
	if testing.Short() {
		t.Skip("10,000 connections; skipped in -short mode")
	}
	const n = 10_000
	need := uint64(n + 1000)
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Cur < need {
		if rl.Max < need {
			testenv.SkipOrFail(t, "RLIMIT_NOFILE hard limit %d < %d: cannot hold %d connections", rl.Max, need, n)
		}
		rl.Cur = need
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			t.Fatalf("raising RLIMIT_NOFILE to %d: %v", need, err)
		}
	}
	// The binary (a Go program) raises its soft limit to its hard limit
	// itself; check what it got.
	srvLimit := procOpenFilesLimit(srv.cmd.Process.Pid)
	if srvLimit != 0 && srvLimit < need {
		testenv.SkipOrFail(t, "the server's open-files limit is %d < %d (raise `ulimit -Hn`)", srvLimit, need)
	}
	rssBefore := procRSS(srv.cmd.Process.Pid)

	conns := make([]*idleConn, n)
	var openErrs atomic.Int64
	var firstErr atomic.Value
	parallel := func(f func(i int) error) {
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= n {
						return
					}
					if err := f(i); err != nil {
						openErrs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
				}
			}()
		}
		wg.Wait()
	}
	defer func() {
		for _, ic := range conns {
			if ic != nil {
				ic.c.Close()
			}
		}
	}()
	start := time.Now()
	parallel(func(i int) error {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			return err
		}
		ic := &idleConn{c: c, br: bufio.NewReaderSize(c, 1024)}
		conns[i] = ic
		return ic.get()
	})
	opened := time.Since(start)
	if e := openErrs.Load(); e > 0 {
		t.Fatalf("%d of %d connections failed to open or answer (first: %v)", e, n, firstErr.Load())
	}
	for _, ic := range conns {
		ic.c.SetDeadline(time.Time{})
	}
	rssHeld := procRSS(srv.cmd.Process.Pid)

	// Normal clients while they are held.
	var others []loadSample
	c := users[1].client
	for i := 0; i < 30; i++ {
		fresh := newLoadClient(srv.base, &http.Transport{Proxy: nil, DisableKeepAlives: true})
		others = append(others, fresh.call("healthz", "GET", "/healthz", nil), c.call("me", "GET", "/api/me", nil))
		if i%3 == 0 {
			others = append(others, newLoadClient(srv.base, tr).call("login", "POST", "/api/login",
				map[string]string{"email": users[0].email, "password": faultPassword}))
		}
		time.Sleep(100 * time.Millisecond)
	}
	st := summarize(others, all)
	checkResponses(t, "others with 10,000 idle connections", others, map[string][]int{"healthz": {200}, "me": {200}, "login": {200}})
	if st.maxDur >= time.Second {
		t.Errorf("a normal request took %s with %d idle connections held, want < 1 s", st.maxDur, n)
	}

	// Every held connection still works.
	openErrs.Store(0)
	start = time.Now()
	parallel(func(i int) error { return conns[i].get() })
	reused := time.Since(start)
	if e := openErrs.Load(); e > 0 {
		t.Errorf("%d of %d idle connections failed their second request (first: %v)", e, n, firstErr.Load())
	}
	faultReport(t, "%d keep-alive connections (1 request each) opened in %s; server RSS %s → %s (open-files limit %d) | "+
		"others meanwhile (new-connection /healthz, logged-in /api/me, login): %s | second request on every held connection: %d failed, %s",
		n, opened.Round(time.Millisecond), rssBefore, rssHeld, srvLimit, st, openErrs.Load(), reused.Round(time.Millisecond))
}

// procOpenFilesLimit reads the soft "Max open files" of a process (0 when
// unknown).
func procOpenFilesLimit(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Max open files") {
			f := strings.Fields(strings.TrimPrefix(line, "Max open files"))
			if len(f) > 0 {
				v, _ := strconv.ParseUint(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

// procRSS reads a process' resident set size ("?" when unknown).
func procRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return fmt.Sprintf("%d MiB", kb/1024)
		}
	}
	return "?"
}

// slowBodyResult is what happened to a request whose body was sent one
// byte a second.
type slowBodyResult struct {
	sent        int
	ended       time.Duration // when the server answered or closed, or the client gave up
	serverEnded bool
	status      int // the server's answer, 0 if it only closed
	err         error
}

func (r slowBodyResult) outcome() string {
	switch {
	case !r.serverEnded:
		return fmt.Sprintf("kept waiting (%v)", r.err)
	case r.status != 0:
		return fmt.Sprintf("answered %d", r.status)
	default:
		return fmt.Sprintf("closed the connection (%v)", r.err)
	}
}

// sendSlowBody posts a 200-byte login body one byte a second, for at most
// limit.
func sendSlowBody(addr, email string, limit time.Duration) slowBodyResult {
	body := []byte(fmt.Sprintf(`{"email": %q, "password": %q}`, email, faultPassword))
	body = append(body, bytes.Repeat([]byte(" "), 200-len(body))...)
	start := time.Now()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return slowBodyResult{err: err}
	}
	defer conn.Close()
	conn.SetDeadline(start.Add(limit))
	if _, err := io.WriteString(conn, postHead("/api/login", "application/json", len(body), "")); err != nil {
		return slowBodyResult{err: err, ended: time.Since(start), serverEnded: true}
	}
	type answer struct {
		status int
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		resp.Body.Close()
		answered <- answer{status: resp.StatusCode}
	}()
	r := slowBodyResult{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case a := <-answered:
			r.ended, r.status, r.err = time.Since(start), a.status, a.err
			var ne net.Error
			r.serverEnded = !(errors.As(a.err, &ne) && ne.Timeout())
			return r
		case <-tick.C:
			if r.sent < len(body) {
				if _, err := conn.Write(body[r.sent : r.sent+1]); err == nil {
					r.sent++
				}
			}
		}
	}
}

// slowShutdown sends SIGTERM while a login is in flight (its headers and
// half its body sent) and an idle keep-alive connection is open: new
// connections must be refused at once, the idle one closed, the login
// must finish with 200 once its body is complete, and the process must
// then exit 0.
func slowShutdown(t *testing.T, srv *e2eServer, addr, email string) {
	idle, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	ic := &idleConn{c: idle, br: bufio.NewReader(idle)}
	if err := ic.get(); err != nil {
		t.Fatalf("keep-alive GET /healthz: %v", err)
	}

	body := []byte(fmt.Sprintf(`{"email": %q, "password": %q}`, email, faultPassword))
	half := len(body) / 2
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, postHead("/api/login", "application/json", len(body), "")); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the handler is reading the body

	srv.stopped = true
	sigAt := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}

	// New connections are refused.
	var refusedAfter time.Duration
	var timeouts int
	for time.Since(sigAt) < 2*time.Second {
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			// A dial that raced the listener's close into its backlog is
			// reset rather than refused: both mean it was not served.
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
				refusedAfter = max(time.Since(sigAt), time.Nanosecond)
				break
			}
			// On a loaded machine (CI runs the packages in parallel on
			// two cores) this goroutine can wake after even a local
			// dial's deadline: neither served nor refused, so dial again.
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && timeouts < 3 {
				timeouts++
				t.Logf("dialing after SIGTERM timed out (%v); dialing again", err)
				continue
			}
			t.Errorf("dialing after SIGTERM: %v, want connection refused", err)
			break
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if refusedAfter == 0 {
		t.Errorf("new connections were not refused within 2 s of SIGTERM")
	}
	// The idle connection is closed by the server.
	idle.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, idleErr := idle.Read(make([]byte, 1))
	idleClosed := idleErr == io.EOF || errors.Is(idleErr, syscall.ECONNRESET)
	if !idleClosed {
		t.Errorf("the idle keep-alive connection after SIGTERM: %v, want it closed by the server", idleErr)
	}

	time.Sleep(time.Until(sigAt.Add(1500 * time.Millisecond)))
	select {
	case <-srv.done:
		t.Fatalf("accounts exited %s after SIGTERM with a request in flight (%v)", time.Since(sigAt).Round(time.Millisecond), srv.waitErr)
	default:
	}
	if _, err := conn.Write(body[half:]); err != nil {
		t.Fatalf("sending the rest of the in-flight body: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight login got no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	answeredAfter := time.Since(sigAt)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), email) {
		t.Errorf("the in-flight login after SIGTERM = %d %s, want 200 with the user", resp.StatusCode, b)
	}
	hasSession := false
	for _, c := range resp.Cookies() {
		if c.Name == "session" && c.Value != "" {
			hasSession = true
		}
	}
	if !hasSession {
		t.Errorf("the in-flight login after SIGTERM set no session cookie: %v", resp.Header["Set-Cookie"])
	}

	select {
	case <-srv.done:
	case <-time.After(30 * time.Second):
		srv.cmd.Process.Kill()
		<-srv.done
		t.Fatalf("accounts did not exit within 30 s of the in-flight request's end")
	}
	exitedAfter := time.Since(sigAt)
	if srv.waitErr != nil {
		t.Errorf("accounts exited with %v after SIGTERM, want status 0\nstderr:\n%s", srv.waitErr, srv.stderr)
	}
	faultReport(t, "SIGTERM with a login in flight (half its body sent) and an idle keep-alive connection | "+
		"new connections refused %s after SIGTERM; idle connection closed: %v; in-flight login completed %d (session cookie: %v) "+
		"%s after SIGTERM (rest of the body sent at +1.5 s); exit status 0: %v, %s after SIGTERM",
		refusedAfter.Round(time.Millisecond), idleClosed, resp.StatusCode, hasSession, answeredAfter.Round(time.Millisecond),
		srv.waitErr == nil, exitedAfter.Round(time.Millisecond))
}
