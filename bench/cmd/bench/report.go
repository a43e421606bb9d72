package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/invenio-go/accounts/bench/loadgen"
)

// goal is one target of the issue.
type goal struct {
	name     string
	values   []float64 // per round, or one figure
	limit    float64
	atMost   bool // the figure must be ≤ limit (else ≥)
	unit     string
	format   string
	baseline string
}

func (g goal) measured() float64 { return median(g.values) }

func (g goal) pass() bool {
	if g.atMost {
		return g.measured() <= g.limit
	}
	return g.measured() >= g.limit
}

func (g goal) result() string {
	if len(g.values) == 0 {
		return "not measured"
	}
	if g.pass() {
		return "PASS"
	}
	m := g.measured()
	if g.atMost {
		return fmt.Sprintf("MISS (%.0f%% over)", (m/g.limit-1)*100)
	}
	return fmt.Sprintf("MISS (%.0f%% short)", (1-m/g.limit)*100)
}

// perRound divides a's throughput by its baseline's, round by round (the
// runs of a round are minutes apart at most), scaled by k. The baseline is
// the mean of the rows base and base+"-after" when the latter was measured
// (before and after a), else base alone.
func (b *bench) perRound(a, base string, k float64) []float64 {
	ra, rb, after := b.rows[a], b.rows[base], b.rows[base+"-after"]
	if ra == nil || rb == nil {
		return nil
	}
	var out []float64
	for i := 0; i < len(ra.results) && i < len(rb.results); i++ {
		d := rb.results[i].Throughput
		if after != nil && i < len(after.results) {
			d = (d + after.results[i].Throughput) / 2
		}
		if d*k > 0 {
			out = append(out, ra.results[i].Throughput/(d*k))
		}
	}
	return out
}

func (b *bench) figure(key string, fig func(loadgen.Result) float64) []float64 {
	r := b.rows[key]
	if r == nil {
		return nil
	}
	var out []float64
	for _, res := range r.results {
		out = append(out, fig(res))
	}
	return out
}

func one(v float64, ok bool) []float64 {
	if !ok {
		return nil
	}
	return []float64{v}
}

func (b *bench) goals() []goal {
	cores := float64(b.cores)
	heap, heapOK := b.facts["heap_per_session"]
	stored := b.facts["sessions_stored"]
	return []goal{
		{name: "GET /api/me, memory store (SQLite) ÷ ceiling", values: b.perRound("me-sqlite-memory", "ceiling", 1),
			limit: 0.60, format: "%.2f", baseline: "bench/ceiling, before and after"},
		{name: "GET /api/me, Redis store (SQLite) ÷ ceiling", values: b.perRound("me-sqlite-redis", "ceiling", 1),
			limit: 0.35, format: "%.2f", baseline: "bench/ceiling, before and after"},
		{name: "p99 of GET /api/me at 70% of its max, memory store", values: b.figure("me-sqlite-memory-70", p99ms),
			limit: 5, atMost: true, unit: " ms", format: "%.2f", baseline: "rate: 70% of the max just measured"},
		{name: "p99 of GET /api/me at 70% of its max, Redis store", values: b.figure("me-sqlite-redis-70", p99ms),
			limit: 5, atMost: true, unit: " ms", format: "%.2f", baseline: "rate: 70% of the max just measured"},
		{name: "p99 of the ceiling at 70% of its max (reference: this machine's tail)", values: b.figure("ceiling-70", p99ms),
			limit: 5, atMost: true, unit: " ms", format: "%.2f", baseline: "rate: 70% of the max just measured"},
		{name: "GET /api/me ÷ Flask-Security's, both Redis sessions + SQLite", values: b.perRound("me-sqlite-redis", "flask-me", 1),
			limit: 20, format: "%.1f", baseline: "the peer, same round"},
		{name: "GET /api/me, memory store ÷ Flask-Security's (Redis)", values: b.perRound("me-sqlite-memory", "flask-me", 1),
			limit: 20, format: "%.1f", baseline: "the peer, same round"},
		{name: "login ÷ Flask-Security's login, 25000 rounds", values: b.perRound("login-25k", "flask-login-25k", 1),
			limit: 1.5, format: "%.2f", baseline: "the peer, same round"},
		{name: "login ÷ Flask-Security's login, 210000 rounds", values: b.perRound("login-210k", "flask-login-210k", 1),
			limit: 1.5, format: "%.2f", baseline: "the peer, same round"},
		{name: fmt.Sprintf("login ÷ (%d cores ÷ OpenSSL's time per hash), 25000 rounds", b.cores),
			values: b.perRound("login-25k", "openssl-25000", cores), limit: 0.90, format: "%.2f", baseline: "OpenSSL, before and after"},
		{name: fmt.Sprintf("login ÷ (%d cores ÷ OpenSSL's time per hash), 210000 rounds", b.cores),
			values: b.perRound("login-210k", "openssl-210000", cores), limit: 0.90, format: "%.2f", baseline: "OpenSSL, before and after"},
		{name: fmt.Sprintf("live heap per stored session, memory store (%.0f sessions)", stored), values: one(heap, heapOK),
			limit: 1024, atMost: true, unit: " B", format: "%.0f", baseline: "live heap before"},
		{name: "RSS idle (SQLite, memory store, 1 s after ready)", values: one(b.facts["idle_rss_mb"], b.facts["idle_rss_mb"] > 0),
			limit: 50, atMost: true, unit: " MB", format: "%.1f", baseline: "–"},
		{name: "start to /readyz, SQLite (migrated database)", values: b.startupRuns,
			limit: 300, atMost: true, unit: " ms", format: "%.0f", baseline: "–"},
	}
}

