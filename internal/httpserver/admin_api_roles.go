package httpserver

import (
	"net/http"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

// roleView is a role of the admin API.
type roleView struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	VersionID   int64     `json:"version_id"`
	IsManaged   bool      `json:"is_managed"`
}

func viewOfRole(r accounts.Role) roleView {
	return roleView{ID: r.ID, Name: r.Name, Description: r.Description, Created: r.Created, Updated: r.Updated,
		VersionID: r.VersionID, IsManaged: r.IsManaged}
}

// handleAPIRoles handles "GET /api/admin/roles".
func (a *admin) handleAPIRoles(w http.ResponseWriter, r *http.Request) {
	if a.apiAdmin(w, r) == nil {
		return
	}
	roles, err := a.s.opts.Service.ListRoles(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	hits := make([]roleView, len(roles))
	for i, role := range roles {
		hits[i] = viewOfRole(role)
	}
	a.reply(w, r, http.StatusOK, map[string]any{"total": len(hits), "hits": hits})
}

// handleAPICreateRole handles "POST /api/admin/roles": {"name",
// "description"}; 201, or 409 when the name is taken.
func (a *admin) handleAPICreateRole(w http.ResponseWriter, r *http.Request) {
	me := a.apiAdmin(w, r)
	if me == nil {
		return
	}
	fields, err := decodeJSON(w, r, "name", "description")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	name, err := jsonString(fields, "name")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	desc, err := jsonString(fields, "description")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	role, err := a.createRole(r, me, deref(name), deref(desc))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.reply(w, r, http.StatusCreated, viewOfRole(*role))
}

func (a *admin) createRole(r *http.Request, me *accounts.User, name, desc string) (*accounts.Role, error) {
	role, created, err := a.s.opts.Service.CreateRole(r.Context(), name, desc)
	if err != nil {
		return nil, err
	}
	if !created {
		return nil, accounts.Errorf(accounts.EConflict, accounts.MsgRoleExists)
	}
	a.record(r, me, accounts.AuditRoleCreated, nil, role.Name, "")
	return role, nil
}

// handleAPIAddRole handles "PUT /api/admin/users/{id}/roles/{role}" (by
// name): 200 with the user, also when they had it.
func (a *admin) handleAPIAddRole(w http.ResponseWriter, r *http.Request) {
	me := a.apiAdmin(w, r)
	if me == nil {
		return
	}
	u, err := a.changeRole(r, me, true)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.reply(w, r, http.StatusOK, accounts.ViewOf(u))
}

// handleAPIRemoveRole handles "DELETE /api/admin/users/{id}/roles/{role}":
// 404 when the user does not have it; an admin cannot drop their own admin
// role.
func (a *admin) handleAPIRemoveRole(w http.ResponseWriter, r *http.Request) {
	me := a.apiAdmin(w, r)
	if me == nil {
		return
	}
	u, err := a.changeRole(r, me, false)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.reply(w, r, http.StatusOK, accounts.ViewOf(u))
}

// changeRole grants or takes the path's {role} to or from the path's user,
// records it and returns the user as it is now.
func (a *admin) changeRole(r *http.Request, me *accounts.User, grant bool) (*accounts.User, error) {
	id, err := userID(r)
	if err != nil {
		return nil, err
	}
	return a.setRole(r, me, id, r.PathValue("role"), grant)
}

func (a *admin) setRole(r *http.Request, me *accounts.User, id int64, role string, grant bool) (*accounts.User, error) {
	svc, ref := a.s.opts.Service, accounts.UserRef(itoa(id))
	var err error
	var u *accounts.User
	event := accounts.AuditRoleGranted
	switch {
	case grant:
		u, _, err = svc.AddRole(r.Context(), ref, role)
		if accounts.ErrorCode(err) == accounts.EConflict { // had it already: PUT is idempotent
			return svc.AdminUser(r.Context(), id)
		}
	case id == me.ID && role == a.role:
		return nil, accounts.Errorf(accounts.EForbidden, msgNotYourself)
	default:
		event = accounts.AuditRoleRevoked
		u, _, err = svc.RemoveRole(r.Context(), ref, role)
	}
	if err != nil {
		return nil, err
	}
	a.record(r, me, event, u, role, "")
	return svc.AdminUser(r.Context(), id)
}
