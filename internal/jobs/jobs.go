// Package jobs runs the periodic tasks of Invenio-Accounts: removing
// expired sessions (clean_session_table), forgetting old login IPs
// (delete_ips) and refreshing the email-domain counters
// (update_domain_status). Each works in short batches, so that it never
// stalls logins and can stop between any two batches; several nodes may run
// them at once without doubling any effect (the store's statements are
// idempotent and skip rows another node holds).
//
// It imports the standard library and internal/session (for the error of a
// session id that was never ours).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/invenio-go/accounts/internal/session"
)

// Names of the jobs, as `accounts tasks NAME` takes them.
const (
	CleanSessions      = "clean-sessions"
	DeleteIPs          = "delete-ips"
	UpdateDomainStatus = "update-domain-status"
)

// Store is the batch operations the jobs run (sqlstore implements them).
type Store interface {
	DeleteExpiredSessionActivities(ctx context.Context, cutoff time.Time, limit int) ([]string, error)
	ForgetLoginIPs(ctx context.Context, cutoff time.Time, limit int) (int, error)
	UpdateDomainCounters(ctx context.Context, now time.Time, limit int) (int, error)
}

// Revoker deletes stored sessions by derived id (session.Manager).
type Revoker interface {
	Revoke(ctx context.Context, id string) error
}

// Options configure a Runner.
type Options struct {
	SessionLifetime time.Duration // PERMANENT_SESSION_LIFETIME
	Retention       time.Duration // ACCOUNTS_RETENTION_PERIOD
	BatchSize       int           // rows per batch (default 1000)
	Now             func() time.Time
	Logger          *slog.Logger
	// Done is told of every run (the metrics); nil: nobody.
	Done func(res Result, err error)
}

// Runner runs the jobs.
type Runner struct {
	store   Store
	revoker Revoker // nil: stored sessions expire by their TTL
	opts    Options
}

// New returns a Runner. revoker may be nil (the CLI without a session
// store): stored sessions then end by the database re-check and their TTL.
func New(store Store, revoker Revoker, opts Options) *Runner {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{store: store, revoker: revoker, opts: opts}
}

// Result is what one run of a job did.
type Result struct {
	Job      string
	Rows     int
	Batches  int
	Duration time.Duration
}

// Progress is called after each batch with the rows done so far.
type Progress func(rows, batches int)

// Names lists the jobs.
func Names() []string { return []string{CleanSessions, DeleteIPs, UpdateDomainStatus} }

// Run runs a job to the end: batch after batch until one is not full. It
// stops between batches when ctx ends, returning what was done and the
// context's error; the next run finishes the work.
func (r *Runner) Run(ctx context.Context, name string, progress Progress) (Result, error) {
	batch, err := r.batchFunc(name)
	if err != nil {
		return Result{}, err
	}
	res := Result{Job: name}
	start := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			res.Duration = time.Since(start)
			return res, err
		}
		n, err := batch(ctx)
		res.Rows += n
		res.Batches++
		if progress != nil {
			progress(res.Rows, res.Batches)
		}
		if err != nil {
			res.Duration = time.Since(start)
			return res, fmt.Errorf("%s: batch %d: %w", name, res.Batches, err)
		}
		if n < r.opts.BatchSize {
			res.Duration = time.Since(start)
			return res, nil
		}
	}
}

func (r *Runner) batchFunc(name string) (func(context.Context) (int, error), error) {
	switch name {
	case CleanSessions:
		return r.cleanSessionsBatch, nil
	case DeleteIPs:
		return func(ctx context.Context) (int, error) {
			return r.store.ForgetLoginIPs(ctx, r.opts.Now().UTC().Add(-r.opts.Retention), r.opts.BatchSize)
		}, nil
	case UpdateDomainStatus:
		return func(ctx context.Context) (int, error) {
			return r.store.UpdateDomainCounters(ctx, r.opts.Now().UTC(), r.opts.BatchSize)
		}, nil
	}
	return nil, fmt.Errorf("unknown job %q (want one of %v)", name, Names())
}

// cleanSessionsBatch deletes a batch of expired activity rows, then their
// stored sessions (already expired by their TTL in a healthy store).
func (r *Runner) cleanSessionsBatch(ctx context.Context) (int, error) {
	cutoff := r.opts.Now().UTC().Add(-r.opts.SessionLifetime)
	sids, err := r.store.DeleteExpiredSessionActivities(ctx, cutoff, r.opts.BatchSize)
	if err != nil || r.revoker == nil {
		return len(sids), err
	}
	for _, sid := range sids {
		if err := r.revoker.Revoke(ctx, sid); err != nil && !errors.Is(err, session.ErrInvalidID) {
			r.opts.Logger.Warn("clean-sessions: could not delete a stored session; it ends by its TTL", "err", err)
			break
		}
	}
	return len(sids), nil
}

// Schedule runs each job with a positive interval on a ticker until ctx
// ends, logging each run. Start times are jittered so that nodes started
// together do not run in step.
func (r *Runner) Schedule(ctx context.Context, intervals map[string]time.Duration) {
	for name, every := range intervals {
		if every <= 0 {
			continue
		}
		go r.loop(ctx, name, every)
	}
}

func (r *Runner) loop(ctx context.Context, name string, every time.Duration) {
	jitter := time.Duration(rand.Int64N(int64(every)/10 + 1))
	t := time.NewTimer(jitter + time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res, err := r.Run(ctx, name, nil)
		if r.opts.Done != nil {
			r.opts.Done(res, err)
		}
		log := r.opts.Logger.With("job", name, "rows", res.Rows, "batches", res.Batches, "duration", res.Duration.String())
		if err != nil && ctx.Err() == nil {
			log.Error("job failed", "err", err)
		} else if res.Rows > 0 {
			log.Info("job done")
		}
		t.Reset(every)
	}
}
