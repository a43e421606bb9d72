package httpserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/invenio-go/accounts/internal/accounts"
)

// usersPage is the data of admin/users.html.
type usersPage struct {
	Q, Filter, Sort string
	Filters         []filterOption
	Users           []*accounts.User
	Pager           pager
	Headers         map[string]sortHeader
}

// handleUsersPage handles "GET /admin/users/": search (email, username or
// id), filters, sorting and pages.
func (a *admin) handleUsersPage(w http.ResponseWriter, r *http.Request) {
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
	p := usersPage{Q: v.Get("q"), Filter: v.Get("filter"), Sort: v.Get("sort"), Filters: userFilterOptions()}
	users, total, err := a.s.opts.Service.AdminUsers(r.Context(), accounts.AdminUserQuery{Q: p.Q, Filter: p.Filter,
		Sort: p.Sort, Page: page, Size: size})
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	p.Users, p.Pager = users, newPager(r, page, size, total)
	p.Headers = sortHeaders(r, cmpOr(p.Sort, "id"), [2]string{"id", "Id"}, [2]string{"email", "Email"},
		[2]string{"created", "Created"}, [2]string{"last_login", "Last login"})
	a.render(w, r, me, "users", "Users", p)
}

// filterOption is an entry of the users page's filter menu.
type filterOption struct{ Value, Label string }

// userFilterOptions labels accounts.UserFilters: by their value, but for
// the ones that do not read as words.
func userFilterOptions() []filterOption {
	labels := map[string]string{accounts.FilterTwoFactor: "with two-factor authentication",
		accounts.FilterNoTwoFactor: "without two-factor authentication"}
	out := make([]filterOption, len(accounts.UserFilters))
	for i, f := range accounts.UserFilters {
		out[i] = filterOption{f, cmpOr(labels[f], f)}
	}
	return out
}

// actionButton is one action form of the user page.
type actionButton struct {
	Action, Label, Hint string
	Danger, Mine        bool
}

var actionButtons = []actionButton{
	{Action: accounts.ActionBlock, Label: "Block", Hint: "Blocks the account and ends its sessions at once.", Danger: true},
	{Action: accounts.ActionRestore, Label: "Restore", Hint: "Unblocks and activates the account."},
	{Action: accounts.ActionActivate, Label: "Activate", Hint: "Lets the user log in (and confirms the email)."},
	{Action: accounts.ActionDeactivate, Label: "Deactivate", Hint: "Stops logins and ends the sessions at once.", Danger: true},
	{Action: accounts.ActionVerify, Label: "Verify", Hint: "Marks the user verified (and active)."},
}

// userPage is the data of admin/user.html.
type userPage struct {
	U           *accounts.User
	Profile     map[string]string
	IsMe        bool
	OtherRoles  []accounts.Role // roles the user does not have
	Sessions    []adminSessionRow
	Audit       []accounts.AuditEntry
	AuditTotal  int
	Actions     []actionButton
	Recoverable bool
	// TwoFactor is the user's two-factor status; nil when two-factor
	// authentication is off.
	TwoFactor *accounts.TwoFactorStatus
}

// handleUserPage handles "GET /admin/users/{id}": profile, roles, login
// information, sessions, audit entries and the actions.
func (a *admin) handleUserPage(w http.ResponseWriter, r *http.Request) {
	me := a.pageAdmin(w, r)
	if me == nil {
		return
	}
	id, err := userID(r)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	p, err := a.userPageData(r, me, id)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	a.render(w, r, me, "user", p.U.Email, p)
}

