package httpserver

import (
	"net/http"
	"net/url"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

// The events the handlers record with audit (short names for one-line
// calls in files that need no other part of accounts).
const (
	eventLogout          = accounts.AuditLogout
	eventPasswordChanged = accounts.AuditPasswordChanged
	eventPasswordReset   = accounts.AuditPasswordReset
	eventSessionRevoked  = accounts.AuditSessionRevoked
	eventSessionsRevoked = accounts.AuditSessionsRevoked
)

// audit records a security event about target, done by the logged-in user.
// target nil means the logged-in user; with no one logged in the target is
// taken as the actor (a password reset, a confirmation). Nothing is recorded
// when there is neither. A failure is logged, never shown: what is recorded
// has happened already.
func (s *Server) audit(r *http.Request, event string, target *accounts.User, object string) {
	actor, _ := s.currentUser(r)
	if target == nil {
		target = actor
	}
	if actor == nil {
		actor = target
	}
	if target == nil {
		return
	}
	s.writeAudit(r, accounts.AuditEntry{Event: event, ActorID: actor.ID, ActorEmail: actor.Email,
		TargetID: target.ID, TargetEmail: target.Email, Object: object})
}

// auditLoginFailed records a failed login attempt: a failure on the
// credentials or the account's state (missing fields and an overloaded
// service are not attempts). It names the account when the typed address
// is one; anything else typed there is not kept (it may be a password
// typed into the wrong field). A success is recorded when its session
// starts (beginPasswordLogin).
func (s *Server) auditLoginFailed(r *http.Request, email string, err error) {
	if code := accounts.ErrorCode(err); code != accounts.EUnauthorized && code != accounts.EForbidden {
		return
	}
	e := accounts.AuditEntry{Event: accounts.AuditLoginFailed, Reason: accounts.ErrorMessage(err)}
	if addr, _, err := accounts.NormalizeEmail(email); err == nil {
		e.TargetEmail = addr
		if known, err := s.opts.Service.FindUser(r.Context(), accounts.UserRef(addr)); err == nil {
			e.TargetID, e.TargetEmail = known.ID, known.Email
		}
	}
	s.writeAudit(r, e)
}

// auditConfirmed records a confirmed email and, when the address' domain is
// blocked, that the confirmation blocked the user.
func (s *Server) auditConfirmed(r *http.Request, u *accounts.User) {
	s.audit(r, accounts.AuditEmailConfirmed, u, "")
	if u.IsBlocked() {
		s.writeAudit(r, accounts.AuditEntry{Event: accounts.AuditUserBlocked, TargetID: u.ID, TargetEmail: u.Email,
			Object: accounts.EmailDomain(u.Email), Reason: accounts.MsgDomainBlocked})
	}
}

// record writes an admin action's entry.
func (a *admin) record(r *http.Request, actor *accounts.User, event string, target *accounts.User, object, reason string) {
	e := accounts.AuditEntry{Event: event, ActorID: actor.ID, ActorEmail: actor.Email, Object: object, Reason: reason}
	if target != nil {
		e.TargetID, e.TargetEmail = target.ID, target.Email
	}
	a.s.writeAudit(r, e)
}

func (s *Server) writeAudit(r *http.Request, e accounts.AuditEntry) {
	e.IP = stateOf(r).ip
	if err := s.opts.Service.Audit(r.Context(), e); err != nil {
		s.opts.Logger.Error("audit entry not written", "event", e.Event, "err", err)
	}
}

// auditView is an entry of GET /api/admin/audit.
type auditView struct {
	ID          int64     `json:"id"`
	Created     time.Time `json:"created"`
	Event       string    `json:"event"`
	ActorID     *int64    `json:"actor_id"`
	ActorEmail  *string   `json:"actor_email"`
	TargetID    *int64    `json:"target_id"`
	TargetEmail *string   `json:"target_email"`
	Object      *string   `json:"object"`
	IP          *string   `json:"ip"`
	Reason      *string   `json:"reason"`
}

func viewOfAudit(e accounts.AuditEntry) auditView {
	id := func(n int64) *int64 {
		if n == 0 {
			return nil
		}
		return &n
	}
	return auditView{ID: e.ID, Created: e.Created, Event: e.Event, ActorID: id(e.ActorID),
		ActorEmail: nonEmpty(e.ActorEmail), TargetID: id(e.TargetID), TargetEmail: nonEmpty(e.TargetEmail),
		Object: nonEmpty(e.Object), IP: nonEmpty(e.IP), Reason: nonEmpty(e.Reason)}
}

// auditQuery reads the audit filters of a query string: event, user, actor,
// target (ids), since and until (RFC 3339 times or dates), page and size.
// EInvalid.
func auditQuery(v url.Values) (accounts.AuditQuery, error) {
	var q accounts.AuditQuery
	var err error
	if q.Page, q.Size, err = paging(v); err != nil {
		return q, err
	}
	q.Event = v.Get("event")
	for name, dst := range map[string]*int64{"user": &q.UserID, "actor": &q.ActorID, "target": &q.TargetID} {
		if *dst, err = queryInt(v, name); err != nil {
			return q, err
		}
	}
	if q.Since, err = queryTime(v, "since"); err != nil {
		return q, err
	}
	q.Until, err = queryTime(v, "until")
	return q, err
}

// queryTime reads an RFC 3339 time or a date (midnight UTC); zero when
// absent. EInvalid on field name.
func queryTime(v url.Values, name string) (time.Time, error) {
	raw := v.Get(name)
	if raw == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, raw); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, accounts.FieldError(name, "Must be a date (2006-01-02) or an RFC 3339 time.")
}

// handleAPIAudit handles "GET /api/admin/audit": the audit log, newest
// first, filtered.
func (a *admin) handleAPIAudit(w http.ResponseWriter, r *http.Request) {
	if a.apiAdmin(w, r) == nil {
		return
	}
	q, err := auditQuery(r.URL.Query())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	entries, total, err := a.s.opts.Service.AuditLog(r.Context(), q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	hits := make([]auditView, len(entries))
	for i, e := range entries {
		hits[i] = viewOfAudit(e)
	}
	a.reply(w, r, http.StatusOK, map[string]any{"total": total, "hits": hits})
}