func (b *bench) report(w io.Writer) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Run on %s UTC; `nproc` = %d (%s); load average %s before, %s after; %s; %s.\n",
		b.started.UTC().Format("2006-01-02 15:04"), b.cores, cpuModel(), b.loadBefore, loadavg(), runtime.Version(), versions())
	fmt.Fprintf(&sb, "accounts built from %s. ", b.sourceDescription())
	fmt.Fprintf(&sb, "Command: `%s` (%d rounds of %v measured after %v of warm-up; 210000-round logins %v; figures are medians over the rounds). %s.\n\n",
		commandLine(), b.runs, b.dur, b.warmup, b.long, time.Since(b.started).Round(time.Second))
	sb.WriteString("| scenario | server | conc. | req/s | p50 ms | p99 ms | RSS MB | req/s of each round |\n")
	sb.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, key := range b.order {
		r := b.rows[key]
		var each []string
		errs := 0
		for _, res := range r.results {
			each = append(each, fmt.Sprintf("%.0f", res.Throughput))
			errs += res.Errors
		}
		name := r.scenario
		if errs > 0 {
			name += fmt.Sprintf(" (%d errors: %s)", errs, r.results[len(r.results)-1].FirstError)
		}
		tput := fmt.Sprintf("%.0f", b.median(key, throughput))
		if b.median(key, throughput) < 100 {
			tput = fmt.Sprintf("%.1f", b.median(key, throughput))
		}
		rss := "–"
		if m := median(r.rss); m > 0 {
			rss = fmt.Sprintf("%.1f", m)
		}
		p50, p99 := fmt.Sprintf("%.2f", b.median(key, p50ms)), fmt.Sprintf("%.2f", b.median(key, p99ms))
		if len(r.results) > 0 && r.results[0].Rate > 0 {
			p50 += fmt.Sprintf(" (%.2f)", b.median(key, func(r loadgen.Result) float64 { return r.SentP50.Seconds() * 1000 }))
			p99 += fmt.Sprintf(" (%.2f)", b.median(key, func(r loadgen.Result) float64 { return r.SentP99.Seconds() * 1000 }))
		}
		fmt.Fprintf(&sb, "| %s | %s | %d | %s | %s | %s | %s | %s |\n", name, r.server, r.workers, tput,
			p50, p99, rss, strings.Join(each, ", "))
	}
	sb.WriteString("\nOpen-loop rows: latency from each request's scheduled time, and in parentheses from the moment it was actually sent " +
		"(without the wait for a busy connection or a late client).\n")
	sb.WriteString("\n| target | baseline | measured (each round) | goal | result |\n| --- | --- | ---: | ---: | --- |\n")
	for _, g := range b.goals() {
		var each []string
		for _, v := range g.values {
			each = append(each, fmt.Sprintf(g.format, v))
		}
		measured := "–"
		if len(g.values) > 0 {
			measured = fmt.Sprintf(g.format, g.measured()) + g.unit
			if len(g.values) > 1 {
				measured += " (" + strings.Join(each, ", ") + ")"
			}
		}
		op := "≥"
		if g.atMost {
			op = "≤"
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s %s%s | %s |\n", g.name, g.baseline, measured, op, trimFloat(g.limit), g.unit, g.result())
	}
	if f := b.facts; f["sessions_stored"] > 0 {
		fmt.Fprintf(&sb, "\nMemory store, %.0f sessions: live heap %.1f → %.1f MB (%.0f B/session), RSS %.1f → %.1f MB (%.0f B/session).",
			f["sessions_stored"], f["heap_before_mb"], f["heap_after_mb"], f["heap_per_session"], f["rss_before_mb"], f["rss_after_mb"], f["rss_per_session"])
	}
	if f := b.facts; f["startup_ms"] > 0 {
		fmt.Fprintf(&sb, " Start to /readyz on a new SQLite database (migrations included): %.0f ms.", f["startup_fresh_ms"])
	}
	if f := b.facts; f["idle_heap_mb"] > 0 {
		fmt.Fprintf(&sb, " Idle: live heap %.1f MB of an RSS of %.1f MB (debug build).", f["idle_heap_mb"], f["idle_rss_debug_mb"])
	}
	if len(b.facts) > 0 {
		sb.WriteString("\n")
	}
	if len(b.notes) > 0 {
		sb.WriteString("\nNotes:\n")
		for _, n := range b.notes {
			sb.WriteString("- " + n + "\n")
		}
	}
	if b.profileTop != "" {
		sb.WriteString("\nCPU profile of accounts under GET /api/me (memory store, SQLite), top functions by own time (" +
			filepath.Join("bench", "out", "cpu-api-me.txt") + "):\n\n```\n" + firstLines(b.profileTop, 24) + "```\n")
	}
	fmt.Fprint(w, "\n"+sb.String())
	os.WriteFile(filepath.Join(b.outDir, "results.md"), []byte(sb.String()), 0o644)
	js, _ := json.MarshalIndent(map[string]any{"rows": b.rows, "order": b.order, "facts": b.facts, "notes": b.notes}, "", "  ")
	os.WriteFile(filepath.Join(b.outDir, "results.json"), js, 0o644)
}

