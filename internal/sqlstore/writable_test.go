package sqlstore_test

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/testenv"
)

// writableChildEnv names the data directory when this test runs as the
// unprivileged user that TestSQLiteTakesWritesAgain starts it as.
const writableChildEnv = "ACCOUNTS_TEST_WRITABLE_DIR"

// TestSQLiteTakesWritesAgain: a SQLite file that could not be written for
// a while takes writes again within seconds once it can, even when every
// connection closed during the fault and steady load kept one open ever
// since (the process then held SQLite's WAL index read-only for good: a
// node answered 503 to every write until restarted). File permissions bind
// only a user other than root: as root, the test runs itself as nobody.
func TestSQLiteTakesWritesAgain(t *testing.T) {
	if dir := os.Getenv(writableChildEnv); dir != "" {
		writableScenario(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("takes 7 s")
	}
	root, err := os.MkdirTemp("", "accounts-writable-*") // not t.TempDir: nobody must reach it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "data"), 0o700); os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		writableScenario(t, data)
		return
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		testenv.SkipOrFail(t, "running as root and there is no nobody user to run as: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	if err := os.Chown(data, uid, gid); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "sqlstore.test")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestSQLiteTakesWritesAgain$", "-test.v", "-test.count=1")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), writableChildEnv+"="+data)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
}

// writableScenario runs steady writes and reads on a database in dir, makes
// dir and the files read-only, pauses the load until every connection has
// closed, resumes it, makes them writable again, and wants every write to
// pass within 3 s and from then on.
func writableScenario(t *testing.T, dir string) {
	ctx := context.Background()
	path := filepath.Join(dir, "accounts.db")
	db, err := sqlstore.Open(ctx, sqlstore.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	setMode := func(dirMode, fileMode os.FileMode) {
		t.Helper()
		if err := os.Chmod(dir, dirMode); err != nil {
			t.Fatal(err)
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Chmod(path+suffix, fileMode); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
	}
	defer setMode(0o700, 0o600)

	var (
		paused   atomic.Bool
		mu       sync.Mutex
		lastFail time.Time
		lastErr  error
		writes   atomic.Int64
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if paused.Load() {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if err := db.Ready(ctx); err != nil { // a write (of no row)
					mu.Lock()
					lastFail, lastErr = time.Now(), err
					mu.Unlock()
				} else {
					writes.Add(1)
				}
				var n int
				db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM accounts_user`).Scan(&n)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	setMode(0o500, 0o400)
	time.Sleep(300 * time.Millisecond)
	paused.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for db.SQL().Stats().OpenConnections > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	open := db.SQL().Stats().OpenConnections
	paused.Store(false)
	time.Sleep(500 * time.Millisecond) // connections open again, read-only
	setMode(0o700, 0o600)
	back := time.Now()
	time.Sleep(3 * time.Second)
	before := writes.Load()
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("connections open during the pause: %d; last failed write +%s after the files were writable again (%v); %d writes in the last second",
		open, lastFail.Sub(back).Round(time.Millisecond), lastErr, writes.Load()-before)
	if open != 0 {
		t.Errorf("%d connections stayed open with no load for 5 s", open)
	}
	if lastFail.After(back.Add(3 * time.Second)) {
		t.Errorf("writes still failed %s after the files were writable again: %v", lastFail.Sub(back).Round(time.Millisecond), lastErr)
	}
	if writes.Load() == before {
		t.Errorf("no write passed in the last second")
	}
	if err := db.Ready(ctx); err != nil {
		t.Errorf("after the fault: %v", err)
	}
}
