package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxRequests is the count bound of a run that sets none.
const DefaultMaxRequests = 5_000_000

// Options bound and shape a run.
type Options struct {
	// Workers run operations concurrently (at least 1).
	Workers int
	// Warmup runs operations that are not measured before the measured
	// window starts.
	Warmup time.Duration
	// Duration is the measured window's upper bound (required).
	Duration time.Duration
	// MaxRequests bounds the measured operations (default
	// DefaultMaxRequests); the run ends at whichever bound comes first.
	MaxRequests int
	// Context, when set, ends the run early when it is done.
	Context context.Context
	// Rate, when positive, is the open-loop rate in operations per second
	// over all workers: each operation has a scheduled start, and its
	// latency counts from then, waiting included. Zero is closed loop.
	Rate float64
}

// Op performs one operation on behalf of worker w (0 ≤ w < Workers) and
// returns a non-nil error when it failed (a wrong status included), or
// ErrStop when worker w has nothing left to do.
type Op func(w int) error

// ErrStop, returned by an Op, ends its worker; the operation is not counted.
var ErrStop = errors.New("loadgen: worker done")

// Result is what a run measured.
type Result struct {
	OK, Errors int
	FirstError string
	Elapsed    time.Duration // measured window: its start to the last measured completion
	Throughput float64       // successful operations per second
	P50, P90   time.Duration // latency of the successful operations
	P99, Max   time.Duration
	Rate       float64 // the open-loop rate asked for (0: closed loop)
	// Open loop only: latency from the moment each request was actually
	// sent, without its wait for a busy connection or a late client: the
	// server's share. P50 and P99 above count from the scheduled time.
	SentP50, SentP99 time.Duration
}

func (r Result) String() string {
	s := fmt.Sprintf("%.0f/s ok=%d p50=%v p99=%v", r.Throughput, r.OK, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	if r.Rate > 0 {
		s += fmt.Sprintf(" (from send: p50=%v p99=%v)", r.SentP50.Round(time.Microsecond), r.SentP99.Round(time.Microsecond))
	}
	if r.Errors > 0 {
		s += fmt.Sprintf(" errors=%d (%s)", r.Errors, r.FirstError)
	}
	return s
}

type workerStats struct {
	lat      []time.Duration
	sent     []time.Duration
	errors   int
	firstErr error
	lastDone time.Time
}

// Run runs op from opts.Workers goroutines until the measured window ends or
// opts.MaxRequests measured operations have started, whichever is first.
func Run(opts Options, op Op) Result {
	if opts.Workers < 1 {
		opts.Workers = 1
	}
	if opts.MaxRequests <= 0 {
		opts.MaxRequests = DefaultMaxRequests
	}
	start := time.Now()
	measureStart := start.Add(opts.Warmup)
	end := measureStart.Add(opts.Duration)
	var started atomic.Int64
	stats := make([]workerStats, opts.Workers)
	var wg sync.WaitGroup
	for w := range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := &stats[w]
			for k := 0; ; k++ {
				begin := time.Now()
				if opts.Rate > 0 {
					// Worker w owns the slots w, w+Workers, w+2·Workers, ...
					slot := float64(w+k*opts.Workers) / opts.Rate
					begin = start.Add(time.Duration(slot * float64(time.Second)))
					if d := time.Until(begin); d > 0 {
						time.Sleep(d)
					}
				}
				if !begin.Before(end) || (opts.Context != nil && opts.Context.Err() != nil) {
					return
				}
				measured := !begin.Before(measureStart)
				if measured && started.Add(1) > int64(opts.MaxRequests) {
					return
				}
				sent := time.Now()
				err := op(w)
				done := time.Now()
				if err == ErrStop {
					return
				}
				if !measured {
					continue
				}
				st.lastDone = done
				if err != nil {
					st.errors++
					if st.firstErr == nil {
						st.firstErr = err
					}
					continue
				}
				st.lat = append(st.lat, done.Sub(begin))
				if opts.Rate > 0 {
					st.sent = append(st.sent, done.Sub(sent))
				}
			}
		}()
	}
	wg.Wait()

	res := Result{Rate: opts.Rate}
	var all, sent []time.Duration
	last := measureStart
	for _, st := range stats {
		all = append(all, st.lat...)
		sent = append(sent, st.sent...)
		res.Errors += st.errors
		if st.firstErr != nil && res.FirstError == "" {
			res.FirstError = st.firstErr.Error()
		}
		if st.lastDone.After(last) {
			last = st.lastDone
		}
	}
	res.OK = len(all)
	res.Elapsed = last.Sub(measureStart)
	if res.Elapsed > 0 {
		res.Throughput = float64(res.OK) / res.Elapsed.Seconds()
	}
	slices.Sort(all)
	res.P50, res.P90, res.P99 = Percentile(all, 50), Percentile(all, 90), Percentile(all, 99)
	if len(all) > 0 {
		res.Max = all[len(all)-1]
	}
	slices.Sort(sent)
	res.SentP50, res.SentP99 = Percentile(sent, 50), Percentile(sent, 99)
	return res
}

// Percentile returns the nearest-rank p-th percentile of sorted, 0 if empty.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// StatusError is the error of an unexpected status.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	body := e.Body
	if len(body) > 120 {
		body = body[:120]
	}
	return fmt.Sprintf("status %d: %s", e.Status, body)
}

// Expect returns a *StatusError unless resp has status want.
func Expect(resp *Response, err error, want int) error {
	if err != nil {
		return err
	}
	if resp.Status != want {
		return &StatusError{Status: resp.Status, Body: string(resp.Body)}
	}
	return nil
}