// MarshalJSON lets results.json carry the rows' fields.
func (r *row) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"scenario": r.scenario, "server": r.server, "workers": r.workers,
		"results": r.results, "rss_mb": r.rss})
}

func trimFloat(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "")
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}

func commandLine() string {
	if len(os.Args) == 1 {
		return "make bench"
	}
	return "make bench BENCHFLAGS='" + strings.Join(os.Args[1:], " ") + "'"
}

// versions names the peer software of the run.
func versions() string {
	var parts []string
	if out, err := exec.Command("openssl", "version").Output(); err == nil {
		f := strings.Fields(string(out))
		if len(f) > 1 {
			parts = append(parts, "OpenSSL "+f[1])
		}
	}
	if out, err := exec.Command("psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version").Output(); err == nil {
		parts = append(parts, "PostgreSQL "+strings.Fields(string(out) + " ?")[0])
	}
	if out, err := exec.Command("redis-server", "--version").Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if v, ok := strings.CutPrefix(f, "v="); ok {
				parts = append(parts, "Redis "+v)
			}
		}
	}
	if out, err := exec.Command("/usr/bin/python3", "-c",
		"import sys, flask_security, flask; print(sys.version.split()[0], flask_security.__version__, flask.__version__)").Output(); err == nil {
		f := strings.Fields(string(out))
		if len(f) == 3 {
			parts = append(parts, fmt.Sprintf("Python %s, Flask-Security-Too %s, Flask %s", f[0], f[1], f[2]))
		}
	}
	return strings.Join(parts, ", ")
}

// sourceDescription names the commit accounts was built from, and whether
// the checkout had uncommitted changes to the product (tests, docs and
// bench/ apart), as they were when the build was made.
func (b *bench) sourceDescription() string {
	if b.prebuilt != "" {
		return "the binary " + b.prebuilt
	}
	return b.source
}

func describeSource(dir string) string {
	out, err := exec.Command("git", "-C", dir, "log", "-1", "--format=%h (%cd)", "--date=format:%Y-%m-%d %H:%M").Output()
	if err != nil {
		return dir
	}
	desc := "commit " + strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench", ":!Makefile", ":!docs", ":!*_test.go", ":!*.md").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		desc += " with uncommitted changes to the product"
	}
	return desc
}
