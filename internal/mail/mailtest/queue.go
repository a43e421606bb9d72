package mailtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/mail"
)

// t0 is the queue's clock in the contract: times are always passed in.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// TestQueue runs the contract of mail.Queue; open returns an empty queue of
// the test's own.
func TestQueue(t *testing.T, open func(t *testing.T) mail.Queue) {
	tests := []struct {
		name string
		f    func(t *testing.T, q mail.Queue)
	}{
		{"claim oldest first, once", testClaimOrder},
		{"retry waits for its time", testRetry},
		{"dead is never claimed", testDead},
		{"expired lease is claimable", testLeaseExpiry},
		{"release gives the attempt back", testRelease},
		{"concurrent claims are disjoint", testConcurrentClaims},
		{"stats", testStats},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, open(t)) })
	}
}

func enqueue(t *testing.T, q mail.Queue, body string, now time.Time) int64 {
	t.Helper()
	id, err := q.Enqueue(context.Background(), []byte(body), now)
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return id
}

func claim(t *testing.T, q mail.Queue, worker string, n int, now time.Time) []mail.Job {
	t.Helper()
	jobs, err := q.Claim(context.Background(), worker, n, now, time.Minute)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return jobs
}

func wantIDs(t *testing.T, jobs []mail.Job, ids ...int64) {
	t.Helper()
	got := make([]int64, len(jobs))
	for i, j := range jobs {
		got[i] = j.ID
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("claimed %v, want %v", got, ids)
	}
}

func testClaimOrder(t *testing.T, q mail.Queue) {
	ctx := context.Background()
	a := enqueue(t, q, "message a\r\n", t0)
	b := enqueue(t, q, "message b", t0.Add(time.Second))
	c := enqueue(t, q, "message c", t0.Add(2*time.Second))
	if got := claim(t, q, "w1", 2, t0); len(got) != 1 || got[0].ID != a {
		t.Fatalf("at t0 claimed %v, want only %d (the others are not due)", got, a)
	}
	jobs := claim(t, q, "w1", 5, t0.Add(30*time.Second)) // a's lease holds
	wantIDs(t, jobs, b, c)
	j := jobs[0]
	if j.Attempts != 1 || string(j.Message) != "message b" || !j.Created.Equal(t0.Add(time.Second)) {
		t.Errorf("job = %+v, want attempts 1, the message and the enqueue time", j)
	}
	if got := claim(t, q, "w2", 5, t0.Add(30*time.Second)); len(got) != 0 {
		t.Fatalf("claimed jobs twice: %v", got)
	}
	if err := q.MarkSent(ctx, a, "w2", t0); !errors.Is(err, mail.ErrLeaseLost) {
		t.Errorf("MarkSent by another worker = %v, want ErrLeaseLost", err)
	}
	if err := q.MarkSent(ctx, a, "w1", t0); err != nil {
		t.Fatalf("MarkSent: %v", err)
	}
	if err := q.MarkSent(ctx, a, "w1", t0); !errors.Is(err, mail.ErrLeaseLost) {
		t.Errorf("second MarkSent = %v, want ErrLeaseLost", err)
	}
	// b and c, whose lease ran out, come back; the sent a does not.
	wantIDs(t, claim(t, q, "w1", 5, t0.Add(48*time.Hour)), b, c)
}

func testRetry(t *testing.T, q mail.Queue) {
	id := enqueue(t, q, "m", t0)
	claim(t, q, "w1", 1, t0)
	retryAt := t0.Add(10 * time.Minute)
	if err := q.MarkFailed(context.Background(), id, "w1", t0, "421 try later", retryAt); err != nil {
		t.Fatalf("MarkFailed: %v", err)
	}
	if got := claim(t, q, "w1", 1, retryAt.Add(-time.Second)); len(got) != 0 {
		t.Fatalf("claimed before its retry time: %v", got)
	}
	jobs := claim(t, q, "w2", 1, retryAt)
	wantIDs(t, jobs, id)
	if jobs[0].Attempts != 2 {
		t.Errorf("attempts = %d, want 2", jobs[0].Attempts)
	}
}

