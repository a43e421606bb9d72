package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"os"
	"strings"
	"time"
)

// Options tune a Mailer; zero values take the defaults in brackets.
type Options struct {
	Logger      *slog.Logger     // [discard]
	DefaultFrom string           // From of messages without one (SECURITY_EMAIL_SENDER)
	Worker      string           // name in locked_by [host-pid-random]
	Poll        time.Duration    // how often an idle worker looks for due jobs [5s]
	BatchSize   int              // jobs claimed at once [10]
	MaxAttempts int              // attempts before a dead letter [8]
	RetryBase   time.Duration    // wait after the first failure [30s]; ×4 each time
	RetryMax    time.Duration    // longest wait [6h]
	SendTimeout time.Duration    // bound on one Send [1m]; more than MAIL_TIMEOUT
	Lease       time.Duration    // claim lease [5m; at least 2×SendTimeout]
	Now         func() time.Time // [time.Now]
}

// Result says what one RunOnce did.
type Result struct {
	Claimed, Sent, Retried, Dead, Released int
}

// Mailer queues messages durably and delivers them in the background. Any
// number of Mailers (one a node) may share one Queue: a message goes to one
// of them at a time, and is sent again only when a worker died after taking
// it and its lease ran out.
type Mailer struct {
	q    Queue
	s    Sender
	o    Options
	log  *slog.Logger
	wake chan struct{}
}

// New returns a Mailer over q that delivers through s.
func New(q Queue, s Sender, o Options) *Mailer {
	o = o.withDefaults()
	return &Mailer{q: q, s: s, o: o, log: o.Logger, wake: make(chan struct{}, 1)}
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Poll, 5*time.Second)
	def(&o.RetryBase, 30*time.Second)
	def(&o.RetryMax, 6*time.Hour)
	def(&o.SendTimeout, time.Minute)
	def(&o.Lease, 5*time.Minute)
	o.Lease = max(o.Lease, 2*o.SendTimeout)
	if o.BatchSize <= 0 {
		o.BatchSize = 10
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Worker == "" {
		host, _ := os.Hostname()
		o.Worker = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:6])
	}
	return o
}

// Enqueue validates m (From defaults to Options.DefaultFrom), fixes its Date
// and Message-ID, renders it and stores it in the queue; it never talks to
// the mail server. Validation errors wrap ErrInvalid (an address that does
// not parse or holds CR/LF, no recipient, no body); queue errors are
// returned wrapped.
func (mm *Mailer) Enqueue(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = mm.o.DefaultFrom
	}
	now := mm.o.Now()
	m = m.WithDefaults(now)
	raw, err := Render(m)
	if err != nil {
		return err
	}
	id, err := mm.q.Enqueue(ctx, raw, now)
	if err != nil {
		return fmt.Errorf("enqueue email: %w", err)
	}
	select {
	case mm.wake <- struct{}{}:
	default:
	}
	mm.log.DebugContext(ctx, "email queued", "mail_id", id, "recipients", len(m.To), "subject", m.Subject)
	return nil
}

// Stats returns the queue's counts.
func (mm *Mailer) Stats(ctx context.Context) (Stats, error) { return mm.q.Stats(ctx) }

// Run delivers due messages until ctx ends: a batch at a time, then again at
// once when the batch was full, on Enqueue, or every Options.Poll. When ctx
// ends it finishes the message being sent, gives back the rest of its batch
// and returns. Queue errors (database down) are logged and retried.
func (mm *Mailer) Run(ctx context.Context) {
	timer := time.NewTimer(mm.o.Poll)
	defer timer.Stop()
	for {
		res, err := mm.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			mm.log.ErrorContext(ctx, "email queue", "error", err)
		}
		if err == nil && res.Claimed == mm.o.BatchSize {
			continue
		}
		timer.Reset(mm.o.Poll)
		select {
		case <-ctx.Done():
			return
		case <-mm.wake:
		case <-timer.C:
		}
	}
}

// RunOnce claims one batch of due messages and delivers them one by one.
// A message being sent when ctx ends is finished (within
// Options.SendTimeout); the rest of the batch is given back. It returns the
// claim error, or the bookkeeping errors (ErrLeaseLost, a database error)
// met after sending, joined.
func (mm *Mailer) RunOnce(ctx context.Context) (Result, error) {
	now := mm.o.Now()
	jobs, err := mm.q.Claim(ctx, mm.o.Worker, mm.o.BatchSize, now, mm.o.Lease)
	if err != nil {
		return Result{}, fmt.Errorf("claim emails: %w", err)
	}
	leaseEnd := now.Add(mm.o.Lease)
	res := Result{Claimed: len(jobs)}
	var errs []error
	for i, j := range jobs {
		// Stop before a send that could outlive the lease: another worker
		// would then send the message too.
		if ctx.Err() != nil || mm.o.Now().Add(mm.o.SendTimeout).After(leaseEnd) {
			errs = append(errs, mm.release(context.WithoutCancel(ctx), jobs[i:], &res))
			break
		}
		errs = append(errs, mm.deliver(ctx, j, &res))
	}
	return res, errors.Join(errs...)
}

