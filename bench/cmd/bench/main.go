// Command bench is `make bench`: it builds accounts, starts what the
// scenarios need on loopback (accounts on SQLite and PostgreSQL, with the
// memory and the Redis session store; the ceiling of bench/ceiling; the
// Flask-Security peer of bench/flaskpeer under gunicorn), drives each
// scenario with bench/loadgen, and prints a table of throughput, latency and
// memory, then every target of the issue as a ratio against its baseline
// measured in the same run, with PASS or MISS.
//
// Scenarios run in rounds: each round runs every scenario once, so that a
// figure and its baseline are measured minutes apart at most, and every
// ratio is the median of the per-round ratios. bench/README.md describes
// each scenario. Everything the run creates outside bench/out (PostgreSQL
// databases, Redis keys, processes) is removed at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type bench struct {
	// flags
	root, src, outDir, prebuilt   string
	runs, conns, sessions, rounds int
	dur, long, warmup, memTime    time.Duration
	install, skipFlask, skipPG    bool
	skipRedis, useWrk, noProfile  bool
	redisURL, pgBase              string

	runDir                                   string
	cores                                    int
	secret                                   string
	accountsBin, debugBin, ceilingBin        string
	pbkdf2Bin                                string
	havePG, haveRedis, haveFlask             bool
	redisProc                                *proc
	procs                                    []*server
	pgDatabases, flaskPrefixes, notes, order []string
	rows                                     map[string]*row
	facts                                    map[string]float64 // single figures: hash times, memory, start-up
	started                                  time.Time
	loadBefore                               string
	profileTop                               string
	startupRuns                              []float64
	only                                     map[string]bool
	source                                   string          // what accounts was built from
	ctx                                      context.Context // ends the load runs early on Ctrl-C
}

// want reports whether any of the groups is to run (-only).
func (b *bench) want(groups ...string) bool {
	if len(b.only) == 0 {
		return true
	}
	for _, g := range groups {
		if b.only[g] {
			return true
		}
	}
	return false
}

func main() {
	b := &bench{rows: map[string]*row{}, facts: map[string]float64{}, cores: runtime.NumCPU()}
	flag.IntVar(&b.runs, "runs", 3, "rounds of every scenario (figures are medians over them)")
	flag.DurationVar(&b.dur, "duration", 3*time.Second, "measured time of a scenario run (count-bounded too)")
	flag.DurationVar(&b.long, "long", 5*time.Second, "measured time of the 210000-round login runs")
	flag.DurationVar(&b.warmup, "warmup", 500*time.Millisecond, "unmeasured warm-up before each run")
	flag.IntVar(&b.conns, "conns", 16, "connections of the GET scenarios")
	flag.IntVar(&b.sessions, "sessions", 100_000, "sessions stored for the memory-per-session figure")
	flag.DurationVar(&b.memTime, "sessions-time", 200*time.Second, "time bound of storing those sessions")
	flag.BoolVar(&b.install, "install", true, "apt-get install the missing Debian packages (as root)")
	flag.BoolVar(&b.skipFlask, "no-flask", false, "skip the Flask-Security peer")
	flag.BoolVar(&b.skipPG, "no-postgres", false, "skip PostgreSQL")
	flag.BoolVar(&b.skipRedis, "no-redis", false, "skip Redis (and the peer, whose sessions are in Redis)")
	flag.BoolVar(&b.useWrk, "wrk", true, "cross-check the ceiling and GET /api/me with wrk when installed")
	flag.BoolVar(&b.noProfile, "no-profile", false, "skip the CPU profile of accounts")
	flag.StringVar(&b.redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis for the session stores (keys of this run are deleted)")
	flag.StringVar(&b.pgBase, "postgres", "postgresql://postgres@127.0.0.1:5432", "PostgreSQL server (a database per run, dropped)")
	flag.StringVar(&b.src, "src", "", "build accounts from this checkout (default: this module)")
	flag.StringVar(&b.prebuilt, "accounts", "", "use this accounts binary instead of building one")
	flag.StringVar(&b.outDir, "out", "", "output directory (default bench/out)")
	only := flag.String("only", "", "run only these groups, comma-separated: startup, me, page, login, register, revoke, debug")
	flag.Parse()

	b.only = map[string]bool{}
	for _, g := range strings.Split(*only, ",") {
		if g = strings.TrimSpace(g); g != "" {
			b.only[g] = true
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		fatal(err)
	}
	b.root = findRoot(wd)
	if b.src == "" {
		b.src = b.root
	}
	if b.src, err = filepath.Abs(b.src); err != nil {
		fatal(err)
	}
	if b.outDir == "" {
		b.outDir = filepath.Join(b.root, "bench", "out")
	}
	b.runDir = filepath.Join(b.outDir, "run")
	os.RemoveAll(b.runDir)
	if err := os.MkdirAll(b.runDir, 0o755); err != nil {
		fatal(err)
	}
	b.secret = fmt.Sprintf("bench-secret-%d-%d-0123456789abcdef", os.Getpid(), time.Now().UnixNano())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b.ctx = ctx
	err = b.run(ctx)
	b.cleanup()
	if err != nil {
		fatal(err)
	}
}

func (b *bench) run(ctx context.Context) error {
	b.started = time.Now()
	b.loadBefore = loadavg()
	b.logf("bench: %d rounds of %v (+%v warm-up), %d cores, output in %s", b.runs, b.dur, b.warmup, b.cores, b.outDir)
	b.installPackages(ctx)
	b.services(ctx)
	if err := b.build(ctx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.want("startup") {
		if err := b.startup(ctx); err != nil {
			return err
		}
	}
	env, err := b.startAll(ctx)
	if err != nil {
		return err
	}
	for r := range b.runs {
		b.logf("round %d of %d", r+1, b.runs)
		if err := b.round(ctx, env, r); err != nil {
			return err
		}
	}
	if b.debugBin != "" && b.want("debug") {
		if err := b.debugScenarios(ctx); err != nil {
			b.notef("profile and memory per session: %v", err)
		}
	}
	b.report(os.Stdout)
	return nil
}

// findRoot returns the directory of go.mod at or above dir.
func findRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if fileExists(filepath.Join(d, "go.mod")) && fileExists(filepath.Join(d, "bench")) {
			return d
		}
		if d == filepath.Dir(d) {
			fatal(fmt.Errorf("run bench from the accounts module (no go.mod with bench/ above %s)", dir))
		}
	}
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(b.started).Seconds(), fmt.Sprintf(format, args...))
}

// notef logs and keeps the message for the report.
func (b *bench) notef(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.notes = append(b.notes, msg)
	b.logf("note: %s", msg)
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
