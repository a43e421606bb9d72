package httpserver

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/invenio-go/accounts/internal/accounts"
)

// registerPages registers the HTML administration under /admin/.
func (a *admin) registerPages() {
	s := a.s
	s.handle("GET", "/admin/admin.css", false, http.HandlerFunc(a.handleStylesheet))
	s.handle("GET", "/admin/", false, s.withState(a.handleDashboard))
	s.handle("GET", "/admin/users/", false, s.withState(a.handleUsersPage))
	s.handle("GET", "/admin/users/{id}", false, s.withState(a.handleUserPage))
	s.handle("POST", "/admin/users/{id}/actions/{action}", false, s.withState(a.handleUserActionForm))
	s.handle("POST", "/admin/users/{id}/sessions/end", false, s.withState(a.handleEndSessionsForm))
	s.handle("POST", "/admin/users/{id}/roles", false, s.withState(a.handleUserRoleForm))
	s.handle("POST", "/admin/users/{id}/reset-password", false, s.withState(a.handleSendResetForm))
	s.handle("GET", "/admin/roles/", false, s.withState(a.handleRolesPage))
	s.handle("POST", "/admin/roles/", false, s.withState(a.handleCreateRoleForm))
	s.handle("GET", "/admin/roles/{id}", false, s.withState(a.handleRolePage))
	s.handle("POST", "/admin/roles/{id}", false, s.withState(a.handleUpdateRoleForm))
	s.handle("POST", "/admin/roles/{id}/members", false, s.withState(a.handleRoleMemberForm))
	s.handle("GET", "/admin/sessions/", false, s.withState(a.handleSessionsPage))
	s.handle("POST", "/admin/sessions/revoke", false, s.withState(a.handleRevokeForm))
	s.handle("GET", "/admin/domains/", false, s.withState(a.handleDomainsPage))
	s.handle("POST", "/admin/domains/", false, s.withState(a.handleCreateDomainForm))
	s.handle("GET", "/admin/domains/{domain}", false, s.withState(a.handleDomainPage))
	s.handle("POST", "/admin/domains/{domain}", false, s.withState(a.handleUpdateDomainForm))
	s.handle("GET", "/admin/audit/", false, s.withState(a.handleAuditPage))
}

// pageAdmin returns the logged-in admin. Anonymous visitors are sent to the
// login page, other users get 403; then it returns nil.
func (a *admin) pageAdmin(w http.ResponseWriter, r *http.Request) *accounts.User {
	u := a.s.requireLogin(w, r)
	if u == nil {
		return nil
	}
	ok, err := a.isAdmin(r, u)
	if err != nil {
		a.s.serverError(w, r, err)
		return nil
	}
	if !ok {
		if err := a.s.saveSession(w, r); err != nil {
			a.s.sessionError(w, r, err)
			return nil
		}
		http.Error(w, "Forbidden: "+msgAdminOnly, http.StatusForbidden)
		return nil
	}
	return u
}

// formAdmin is pageAdmin for a form's POST: a CSRF failure is 400 with the
// reason.
func (a *admin) formAdmin(w http.ResponseWriter, r *http.Request) *accounts.User {
	me := a.pageAdmin(w, r)
	if me == nil {
		return nil
	}
	if msg := stateOf(r).csrfErr; msg != "" {
		http.Error(w, "Bad Request: "+msg, http.StatusBadRequest)
		return nil
	}
	return me
}

// done flashes the outcome of a form (the error's message, or ok) and sends
// the admin back with 303: to the form's "back" when it is an admin page,
// else to fallback.
func (a *admin) done(w http.ResponseWriter, r *http.Request, err error, ok, fallback string) {
	st := stateOf(r)
	switch {
	case accounts.ErrorCode(err) == accounts.EInternal:
		a.s.serverError(w, r, err)
		return
	case err != nil:
		st.sess.AddFlash("error", formErrorText(err))
	case ok != "":
		st.sess.AddFlash("success", ok)
	}
	to := fallback
	if back := r.PostForm.Get("back"); strings.HasPrefix(back, "/admin/") && safeNext(back) == back {
		to = back
	}
	if err := a.s.saveSession(w, r); err != nil {
		a.s.sessionError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// formErrorText is an error's message with its field messages.
func formErrorText(err error) string {
	msg := accounts.ErrorMessage(err)
	for _, m := range accounts.ErrorFields(err) {
		if m != msg {
			msg += " " + m
		}
	}
	return msg
}

// pageError answers a page's bad request (400), unknown object (404) or
// failure (500) as plain text.
func (a *admin) pageError(w http.ResponseWriter, r *http.Request, err error) {
	code := accounts.ErrorCode(err)
	if code == accounts.EInternal || code == accounts.EUnavailable {
		a.s.serverError(w, r, err)
		return
	}
	if saveErr := a.s.saveSession(w, r); saveErr != nil {
		a.s.sessionError(w, r, saveErr)
		return
	}
	status := statusOf[code]
	http.Error(w, http.StatusText(status)+": "+formErrorText(err), status)
}

// pager is the pagination of a list page.
type pager struct {
	Page, Pages, Total int
	From, To           int // the rows shown, 1-based
	Prev, Next         string
}

func newPager(r *http.Request, page, size, total int) pager {
	p := pager{Page: page, Total: total, Pages: max(1, (total+size-1)/size)}
	if total > 0 {
		p.From, p.To = (page-1)*size+1, min(page*size, total)
	}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// sortHeader is a sortable column heading: a link that sorts by the column
// (or reverses the order) and its state for aria-sort.
type sortHeader struct {
	Label, URL, ARIA string
}

func sortHeaders(r *http.Request, current string, cols ...[2]string) map[string]sortHeader {
	out := map[string]sortHeader{}
	for _, c := range cols {
		key, label := c[0], c[1]
		h := sortHeader{Label: label, ARIA: "none"}
		next := key
		switch current {
		case key:
			h.ARIA, next = "ascending", "-"+key
		case "-" + key:
			h.ARIA = "descending"
		}
		q := r.URL.Query()
		q.Set("sort", next)
		q.Del("page")
		h.URL = r.URL.Path + "?" + q.Encode()
		out[key] = h
	}
	return out
}
