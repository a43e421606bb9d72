package httpserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/invenio-go/accounts/internal/accounts"
)

// handleRolesPage handles "GET /admin/roles/": every role and a form to
// create one.
func (a *admin) handleRolesPage(w http.ResponseWriter, r *http.Request) {
	me := a.pageAdmin(w, r)
	if me == nil {
		return
	}
	roles, err := a.s.opts.Service.ListRoles(r.Context())
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	a.render(w, r, me, "roles", "Roles", roles)
}

// handleCreateRoleForm handles "POST /admin/roles/": name, description.
func (a *admin) handleCreateRoleForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	role, err := a.createRole(r, me, r.PostForm.Get("name"), r.PostForm.Get("description"))
	if err != nil {
		a.done(w, r, err, "", "/admin/roles/")
		return
	}
	a.done(w, r, nil, fmt.Sprintf("Role %s created.", role.Name), "/admin/roles/"+url.PathEscape(role.ID))
}

// rolePage is the data of admin/role.html.
type rolePage struct {
	Role    *accounts.Role
	Members []*accounts.User
	Pager   pager
	IsAdmin bool // the role is ACCOUNTS_ADMIN_ROLE
}

// handleRolePage handles "GET /admin/roles/{id}": the edit form, the members
// and a form to add one.
func (a *admin) handleRolePage(w http.ResponseWriter, r *http.Request) {
	me := a.pageAdmin(w, r)
	if me == nil {
		return
	}
	page, size, err := paging(r.URL.Query())
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	svc := a.s.opts.Service
	role, err := svc.RoleByID(r.Context(), r.PathValue("id"))
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	members, total, err := svc.RoleUsers(r.Context(), role.ID, page, size)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	a.render(w, r, me, "role", "Role "+role.Name, rolePage{Role: role, Members: members,
		Pager: newPager(r, page, size, total), IsAdmin: role.Name == a.role})
}

// handleUpdateRoleForm handles "POST /admin/roles/{id}": name, description,
// version_id.
func (a *admin) handleUpdateRoleForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	back := "/admin/roles/" + url.PathEscape(r.PathValue("id"))
	version, _ := strconv.ParseInt(r.PostForm.Get("version_id"), 10, 64)
	old, err := a.s.opts.Service.RoleByID(r.Context(), r.PathValue("id"))
	if err == nil && old.Name == a.role && r.PostForm.Get("name") != a.role {
		err = accounts.Errorf(accounts.EForbidden, "The admin role (ACCOUNTS_ADMIN_ROLE) cannot be renamed: every admin would lose access.")
	}
	var role *accounts.Role
	if err == nil {
		role, err = a.s.opts.Service.UpdateRole(r.Context(), old.ID, r.PostForm.Get("name"), r.PostForm.Get("description"), version)
	}
	if err != nil {
		a.done(w, r, err, "", back)
		return
	}
	renamed := ""
	if old.Name != role.Name {
		renamed = "renamed from " + old.Name
	}
	a.record(r, me, accounts.AuditRoleUpdated, nil, role.Name, renamed)
	a.done(w, r, nil, fmt.Sprintf("Role %s saved.", role.Name), back)
}

// handleRoleMemberForm handles "POST /admin/roles/{id}/members": user (an
// email or an id) and op (add or remove).
func (a *admin) handleRoleMemberForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	back := "/admin/roles/" + url.PathEscape(r.PathValue("id"))
	svc := a.s.opts.Service
	op := r.PostForm.Get("op")
	role, err := svc.RoleByID(r.Context(), r.PathValue("id"))
	var u *accounts.User
	if err == nil {
		u, err = svc.FindUser(r.Context(), accounts.UserRef(r.PostForm.Get("user")))
	}
	if err == nil && op != "add" && op != "remove" {
		err = accounts.Errorf(accounts.EInvalid, "Unknown operation.")
	}
	if err == nil {
		_, err = a.setRole(r, me, u.ID, role.Name, op == "add")
	}
	msg := ""
	if err == nil {
		msg = fmt.Sprintf("%s removed from %s.", u.Email, role.Name)
		if op == "add" {
			msg = fmt.Sprintf("%s added to %s.", u.Email, role.Name)
		}
	}
	a.done(w, r, err, msg, back)
}
