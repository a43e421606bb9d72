package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Login outcomes, the values of accounts_logins_total's outcome label.
const (
	LoginSuccess     = "success"      // credentials accepted, session started
	LoginTwoFactor   = "two_factor"   // credentials accepted, the second factor asked next
	LoginInvalid     = "invalid"      // missing field, unknown user, no password or wrong password
	LoginDisabled    = "disabled"     // the account is blocked or inactive
	LoginUnconfirmed = "unconfirmed"  // the email address is not confirmed yet
	LoginRateLimited = "rate_limited" // refused by the login rate limits
	LoginBusy        = "busy"         // refused because the hash pool is full
	LoginError       = "error"        // an internal error (database down, ...)
)

// Second-factor outcomes, the values of accounts_two_factor_total's
// outcome label.
const (
	TwoFactorPassed      = "passed"        // a code of the authenticator app: logged in
	TwoFactorRecovery    = "recovery_code" // a recovery code: logged in
	TwoFactorFailed      = "failed"        // a wrong, reused or malformed code
	TwoFactorRateLimited = "rate_limited"  // refused by the client's or the account's limit
)

// Email events, the values of accounts_mail_total's event label.
const (
	MailQueued  = "queued"  // a message entered the queue
	MailSent    = "sent"    // a message was delivered to the SMTP server or outbox
	MailRetried = "retried" // a send failed and is scheduled again
	MailDead    = "dead"    // a message was given up (dead letter)
)

// Job results, the values of accounts_job_runs_total's result label.
const (
	JobOK    = "ok"
	JobError = "error"
)

// other is the label value recorded for a value outside a documented set,
// so that a caller's mistake cannot create unbounded series.
const other = "other"

// newEvents creates the login, email and job metrics. The login and email
// series of every documented value are created at once, at zero, so that
// rate() sees their first increment.
func (m *Metrics) newEvents() {
	logins := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "logins_total",
		Help: "Login attempts, by outcome.",
	}, []string{"outcome"})
	m.logins = children(logins, LoginSuccess, LoginTwoFactor, LoginInvalid, LoginDisabled, LoginUnconfirmed,
		LoginRateLimited, LoginBusy, LoginError, other)
	twoFactor := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "two_factor_total",
		Help: "Second factors given after a right password, by outcome.",
	}, []string{"outcome"})
	m.twoFactor = children(twoFactor, TwoFactorPassed, TwoFactorRecovery, TwoFactorFailed, TwoFactorRateLimited, other)
	mail := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "mail_total",
		Help: "Email queue events, by event.",
	}, []string{"event"})
	m.mail = children(mail, MailQueued, MailSent, MailRetried, MailDead, other)

	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "job", Name: "runs_total",
		Help: "Periodic job runs, by job and result (ok, error).",
	}, []string{"job", "result"})
	m.jobRows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "job", Name: "rows_total",
		Help: "Rows deleted or updated by periodic jobs, by job.",
	}, []string{"job"})
	m.jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "job", Name: "duration_seconds",
		Help:    "Duration of periodic job runs, by job.",
		Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300},
	}, []string{"job"})
	m.reg.MustRegister(logins, twoFactor, mail, m.jobRuns, m.jobRows, m.jobDuration)
}

// children returns the counters of vec for each value of its one label.
func children(vec *prometheus.CounterVec, values ...string) map[string]prometheus.Counter {
	c := make(map[string]prometheus.Counter, len(values))
	for _, v := range values {
		c[v] = vec.WithLabelValues(v)
	}
	return c
}

// Login counts a login attempt with its outcome, one of the Login*
// constants; any other value is counted as "other".
func (m *Metrics) Login(outcome string) {
	if m == nil {
		return
	}
	c, ok := m.logins[outcome]
	if !ok {
		c = m.logins[other]
	}
	c.Inc()
}

// TwoFactor counts a second factor given at login with its outcome, one of
// the TwoFactor* constants; any other value is counted as "other".
func (m *Metrics) TwoFactor(outcome string) {
	if m == nil {
		return
	}
	c, ok := m.twoFactor[outcome]
	if !ok {
		c = m.twoFactor[other]
	}
	c.Inc()
}

// Mail counts an email queue event, one of the Mail* constants; any other
// value is counted as "other".
func (m *Metrics) Mail(event string) {
	if m == nil {
		return
	}
	c, ok := m.mail[event]
	if !ok {
		c = m.mail[other]
	}
	c.Inc()
}

// JobRun records one run of a periodic job: its result (error when err is
// not nil), the rows it touched (counted even when it failed part way, as
// those rows were changed) and its duration. job is one of the job names
// of internal/jobs.
func (m *Metrics) JobRun(job string, rows int, d time.Duration, err error) {
	if m == nil {
		return
	}
	result := JobOK
	if err != nil {
		result = JobError
	}
	m.jobRuns.WithLabelValues(job, result).Inc()
	m.jobRows.WithLabelValues(job).Add(float64(max(rows, 0)))
	m.jobDuration.WithLabelValues(job).Observe(d.Seconds())
}
