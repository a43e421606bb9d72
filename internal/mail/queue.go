package mail

import (
	"context"
	"errors"
	"time"
)

// Job states, as stored.
const (
	StatusQueued  = "queued"  // waiting for next_attempt_at
	StatusSending = "sending" // claimed by a worker until its lease ends
	StatusSent    = "sent"    // accepted by the server (or written to the outbox)
	StatusDead    = "dead"    // given up: a permanent error, or too many attempts
)

// ErrLeaseLost is returned by MarkSent, MarkFailed and Release when the job
// is no longer claimed by this worker: its lease ran out and another worker
// may have claimed it.
var ErrLeaseLost = errors.New("mail: job lease lost")

// Job is a claimed message.
type Job struct {
	ID       int64
	Attempts int    // including this one
	Message  []byte // as Render made it
	Created  time.Time
}

// Stats counts the jobs in each state.
type Stats struct {
	Queued, Sending, Sent, Dead int64
	// OldestQueued is when the oldest queued job was enqueued; zero when
	// none waits.
	OldestQueued time.Time
}

// Queue is the durable store of messages to send, shared by every node.
// internal/sqlstore implements it; internal/mail/mailtest holds the
// contract every implementation passes. Times are passed in by the caller.
type Queue interface {
	// Enqueue stores a rendered message, due at once, and returns its id.
	Enqueue(ctx context.Context, message []byte, now time.Time) (int64, error)
	// Claim hands up to n due jobs to worker, oldest due first, and leases
	// them until now+lease; each claim counts as an attempt. Due means
	// queued with next_attempt_at <= now, or sending with a lease that ran
	// out (its worker died). Two concurrent claims never return the same
	// job.
	Claim(ctx context.Context, worker string, n int, now time.Time, lease time.Duration) ([]Job, error)
	// MarkSent records the delivery and drops the body, which may hold a
	// still-valid link. It returns ErrLeaseLost when worker no longer
	// holds the job.
	MarkSent(ctx context.Context, id int64, worker string, now time.Time) error
	// MarkFailed records lastError (no secrets in it) and requeues the job
	// for retryAt, or marks it dead when retryAt is zero. It returns
	// ErrLeaseLost when worker no longer holds the job.
	MarkFailed(ctx context.Context, id int64, worker string, now time.Time, lastError string, retryAt time.Time) error
	// Release gives a claimed job back unsent (a stopping worker), due at
	// once, and takes back the attempt its claim counted. It returns
	// ErrLeaseLost when worker no longer holds the job.
	Release(ctx context.Context, id int64, worker string, now time.Time) error
	// Stats counts the jobs by state.
	Stats(ctx context.Context) (Stats, error)
}
