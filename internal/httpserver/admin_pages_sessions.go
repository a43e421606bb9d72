package httpserver

import (
	"fmt"
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

// adminSessionRow is a session of the admin pages.
type adminSessionRow struct {
	sessionView
	UserID int64
	Email  string
}

// sessionPageRows turns activity rows into page rows with their users'
// emails (one lookup per user on the page).
func (a *admin) sessionPageRows(r *http.Request, rows []accounts.SessionActivity) ([]adminSessionRow, error) {
	current := stateOf(r).sess.ID()
	emails := map[int64]string{}
	out := make([]adminSessionRow, len(rows))
	for i, v := range rows {
		if _, ok := emails[v.UserID]; !ok {
			u, err := a.s.opts.Service.FindUser(r.Context(), accounts.UserRef(itoa(v.UserID)))
			if err != nil && accounts.ErrorCode(err) != accounts.ENotFound {
				return nil, err
			}
			if u != nil {
				emails[v.UserID] = u.Email
			}
		}
		out[i] = adminSessionRow{sessionView: sessionView{ID: v.SID, IP: deref(v.IP), Country: deref(v.Country),
			Browser: deref(v.Browser), BrowserVersion: deref(v.BrowserVersion), OS: deref(v.OS), Device: deref(v.Device),
			Created: v.Created, LastSeen: v.Updated, Current: v.SID == current}, UserID: v.UserID, Email: emails[v.UserID]}
	}
	return out, nil
}

// sessionsPage is the data of admin/sessions.html.
type sessionsPage struct {
	User     string // the filter as typed
	Sessions []adminSessionRow
	Pager    pager
}

// handleSessionsPage handles "GET /admin/sessions/": every session, newest
// first, or one user's (?user= an email or an id).
func (a *admin) handleSessionsPage(w http.ResponseWriter, r *http.Request) {
	me := a.pageAdmin(w, r)
	if me == nil {
		return
	}
	v := r.URL.Query()
	page, size, err := paging(v)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	p := sessionsPage{User: v.Get("user")}
	q := accounts.SessionQuery{Page: page, Size: size}
	if p.User != "" {
		u, err := a.s.opts.Service.FindUser(r.Context(), accounts.UserRef(p.User))
		if err != nil {
			a.pageError(w, r, err)
			return
		}
		q.UserID = u.ID
	}
	rows, total, err := a.s.opts.Service.SessionActivities(r.Context(), q)
	if err == nil {
		p.Sessions, err = a.sessionPageRows(r, rows)
	}
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	p.Pager = newPager(r, page, size, total)
	a.render(w, r, me, "sessions", "Sessions", p)
}

// handleRevokeForm handles "POST /admin/sessions/revoke": form field sid_s;
// never the admin's current session.
func (a *admin) handleRevokeForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	sid := r.PostForm.Get("sid_s")
	err := a.revokeSession(r, me, sid)
	a.done(w, r, err, fmt.Sprintf("Session %s successfully removed.", sid), "/admin/sessions/")
}
