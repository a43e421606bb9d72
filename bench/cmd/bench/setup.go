package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// debianPackages are what the scenarios need from Debian, with how to tell
// each is there.
var debianPackages = []struct {
	pkg   string
	there func() bool
}{
	{"wrk", func() bool { return haveCmd("wrk") }},
	{"libssl-dev", func() bool { return fileExists("/usr/include/openssl/evp.h") }},
	{"gcc", func() bool { return haveCmd("cc") }},
	{"python3-flask-security", func() bool { return pyImports("flask_security") }},
	{"python3-flask-sqlalchemy", func() bool { return pyImports("flask_sqlalchemy") }},
	{"python3-flask-session", func() bool { return pyImports("flask_session") }},
	{"python3-redis", func() bool { return pyImports("redis") }},
	{"gunicorn", func() bool { return fileExists("/usr/bin/gunicorn") }},
}

func haveCmd(name string) bool { _, err := exec.LookPath(name); return err == nil }

func fileExists(path string) bool { _, err := os.Stat(path); return err == nil }

func pyImports(module string) bool {
	return exec.Command("/usr/bin/python3", "-c", "import "+module).Run() == nil
}

// installPackages installs the missing Debian packages (as root, unless
// -install=false); otherwise it says what is missing.
func (b *bench) installPackages(ctx context.Context) {
	var missing []string
	for _, p := range debianPackages {
		if !p.there() {
			missing = append(missing, p.pkg)
		}
	}
	if len(missing) == 0 {
		return
	}
	if !b.install || os.Geteuid() != 0 {
		b.notef("missing Debian packages (scenarios needing them are skipped): apt-get install %s", strings.Join(missing, " "))
		return
	}
	b.logf("installing %s", strings.Join(missing, " "))
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := run(ctx, env, "", "apt-get", "update", "-qq"); err != nil {
		b.notef("apt-get update failed: %v %s", err, out)
		return
	}
	args := append([]string{"apt-get", "install", "-y", "-qq", "--no-install-recommends"}, missing...)
	if _, err := run(ctx, env, "", args...); err != nil {
		b.notef("apt-get install failed: %v", err)
	}
}

// services checks PostgreSQL and Redis on loopback, starting them as
// .ci/run does when they are installed but down.
func (b *bench) services(ctx context.Context) {
	if !b.skipPG {
		ready := func() bool { return exec.Command("pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432").Run() == nil }
		if !ready() && haveCmd("pg_ctlcluster") {
			if vers, _ := os.ReadDir("/etc/postgresql"); len(vers) > 0 {
				b.logf("starting PostgreSQL %s", vers[0].Name())
				exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", vers[0].Name(), "main", "start").Run()
				for i := 0; i < 30 && !ready(); i++ {
					time.Sleep(time.Second)
				}
			}
		}
		b.havePG = haveCmd("psql") && ready()
		if !b.havePG {
			b.notef("PostgreSQL is not reachable on 127.0.0.1:5432: its scenarios are skipped")
		}
	}
	if !b.skipRedis {
		if b.redisPing(ctx) == nil {
			b.haveRedis = true
		} else if haveCmd("redis-server") {
			// Our own server on a free port, stopped at the end.
			addr, err := freeAddr()
			if err == nil {
				port := addr[strings.LastIndexByte(addr, ':')+1:]
				dir := filepath.Join(b.runDir, "redis")
				os.MkdirAll(dir, 0o755)
				p, err := startProc("redis", dir, addr, []string{"PATH=" + os.Getenv("PATH")}, "redis-server",
					"--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", dir)
				if err == nil {
					b.redisProc = p
					b.redisURL = "redis://" + addr + "/0"
					for i := 0; i < 50 && b.redisPing(ctx) != nil; i++ {
						time.Sleep(100 * time.Millisecond)
					}
					b.haveRedis = b.redisPing(ctx) == nil
					b.logf("started redis-server on %s", addr)
				}
			}
		}
		if !b.haveRedis {
			b.notef("Redis is not reachable at %s: its scenarios and the Flask peer are skipped", b.redisURL)
		}
	}
	b.haveFlask = b.haveRedis && !b.skipFlask && pyImports("flask_security") && pyImports("flask_session") &&
		pyImports("flask_sqlalchemy") && fileExists("/usr/bin/gunicorn")
	if !b.haveFlask && !b.skipFlask {
		b.notef("the Flask-Security peer is skipped (its Debian packages or Redis are missing)")
	}
}

func (b *bench) redisClient() (*redis.Client, error) {
	opts, err := redis.ParseURL(b.redisURL)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opts), nil
}

