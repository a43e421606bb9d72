package testenv

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// PostgresServer is a PostgreSQL cluster a test created with initdb in a
// temporary directory and runs on a free loopback port, so that it may stop,
// crash and restart it (the shared server is never touched). Its socket
// directory is the temporary directory; it listens on 127.0.0.1 only and
// trusts every local connection (user postgres, no password).
type PostgresServer struct {
	t       testing.TB
	binDir  string
	root    string // temporary directory: data/, log, the socket
	port    int
	asOwner []string // prefix that runs a command as the cluster's owner
}

// StartPostgres creates a cluster with initdb and starts it. The binaries
// are taken from $ACCOUNTS_TEST_PG_BIN, else the newest
// /usr/lib/postgresql/*/bin (Debian), else PATH. initdb and postgres refuse
// to run as root: as root, the cluster belongs to the "postgres" system user
// and every command runs through `runuser -u postgres --`. Without the
// binaries (or that user, as root) the test is skipped, or fails under
// CI=true. The server is stopped (immediate mode) and its directory removed
// when the test ends.
func StartPostgres(t testing.TB) *PostgresServer {
	t.Helper()
	binDir := postgresBinDir()
	if binDir == "" {
		SkipOrFail(t, "PostgreSQL server binaries (initdb, pg_ctl) not found; set ACCOUNTS_TEST_PG_BIN")
	}
	p := &PostgresServer{t: t, binDir: binDir}
	var owner *user.User
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			SkipOrFail(t, "running as root and there is no postgres user for initdb: %v", err)
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			SkipOrFail(t, "running as root and runuser is not installed: %v", err)
		}
		owner = u
		p.asOwner = []string{runuser, "-u", "postgres", "--"}
	}
	// Not t.TempDir: its parents are private to the test's user, and the
	// cluster's owner must be able to reach this directory.
	root, err := os.MkdirTemp("", "accounts-pg-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	p.root = root
	if owner != nil {
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		if err := os.Chown(root, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(root, 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	start := time.Now()
	if out, err := p.run("initdb", "-D", p.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		// Immediate: the test may leave it crashed or stopped already.
		p.run("pg_ctl", "-D", p.dataDir(), "-m", "immediate", "-w", "-t", "30", "stop")
	})
	p.Start()
	t.Logf("PostgreSQL (%s) on %s ready in %s", filepath.Base(filepath.Dir(binDir)), p.Addr(), time.Since(start).Round(time.Millisecond))
	return p
}

// postgresBinDir returns the directory holding initdb and pg_ctl, or "".
func postgresBinDir() string {
	if d := os.Getenv("ACCOUNTS_TEST_PG_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p)
		}
	}
	return ""
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func (p *PostgresServer) dataDir() string { return filepath.Join(p.root, "data") }

// run runs one of the server's programs as the cluster's owner.
func (p *PostgresServer) run(prog string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, p.asOwner...), filepath.Join(p.binDir, prog))
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = p.root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.Bytes(), err
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		return out.Bytes(), fmt.Errorf("%s did not finish within 60 s", prog)
	}
}

// URL returns a postgres:// URL of the "postgres" database over TCP.
func (p *PostgresServer) URL() string {
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", p.Addr())
}

// Addr returns host:port.
func (p *PostgresServer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", p.port) }

// Start starts the server (again, after Stop) and waits until it accepts
// connections.
func (p *PostgresServer) Start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=100", p.port, p.root)
	if out, err := p.run("pg_ctl", "-D", p.dataDir(), "-l", filepath.Join(p.root, "log"), "-o", opts,
		"-w", "-t", "30", "start"); err != nil {
		p.t.Fatalf("pg_ctl start: %v\n%s\nlog:\n%s", err, out, p.Log())
	}
}

// Stop stops the server in the given pg_ctl mode: "fast" (clients are
// disconnected, a clean shutdown) or "immediate" (a crash: recovery runs at
// the next start).
func (p *PostgresServer) Stop(mode string) {
	p.t.Helper()
	if out, err := p.run("pg_ctl", "-D", p.dataDir(), "-m", mode, "-w", "-t", "30", "stop"); err != nil {
		p.t.Fatalf("pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
}

// Restart is `pg_ctl restart -m mode`: the server goes down and comes back
// in one step.
func (p *PostgresServer) Restart(mode string) {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=100", p.port, p.root)
	if out, err := p.run("pg_ctl", "-D", p.dataDir(), "-l", filepath.Join(p.root, "log"), "-o", opts,
		"-m", mode, "-w", "-t", "30", "restart"); err != nil {
		p.t.Fatalf("pg_ctl restart -m %s: %v\n%s\nlog:\n%s", mode, err, out, p.Log())
	}
}

// Log returns the server's log so far.
func (p *PostgresServer) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.root, "log"))
	return string(b)
}