func (mm *Mailer) release(ctx context.Context, jobs []Job, res *Result) error {
	var errs []error
	for _, j := range jobs {
		if err := mm.q.Release(ctx, j.ID, mm.o.Worker, mm.o.Now()); err != nil {
			errs = append(errs, fmt.Errorf("release email %d: %w", j.ID, err))
			continue
		}
		res.Released++
	}
	return errors.Join(errs...)
}

// deliver sends one job and records the outcome. A started send is
// finished, and recorded, whether or not stop (RunOnce's context) ends.
func (mm *Mailer) deliver(stop context.Context, j Job, res *Result) error {
	ctx := context.WithoutCancel(stop)
	if j.Attempts > mm.o.MaxAttempts {
		// Claimed again and again without an outcome: its workers died.
		return mm.fail(ctx, j, Message{}, errors.New("lease expired too often (workers died while sending)"), res)
	}
	m, err := Parse(j.Message)
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, mm.o.SendTimeout)
		err = mm.s.Send(sctx, m)
		cancel()
	}
	if err != nil {
		return mm.fail(ctx, j, m, err, res)
	}
	if err := mm.markSent(stop, j); err != nil {
		// Delivered, but another worker may deliver it again.
		return fmt.Errorf("email %d sent but not recorded: %w", j.ID, err)
	}
	res.Sent++
	mm.log.InfoContext(ctx, "email sent", "mail_id", j.ID, "attempt", j.Attempts, "recipients", len(m.To), "subject", m.Subject)
	return nil
}

// markSentFor is how long a delivery's record is tried again while the
// database refuses it: unrecorded, the message stays "sending" and is sent
// again when its lease ends (docs/reliability.md, finding 4).
const markSentFor = 30 * time.Second

// markSent records j's delivery, trying again (after 0.1 s, 0.2 s, ... at
// most 5 s apart) for markSentFor, until stop ends, or until the lease is
// lost (another worker has it: nothing to record).
func (mm *Mailer) markSent(stop context.Context, j Job) error {
	ctx := context.WithoutCancel(stop)
	give := time.Now().Add(markSentFor)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		err := mm.q.MarkSent(ctx, j.ID, mm.o.Worker, mm.o.Now())
		if err == nil || errors.Is(err, ErrLeaseLost) || time.Now().Add(wait).After(give) {
			return err
		}
		mm.log.WarnContext(ctx, "email sent but not recorded; trying again", "mail_id", j.ID, "in", wait.String(), "err", err)
		select {
		case <-stop.Done():
			return err
		case <-time.After(wait):
		}
	}
}

func (mm *Mailer) fail(ctx context.Context, j Job, m Message, sendErr error, res *Result) error {
	now := mm.o.Now()
	dead := IsPermanent(sendErr) || j.Attempts >= mm.o.MaxAttempts
	var retryAt time.Time
	if !dead {
		retryAt = now.Add(mm.backoff(j.Attempts))
	}
	if err := mm.q.MarkFailed(ctx, j.ID, mm.o.Worker, now, errorText(sendErr), retryAt); err != nil {
		return fmt.Errorf("mark email %d failed: %w", j.ID, err)
	}
	attrs := []any{"mail_id", j.ID, "attempt", j.Attempts, "recipients", len(m.To), "subject", m.Subject, "error", sendErr}
	if dead {
		res.Dead++
		mm.log.ErrorContext(ctx, "email given up (dead letter)", attrs...)
		return nil
	}
	res.Retried++
	mm.log.WarnContext(ctx, "email not sent; will retry", append(attrs, "retry_at", retryAt)...)
	return nil
}

// backoff is the wait after the given failed attempt: RetryBase×4^(n-1),
// at most RetryMax, with ±20% jitter so that nodes do not retry in step.
func (mm *Mailer) backoff(attempt int) time.Duration {
	d := float64(mm.o.RetryBase) * math.Pow(4, float64(max(attempt, 1)-1))
	d = min(d, float64(mm.o.RetryMax))
	return time.Duration(d * (0.8 + 0.4*mrand.Float64()))
}

// errorText makes a one-line, bounded last_error. SMTP replies and network
// errors carry no credentials (go-mail redacts AUTH exchanges).
func errorText(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if r := []rune(s); len(r) > 1000 {
		s = string(r[:1000])
	}
	return s
}
