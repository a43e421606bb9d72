package main

import (
	"testing"
	"time"

	"github.com/invenio-go/accounts/bench/loadgen"
)

func TestParseWrk(t *testing.T) {
	out := `Running 4s test @ http://127.0.0.1:5901/api/me
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.23ms   13.31ms 107.93ms   86.78%
  Latency Distribution
     50%  518.00us
     75%   14.16ms
     90%   27.23ms
     99%    1.06s
  7777 requests in 3.05s, 3.86MB read
  Non-2xx or 3xx responses: 7
Requests/sec:   2552.29
Transfer/sec:      1.27MB
`
	res, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Throughput != 2552.29 || res.P50 != 518*time.Microsecond || res.P99 != 1060*time.Millisecond ||
		res.OK != 7770 || res.Errors != 7 {
		t.Errorf("parseWrk = %+v", res)
	}
	if _, err := parseWrk("unable to connect"); err == nil {
		t.Error("no error without Requests/sec")
	}
}

func TestRatiosAndGoals(t *testing.T) {
	b := &bench{rows: map[string]*row{}, facts: map[string]float64{}, cores: 2}
	for i, v := range []float64{100, 200, 300} {
		b.add("a", "a", "s", 1, loadgen.Result{Throughput: v}, 0)
		b.add("base", "base", "s", 1, loadgen.Result{Throughput: []float64{1000, 1000, 500}[i]}, 0)
		b.add("base-after", "base", "s", 1, loadgen.Result{Throughput: []float64{1000, 3000, 500}[i]}, 0)
	}
	got := b.perRound("a", "base", 1) // baselines 1000, 2000, 500
	want := []float64{0.1, 0.1, 0.6}
	for i := range want {
		if len(got) != 3 || got[i] != want[i] {
			t.Fatalf("perRound = %v, want %v", got, want)
		}
	}
	g := goal{values: got, limit: 0.5}
	if g.measured() != 0.1 || g.pass() || g.result() != "MISS (80% short)" {
		t.Errorf("at least: measured %v, result %q", g.measured(), g.result())
	}
	g = goal{values: []float64{4, 6, 5}, limit: 5, atMost: true}
	if !g.pass() || g.result() != "PASS" {
		t.Errorf("at most: %q", g.result())
	}
	if (goal{limit: 1}).result() != "not measured" {
		t.Error("empty goal")
	}
	if median([]float64{3, 1, 2, 10}) != 2.5 {
		t.Error("median")
	}
}