func (a *admin) userPageData(r *http.Request, me *accounts.User, id int64) (*userPage, error) {
	svc := a.s.opts.Service
	u, err := svc.AdminUser(r.Context(), id)
	if err != nil {
		return nil, err
	}
	p := &userPage{U: u, IsMe: u.ID == me.ID, Recoverable: a.s.set.Recoverable}
	json.Unmarshal(u.Profile, &p.Profile) // a profile that is not an object of strings shows empty
	roles, err := svc.ListRoles(r.Context())
	if err != nil {
		return nil, err
	}
	for _, role := range roles {
		if role.Name != "" && !contains(u.Roles, role.Name) {
			p.OtherRoles = append(p.OtherRoles, role)
		}
	}
	rows, _, err := svc.SessionActivities(r.Context(), accounts.SessionQuery{UserID: id, Size: accounts.MaxPageSize})
	if err != nil {
		return nil, err
	}
	if p.Sessions, err = a.sessionPageRows(r, rows); err != nil {
		return nil, err
	}
	if p.Audit, p.AuditTotal, err = svc.AuditLog(r.Context(), accounts.AuditQuery{UserID: id, Size: 20}); err != nil {
		return nil, err
	}
	if a.s.set.TwoFactor {
		st, err := svc.TwoFactorStatus(r.Context(), id)
		if err != nil {
			return nil, err
		}
		p.TwoFactor = &st
	}
	for _, b := range actionButtons {
		b.Mine = p.IsMe && (b.Action == accounts.ActionBlock || b.Action == accounts.ActionDeactivate)
		p.Actions = append(p.Actions, b)
	}
	return p, nil
}

// handleUserActionForm handles "POST /admin/users/{id}/actions/{action}":
// form fields reason and version_id.
func (a *admin) handleUserActionForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	version, _ := strconv.ParseInt(r.PostForm.Get("version_id"), 10, 64)
	u, err := a.userAction(r, me, r.PathValue("action"), r.PostForm.Get("reason"), version)
	msg := ""
	if err == nil {
		msg = fmt.Sprintf("%s: %s done.", u.Email, r.PathValue("action"))
	}
	a.done(w, r, err, msg, "/admin/users/"+r.PathValue("id"))
}

// handleEndSessionsForm handles "POST /admin/users/{id}/sessions/end".
func (a *admin) handleEndSessionsForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	u, err := a.userOfPath(r)
	var n int
	if err == nil {
		n, err = a.endUserSessions(r, me, u)
	}
	a.done(w, r, err, fmt.Sprintf("%d sessions ended.", n), "/admin/users/"+r.PathValue("id"))
}

// handleUserRoleForm handles "POST /admin/users/{id}/roles": form fields
// role (a name) and op (add or remove).
func (a *admin) handleUserRoleForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	id, err := userID(r)
	role, op := r.PostForm.Get("role"), r.PostForm.Get("op")
	if err == nil && op != "add" && op != "remove" {
		err = accounts.Errorf(accounts.EInvalid, "Unknown operation.")
	}
	if err == nil {
		_, err = a.setRole(r, me, id, role, op == "add")
	}
	msg := fmt.Sprintf("Role %s removed.", role)
	if op == "add" {
		msg = fmt.Sprintf("Role %s given.", role)
	}
	a.done(w, r, err, msg, "/admin/users/"+r.PathValue("id"))
}

// handleSendResetForm handles "POST /admin/users/{id}/reset-password":
// mail the user password-reset instructions.
func (a *admin) handleSendResetForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	u, err := a.userOfPath(r)
	if err == nil && !a.s.set.Recoverable {
		err = accounts.Errorf(accounts.EInvalid, "Password recovery is switched off (SECURITY_RECOVERABLE).")
	}
	if err == nil {
		err = a.s.sendResetInstructions(r, u)
	}
	msg := ""
	if err == nil {
		a.record(r, me, accounts.AuditResetSent, u, "", r.PostForm.Get("reason"))
		msg = accounts.MsgResetRequest(u.Email)
	}
	a.done(w, r, err, msg, "/admin/users/"+r.PathValue("id"))
}

// userStates returns the state badges of a user (they name CSS classes
// state-NAME in admin.css).
func userStates(u *accounts.User) []string {
	var out []string
	switch {
	case u.IsBlocked():
		out = append(out, "blocked")
	case u.Active:
		out = append(out, "active")
	default:
		out = append(out, "inactive")
	}
	if !u.IsConfirmed() {
		out = append(out, "unconfirmed")
	}
	if u.VerifiedAt != nil {
		out = append(out, "verified")
	}
	if u.TwoFactorSince != nil {
		out = append(out, stateTwoFactor)
	}
	return out
}

// stateTwoFactor is the badge of a user with an authenticator (known where
// the user came from AdminUsers, AdminUser or RoleUsers).
const stateTwoFactor = "2FA"
