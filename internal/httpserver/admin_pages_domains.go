package httpserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/invenio-go/accounts/internal/accounts"
)

// domainsPage is the data of admin/domains.html.
type domainsPage struct {
	Q, Status, Flagged, Sort string
	Domains                  []accounts.Domain
	Pager                    pager
	Headers                  map[string]sortHeader
}

// handleDomainsPage handles "GET /admin/domains/": the email domains with
// their status, flag, category and counters; a form to add one.
func (a *admin) handleDomainsPage(w http.ResponseWriter, r *http.Request) {
	me := a.pageAdmin(w, r)
	if me == nil {
		return
	}
	v := r.URL.Query()
	q, err := domainQuery(v)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	domains, total, err := a.s.opts.Service.Domains(r.Context(), q)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	p := domainsPage{Q: q.Q, Status: v.Get("status"), Flagged: v.Get("flagged"), Sort: q.Sort, Domains: domains,
		Pager: newPager(r, q.Page, q.Limit(), total)}
	p.Headers = sortHeaders(r, cmpOr(q.Sort, "domain"), [2]string{"domain", "Domain"},
		[2]string{"num_users", "Users"}, [2]string{"created", "Created"})
	a.render(w, r, me, "domains", "Email domains", p)
}

// domainForm reads the domain form: status, flagged (a checkbox),
// flagged_source and category ("" for none).
func domainForm(r *http.Request) (accounts.DomainChange, error) {
	f := r.PostForm
	ch := accounts.DomainChange{SetCategory: true}
	if st := f.Get("status"); st != "" {
		n, ok := accounts.ParseDomainStatus(st)
		if !ok {
			return ch, accounts.FieldError("status", accounts.MsgDomainStatus)
		}
		ch.Status = &n
	}
	flagged, source := f.Get("flagged") == "on", strings.TrimSpace(f.Get("flagged_source"))
	ch.Flagged, ch.FlaggedSource = &flagged, &source
	if c := strings.TrimSpace(f.Get("category")); c != "" {
		ch.Category = &c
	}
	return ch, nil
}

// handleCreateDomainForm handles "POST /admin/domains/".
func (a *admin) handleCreateDomainForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	ch, err := domainForm(r)
	var d *accounts.Domain
	if err == nil {
		d, err = a.s.opts.Service.CreateDomain(r.Context(), r.PostForm.Get("domain"), ch)
	}
	if err != nil {
		a.done(w, r, err, "", "/admin/domains/")
		return
	}
	a.record(r, me, accounts.AuditDomainCreated, nil, d.Domain, "")
	a.done(w, r, nil, fmt.Sprintf("Domain %s added.", d.Domain), "/admin/domains/"+url.PathEscape(d.Domain))
}

// domainPage is the data of admin/domain.html.
type domainPage struct {
	D          *accounts.Domain
	Categories []string
}

// handleDomainPage handles "GET /admin/domains/{domain}": the edit form and
// the counters.
func (a *admin) handleDomainPage(w http.ResponseWriter, r *http.Request) {
	me := a.pageAdmin(w, r)
	if me == nil {
		return
	}
	name := r.PathValue("domain")
	if _, _, err := accounts.NormalizeDomain(name); err != nil {
		a.pageError(w, r, err)
		return
	}
	d, err := a.s.opts.Service.Domain(r.Context(), name)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	cats, err := a.s.opts.Service.DomainCategories(r.Context())
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	a.render(w, r, me, "domain", "Domain "+d.Domain, domainPage{D: d, Categories: cats})
}

// handleUpdateDomainForm handles "POST /admin/domains/{domain}".
func (a *admin) handleUpdateDomainForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	back := "/admin/domains/" + url.PathEscape(r.PathValue("domain"))
	ch, err := domainForm(r)
	if err == nil {
		_, err = a.updateDomain(r, me, r.PathValue("domain"), ch)
	}
	a.done(w, r, err, "Domain saved.", back)
}
