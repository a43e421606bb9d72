package accounts

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Audit events: every administrative action and every security event.
const (
	AuditLoginSucceeded = "login.succeeded"
	AuditLoginFailed    = "login.failed"
	// AuditLoginTwoFactor: the password was right and a second factor
	// was asked; login.succeeded follows when it passes.
	AuditLoginTwoFactor  = "login.two_factor_required"
	AuditLogout          = "logout"
	AuditPasswordChanged = "password.changed"
	AuditPasswordReset   = "password.reset"
	AuditResetSent       = "password.reset_sent" // an admin sent reset instructions
	AuditEmailConfirmed  = "email.confirmed"
	AuditSessionRevoked  = "session.revoked"
	AuditSessionsRevoked = "sessions.revoked" // all (or all other) sessions of a user
	AuditUserBlocked     = "user.blocked"
	AuditUserRestored    = "user.restored"
	AuditUserActivated   = "user.activated"
	AuditUserDeactivated = "user.deactivated"
	AuditUserVerified    = "user.verified"
	AuditRoleCreated     = "role.created"
	AuditRoleUpdated     = "role.updated"
	AuditRoleGranted     = "role.granted"
	AuditRoleRevoked     = "role.revoked"
	AuditDomainCreated   = "domain.created"
	AuditDomainUpdated   = "domain.updated"
	// Two-factor authentication: set up, turned off (by the user, or reset
	// by an admin), a wrong code at login, a recovery code used, new
	// recovery codes.
	AuditTwoFactorEnabled     = "two_factor.enabled"
	AuditTwoFactorDisabled    = "two_factor.disabled"
	AuditTwoFactorFailed      = "two_factor.failed"
	AuditRecoveryCodeUsed     = "two_factor.recovery_code_used"
	AuditRecoveryCodesRenewed = "two_factor.recovery_codes_renewed"
)

// AuditEvents lists every event, in the order the admin pages offer them.
func AuditEvents() []string {
	return []string{AuditLoginSucceeded, AuditLoginFailed, AuditLoginTwoFactor, AuditLogout, AuditPasswordChanged,
		AuditPasswordReset, AuditResetSent, AuditEmailConfirmed, AuditSessionRevoked, AuditSessionsRevoked,
		AuditUserBlocked, AuditUserRestored, AuditUserActivated, AuditUserDeactivated, AuditUserVerified,
		AuditRoleCreated, AuditRoleUpdated, AuditRoleGranted, AuditRoleRevoked, AuditDomainCreated,
		AuditDomainUpdated, AuditTwoFactorEnabled, AuditTwoFactorDisabled, AuditTwoFactorFailed,
		AuditRecoveryCodeUsed, AuditRecoveryCodesRenewed}
}

// AuditEntry is a row of accounts_go_audit_log. The emails are copies taken
// when the entry was written, so an entry still reads right after the
// address changed. Empty strings are stored as NULL.
type AuditEntry struct {
	ID          int64
	Created     time.Time
	Event       string
	ActorID     int64 // 0: anonymous (a failed login) or the system
	ActorEmail  string
	TargetID    int64 // 0: no user is the target (a domain, a role)
	TargetEmail string
	Object      string // what else was acted on: a session id, a role, a domain
	IP          string
	Reason      string
}

// AuditQuery selects audit entries, newest first.
type AuditQuery struct {
	// Event is an event name, or a prefix ending in "." ("user.").
	Event    string
	UserID   int64 // entries whose actor or target is this user
	ActorID  int64
	TargetID int64
	Since    time.Time // zero: no lower bound
	Until    time.Time // zero: no upper bound (exclusive)
	Page     int       // 1-based; 0 means 1
	Size     int       // 0 means 10; at most 100
}

// Limit returns the page size (default 10, at most 100).
func (q AuditQuery) Limit() int { return pageLimit(q.Size) }

// Offset returns the row offset of the page.
func (q AuditQuery) Offset() int { return pageOffset(q.Page, q.Size) }