func (b *bench) redisPing(ctx context.Context) error {
	c, err := b.redisClient()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

// createPGDatabase creates a database of this run (dropped at the end).
func (b *bench) createPGDatabase(ctx context.Context, name string) error {
	if _, err := run(ctx, os.Environ(), "", "psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1",
		"-qc", "CREATE DATABASE "+name); err != nil {
		return err
	}
	b.pgDatabases = append(b.pgDatabases, name)
	return nil
}

// build compiles accounts (the plain build, as `make build`), its bench-only
// debug build, the ceiling and OpenSSL's PBKDF2 loop.
func (b *bench) build(ctx context.Context) error {
	goBin := os.Getenv("GO")
	if goBin == "" {
		goBin = "go"
	}
	env := append(os.Environ(), "CGO_ENABLED=0")
	b.accountsBin = filepath.Join(b.outDir, "accounts")
	if b.prebuilt != "" {
		b.accountsBin = b.prebuilt
	} else {
		b.source = describeSource(b.src)
		b.logf("building accounts from %s, %s", b.src, b.source)
		if _, err := run(ctx, env, b.src, goBin, "build", "-o", b.accountsBin, "./cmd/accounts"); err != nil {
			return err
		}
	}
	b.logf("building the debug build, the ceiling and OpenSSL's PBKDF2 loop")
	overlay := filepath.Join(b.outDir, "overlay.json")
	target := filepath.Join(b.src, "cmd", "accounts", "zz_bench_debug.go")
	source := filepath.Join(b.root, "bench", "debugbuild", "debug.go.in")
	if err := os.WriteFile(overlay, fmt.Appendf(nil, `{"Replace": {%q: %q}}`, target, source), 0o644); err != nil {
		return err
	}
	b.debugBin = filepath.Join(b.outDir, "accounts-debug")
	if _, err := run(ctx, env, b.src, goBin, "build", "-overlay", overlay, "-o", b.debugBin, "./cmd/accounts"); err != nil {
		b.notef("the debug build failed (no profile, no heap figure): %v", err)
		b.debugBin = ""
	}
	b.ceilingBin = filepath.Join(b.outDir, "ceiling")
	if _, err := run(ctx, env, b.root, goBin, "build", "-o", b.ceilingBin, "./bench/ceiling"); err != nil {
		return err
	}
	b.pbkdf2Bin = filepath.Join(b.outDir, "pbkdf2")
	csrc := filepath.Join(b.root, "internal", "password", "testdata", "opensslbench", "pbkdf2.c")
	if _, err := run(ctx, os.Environ(), b.root, "cc", "-O2", "-o", b.pbkdf2Bin, csrc, "-lcrypto"); err != nil {
		b.notef("OpenSSL's PBKDF2 loop did not compile (needs cc and libssl-dev): %v", err)
		b.pbkdf2Bin = ""
	}
	return nil
}

// ceilingCookie is bench/ceiling's cookie for session id.
func ceilingCookie(secret, id string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(id))
	return id + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// cleanup deletes what the run created outside bench/out: the Redis keys of
// its sessions, its PostgreSQL databases, and stops its processes.
func (b *bench) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var rc *redis.Client
	if b.haveRedis {
		rc, _ = b.redisClient()
	}
	deleted := 0
	for _, s := range b.procs {
		// accounts with Redis: the keys of every session of this run's users
		// (their ids are in this run's database, listed by the API).
		if s.kind != "accounts" || !s.redis || rc == nil || s.exited() || len(s.cookies) == 0 {
			continue
		}
		ids, _, err := s.sessionIDsFresh()
		if err != nil {
			b.notef("cleanup: %v (keys accounts:session:sid:* of this run may remain)", err)
			continue
		}
		for i := 0; i < len(ids); i += 500 {
			keys := make([]string, 0, 500)
			for _, id := range ids[i:min(i+500, len(ids))] {
				keys = append(keys, "accounts:session:sid:"+id)
			}
			n, _ := rc.Del(ctx, keys...).Result()
			deleted += int(n)
		}
	}
	for _, s := range b.procs {
		s.stop(10 * time.Second)
	}
	if rc != nil {
		for _, prefix := range b.flaskPrefixes {
			iter := rc.Scan(ctx, 0, prefix+"*", 1000).Iterator()
			var keys []string
			for iter.Next(ctx) {
				keys = append(keys, iter.Val())
			}
			if len(keys) > 0 {
				n, _ := rc.Del(ctx, keys...).Result()
				deleted += int(n)
			}
		}
		rc.Close()
	}
	if deleted > 0 {
		b.logf("cleanup: deleted %d Redis keys of this run", deleted)
	}
	for _, db := range b.pgDatabases {
		if _, err := run(ctx, os.Environ(), "", "psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
			"DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
			b.notef("cleanup: %v", err)
		}
	}
	b.redisProc.stop(5 * time.Second)
}