func testDead(t *testing.T, q mail.Queue) {
	id := enqueue(t, q, "m", t0)
	claim(t, q, "w1", 1, t0)
	if err := q.MarkFailed(context.Background(), id, "w1", t0, "550 no such user", time.Time{}); err != nil {
		t.Fatalf("MarkFailed dead: %v", err)
	}
	if got := claim(t, q, "w1", 1, t0.Add(100*24*time.Hour)); len(got) != 0 {
		t.Fatalf("claimed a dead job: %v", got)
	}
}

func testLeaseExpiry(t *testing.T, q mail.Queue) {
	ctx := context.Background()
	id := enqueue(t, q, "m", t0)
	claim(t, q, "w1", 1, t0) // lease: one minute
	if got := claim(t, q, "w2", 1, t0.Add(59*time.Second)); len(got) != 0 {
		t.Fatalf("claimed during another worker's lease: %v", got)
	}
	jobs := claim(t, q, "w2", 1, t0.Add(61*time.Second))
	wantIDs(t, jobs, id)
	if jobs[0].Attempts != 2 {
		t.Errorf("attempts = %d, want 2", jobs[0].Attempts)
	}
	if err := q.MarkFailed(ctx, id, "w1", t0, "late", t0.Add(time.Hour)); !errors.Is(err, mail.ErrLeaseLost) {
		t.Errorf("MarkFailed by the worker that lost the lease = %v, want ErrLeaseLost", err)
	}
	if err := q.MarkSent(ctx, id, "w2", t0.Add(62*time.Second)); err != nil {
		t.Errorf("MarkSent by the new holder: %v", err)
	}
}

func testRelease(t *testing.T, q mail.Queue) {
	ctx := context.Background()
	id := enqueue(t, q, "m", t0)
	claim(t, q, "w1", 1, t0)
	if err := q.Release(ctx, id, "w2", t0); !errors.Is(err, mail.ErrLeaseLost) {
		t.Errorf("Release by another worker = %v, want ErrLeaseLost", err)
	}
	if err := q.Release(ctx, id, "w1", t0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	jobs := claim(t, q, "w2", 1, t0)
	wantIDs(t, jobs, id)
	if jobs[0].Attempts != 1 {
		t.Errorf("attempts after a release = %d, want 1", jobs[0].Attempts)
	}
}

func testConcurrentClaims(t *testing.T, q mail.Queue) {
	const jobs, workers = 60, 6
	for i := range jobs {
		enqueue(t, q, fmt.Sprint("m", i), t0)
	}
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := range workers {
		name := fmt.Sprint("w", w)
		wg.Go(func() {
			for {
				got, err := q.Claim(context.Background(), name, 3, t0, time.Hour)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					if other, dup := seen[j.ID]; dup {
						t.Errorf("job %d claimed by %s and %s", j.ID, other, name)
					}
					seen[j.ID] = name
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != jobs {
		t.Errorf("claimed %d jobs, want %d", len(seen), jobs)
	}
}

func testStats(t *testing.T, q mail.Queue) {
	ctx := context.Background()
	if st, err := q.Stats(ctx); err != nil || st != (mail.Stats{}) {
		t.Fatalf("Stats of an empty queue = %+v, %v", st, err)
	}
	ids := make([]int64, 4)
	for i := range ids {
		ids[i] = enqueue(t, q, "m", t0.Add(time.Duration(i)*time.Minute))
	}
	claim(t, q, "w", 3, t0.Add(time.Hour))
	must(t, q.MarkSent(ctx, ids[0], "w", t0))
	must(t, q.MarkFailed(ctx, ids[1], "w", t0, "550", time.Time{}))
	st, err := q.Stats(ctx)
	must(t, err)
	want := mail.Stats{Queued: 1, Sending: 1, Sent: 1, Dead: 1, OldestQueued: t0.Add(3 * time.Minute)}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
