package httpserver

import (
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

// auditPage is the data of admin/audit.html.
type auditPage struct {
	Event, User, Actor, Target, Since, Until string
	Events                                   []string
	Entries                                  []accounts.AuditEntry
	Pager                                    pager
}

// handleAuditPage handles "GET /admin/audit/": the audit log, newest first,
// filtered by event, user, actor, target and time.
func (a *admin) handleAuditPage(w http.ResponseWriter, r *http.Request) {
	me := a.pageAdmin(w, r)
	if me == nil {
		return
	}
	v := r.URL.Query()
	q, err := auditQuery(v)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	entries, total, err := a.s.opts.Service.AuditLog(r.Context(), q)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	p := auditPage{Event: q.Event, User: v.Get("user"), Actor: v.Get("actor"), Target: v.Get("target"),
		Since: v.Get("since"), Until: v.Get("until"), Events: accounts.AuditEvents(), Entries: entries,
		Pager: newPager(r, q.Page, q.Limit(), total)}
	a.render(w, r, me, "audit", "Audit log", p)
}