// AuditStore keeps the audit log (sqlstore implements it).
type AuditStore interface {
	// AddAudit inserts an entry and sets its ID.
	AddAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit returns a page of entries, newest first, and the total.
	ListAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, int, error)
	// PruneAudit deletes up to limit entries written before cutoff.
	PruneAudit(ctx context.Context, cutoff time.Time, limit int) (int, error)
	// ForgetAuditIPs clears the IP of up to limit entries written before
	// cutoff.
	ForgetAuditIPs(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// Column sizes of accounts_go_audit_log.
const (
	auditEmailMax  = 255
	auditObjectMax = 255
	auditIPMax     = 80
	// AuditReasonMax is the longest reason kept, in characters.
	AuditReasonMax = 1000
)

func (s *Service) auditStore() (AuditStore, error) {
	as, ok := s.raw.(AuditStore)
	if !ok {
		return nil, fmt.Errorf("audit: the store keeps no audit log")
	}
	return as, nil
}

// Audit writes an entry; Created is set to now. Over-long values are cut to
// their columns. Errors: EInvalid for an unknown event.
func (s *Service) Audit(ctx context.Context, e AuditEntry) error {
	if !knownEvent(e.Event) {
		return Errorf(EInvalid, "Unknown audit event %q.", e.Event)
	}
	as, err := s.auditStore()
	if err != nil {
		return err
	}
	e.Created = s.now()
	e.ActorEmail, e.TargetEmail = clipRunes(e.ActorEmail, auditEmailMax), clipRunes(e.TargetEmail, auditEmailMax)
	e.Object, e.IP = clipRunes(e.Object, auditObjectMax), clipRunes(e.IP, auditIPMax)
	e.Reason = clipRunes(strings.TrimSpace(e.Reason), AuditReasonMax)
	if err := as.AddAudit(ctx, &e); err != nil {
		return fmt.Errorf("audit %s: %w", e.Event, err)
	}
	return nil
}

// AuditLog returns a page of the audit log and the total. Errors: EInvalid
// for an unknown event or a page outside 1.. and a size outside 1..100.
func (s *Service) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, int, error) {
	if q.Event != "" && !knownEvent(q.Event) && !knownEventPrefix(q.Event) {
		return nil, 0, FieldError("event", fmt.Sprintf("Unknown event %q.", q.Event))
	}
	if err := checkPage(q.Page, q.Size); err != nil {
		return nil, 0, err
	}
	as, err := s.auditStore()
	if err != nil {
		return nil, 0, err
	}
	return as.ListAudit(ctx, q)
}

// auditBatch is how many rows one pruning statement touches.
const auditBatch = 1000

// PruneAudit deletes the entries older than retention and forgets the IPs
// of entries older than ipRetention (ACCOUNTS_RETENTION_PERIOD, as the login
// IPs are forgotten), in batches. A zero duration keeps them. It returns how
// many entries it deleted or changed.
func (s *Service) PruneAudit(ctx context.Context, retention, ipRetention time.Duration) (int, error) {
	as, err := s.auditStore()
	if err != nil {
		return 0, err
	}
	total := 0
	for _, step := range []struct {
		keep time.Duration
		run  func(context.Context, time.Time, int) (int, error)
	}{{retention, as.PruneAudit}, {ipRetention, as.ForgetAuditIPs}} {
		if step.keep <= 0 {
			continue
		}
		cutoff := s.now().Add(-step.keep)
		for {
			n, err := step.run(ctx, cutoff, auditBatch)
			total += n
			if err != nil {
				return total, fmt.Errorf("prune audit log: %w", err)
			}
			if n < auditBatch {
				break
			}
		}
	}
	return total, nil
}

// PruneAuditEvery runs PruneAudit now and then every interval until ctx
// ends, telling done of each run (for the log).
func (s *Service) PruneAuditEvery(ctx context.Context, every, retention, ipRetention time.Duration, done func(n int, err error)) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.PruneAudit(ctx, retention, ipRetention)
		if ctx.Err() != nil {
			return
		}
		done(n, err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func knownEvent(e string) bool {
	for _, k := range AuditEvents() {
		if k == e {
			return true
		}
	}
	return false
}

func knownEventPrefix(p string) bool {
	if !strings.HasSuffix(p, ".") {
		return false
	}
	for _, k := range AuditEvents() {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// clipRunes cuts s to at most n characters.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
