package httpserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

// domainView is a domain of the admin API.
type domainView struct {
	ID            int64     `json:"id"`
	Domain        string    `json:"domain"`
	TLD           string    `json:"tld"`
	Status        string    `json:"status"`
	Flagged       bool      `json:"flagged"`
	FlaggedSource string    `json:"flagged_source"`
	Category      *string   `json:"category"`
	OrgID         *int64    `json:"org_id"`
	Created       time.Time `json:"created"`
	Updated       time.Time `json:"updated"`
	NumUsers      int64     `json:"num_users"`
	NumActive     int64     `json:"num_active"`
	NumInactive   int64     `json:"num_inactive"`
	NumConfirmed  int64     `json:"num_confirmed"`
	NumVerified   int64     `json:"num_verified"`
	NumBlocked    int64     `json:"num_blocked"`
}

func viewOfDomain(d accounts.Domain) domainView {
	return domainView{ID: d.ID, Domain: d.Domain, TLD: d.TLD, Status: accounts.DomainStatusName(d.Status),
		Flagged: d.Flagged, FlaggedSource: d.FlaggedSource, Category: d.Category, OrgID: d.OrgID,
		Created: d.Created, Updated: d.Updated, NumUsers: d.NumUsers, NumActive: d.NumActive,
		NumInactive: d.NumInactive, NumConfirmed: d.NumConfirmed, NumVerified: d.NumVerified, NumBlocked: d.NumBlocked}
}

// domainQuery reads ?q=, ?status=, ?flagged=, ?sort=, ?page=, ?size=.
func domainQuery(v url.Values) (accounts.DomainQuery, error) {
	q := accounts.DomainQuery{Q: v.Get("q"), Sort: v.Get("sort")}
	var err error
	if q.Page, q.Size, err = paging(v); err != nil {
		return q, err
	}
	if st := v.Get("status"); st != "" {
		var ok bool
		if q.Status, ok = accounts.ParseDomainStatus(st); !ok {
			return q, accounts.FieldError("status", accounts.MsgDomainStatus)
		}
	}
	switch v.Get("flagged") {
	case "":
	case "true":
		t := true
		q.Flagged = &t
	case "false":
		f := false
		q.Flagged = &f
	default:
		return q, accounts.FieldError("flagged", "Must be true or false.")
	}
	return q, nil
}

// handleAPIDomains handles "GET /api/admin/domains".
func (a *admin) handleAPIDomains(w http.ResponseWriter, r *http.Request) {
	if a.apiAdmin(w, r) == nil {
		return
	}
	q, err := domainQuery(r.URL.Query())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	domains, total, err := a.s.opts.Service.Domains(r.Context(), q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	hits := make([]domainView, len(domains))
	for i, d := range domains {
		hits[i] = viewOfDomain(d)
	}
	a.reply(w, r, http.StatusOK, map[string]any{"total": total, "hits": hits})
}

// domainChange reads the fields of a domain body: status (a name), flagged,
// flagged_source and category (a label, or null).
func domainChange(fields map[string]json.RawMessage) (accounts.DomainChange, error) {
	var ch accounts.DomainChange
	if st, err := jsonString(fields, "status"); err != nil {
		return ch, err
	} else if st != nil {
		n, ok := accounts.ParseDomainStatus(*st)
		if !ok {
			return ch, accounts.FieldError("status", accounts.MsgDomainStatus)
		}
		ch.Status = &n
	}
	if raw, ok := fields["flagged"]; ok {
		var f bool
		if err := json.Unmarshal(raw, &f); err != nil {
			return ch, accounts.FieldError("flagged", "Not a valid boolean.")
		}
		ch.Flagged = &f
	}
	var err error
	if ch.FlaggedSource, err = jsonString(fields, "flagged_source"); err != nil {
		return ch, err
	}
	if raw, ok := fields["category"]; ok {
		ch.SetCategory = true
		if string(raw) != "null" {
			if ch.Category, err = jsonString(fields, "category"); err != nil {
				return ch, err
			}
		}
	}
	return ch, nil
}

// handleAPICreateDomain handles "POST /api/admin/domains": {"domain",
// "status", "flagged", "category", "flagged_source"}; 201.
func (a *admin) handleAPICreateDomain(w http.ResponseWriter, r *http.Request) {
	me := a.apiAdmin(w, r)
	if me == nil {
		return
	}
	fields, err := decodeJSON(w, r, "domain", "status", "flagged", "flagged_source", "category")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	name, err := jsonString(fields, "domain")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ch, err := domainChange(fields)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.s.opts.Service.CreateDomain(r.Context(), deref(name), ch)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.record(r, me, accounts.AuditDomainCreated, nil, d.Domain, "")
	a.reply(w, r, http.StatusCreated, viewOfDomain(*d))
}

// handleAPIUpdateDomain handles "PATCH /api/admin/domains/{domain}": any
// of status, flagged, flagged_source, category.
func (a *admin) handleAPIUpdateDomain(w http.ResponseWriter, r *http.Request) {
	me := a.apiAdmin(w, r)
	if me == nil {
		return
	}
	fields, err := decodeJSON(w, r, "status", "flagged", "flagged_source", "category")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ch, err := domainChange(fields)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.updateDomain(r, me, r.PathValue("domain"), ch)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.reply(w, r, http.StatusOK, viewOfDomain(*d))
}

// updateDomain checks the name (400 when it cannot be a domain), applies the
// change and records it.
func (a *admin) updateDomain(r *http.Request, me *accounts.User, name string, ch accounts.DomainChange) (*accounts.Domain, error) {
	if _, _, err := accounts.NormalizeDomain(name); err != nil {
		return nil, err
	}
	d, err := a.s.opts.Service.UpdateDomain(r.Context(), name, ch)
	if err != nil {
		return nil, err
	}
	a.record(r, me, accounts.AuditDomainUpdated, nil, d.Domain, "")
	return d, nil
}
