package httpserver

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

// handleAPIUsers handles "GET /api/admin/users": ?q= (email, username or
// id), ?filter=, ?sort=, ?page=, ?size=.
func (a *admin) handleAPIUsers(w http.ResponseWriter, r *http.Request) {
	if a.apiAdmin(w, r) == nil {
		return
	}
	v := r.URL.Query()
	page, size, err := paging(v)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	users, total, err := a.s.opts.Service.AdminUsers(r.Context(), accounts.AdminUserQuery{
		Q: v.Get("q"), Filter: v.Get("filter"), Sort: v.Get("sort"), Page: page, Size: size})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	hits := make([]accounts.UserView, len(users))
	for i, u := range users {
		hits[i] = accounts.ViewOf(u)
	}
	a.reply(w, r, http.StatusOK, map[string]any{"total": total, "hits": hits})
}

// pathUser loads the user of the path's {id} (400 malformed, 404 unknown).
func (a *admin) pathUser(w http.ResponseWriter, r *http.Request) *accounts.User {
	u, err := a.userOfPath(r)
	if err != nil {
		a.fail(w, r, err)
	}
	return u
}

// userOfPath loads the user of the path's {id}: EInvalid for a malformed
// id, ENotFound.
func (a *admin) userOfPath(r *http.Request) (*accounts.User, error) {
	id, err := userID(r)
	if err != nil {
		return nil, err
	}
	return a.s.opts.Service.AdminUser(r.Context(), id)
}

// handleAPIUser handles "GET /api/admin/users/{id}".
func (a *admin) handleAPIUser(w http.ResponseWriter, r *http.Request) {
	if a.apiAdmin(w, r) == nil {
		return
	}
	if u := a.pathUser(w, r); u != nil {
		a.reply(w, r, http.StatusOK, accounts.ViewOf(u))
	}
}

// handleAPIUserAction handles "POST /api/admin/users/{id}/actions/{action}":
// block, restore, activate, deactivate or verify, with an optional JSON
// body {"reason": "...", "version_id": n} (a stale version_id is 409).
func (a *admin) handleAPIUserAction(w http.ResponseWriter, r *http.Request) {
	me := a.apiAdmin(w, r)
	if me == nil {
		return
	}
	fields, err := decodeJSON(w, r, "reason", "version_id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	reason, err := jsonString(fields, "reason")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var version int64
	if raw, ok := fields["version_id"]; ok && json.Unmarshal(raw, &version) != nil {
		a.fail(w, r, accounts.FieldError("version_id", "Must be a number."))
		return
	}
	u, err := a.userAction(r, me, r.PathValue("action"), deref(reason), version)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.reply(w, r, http.StatusOK, accounts.ViewOf(u))
}

// userAction applies an action to the path's user, refusing to block or
// deactivate the admin's own account, and records it. An unknown action is
// ENotFound (no such resource).
func (a *admin) userAction(r *http.Request, me *accounts.User, action, reason string, version int64) (*accounts.User, error) {
	if accounts.ActionEvent(action) == "" {
		return nil, accounts.Errorf(accounts.ENotFound, accounts.MsgUnknownAction)
	}
	id, err := userID(r)
	if err != nil {
		return nil, err
	}
	if id == me.ID && (action == accounts.ActionBlock || action == accounts.ActionDeactivate) {
		return nil, accounts.Errorf(accounts.EForbidden, msgNotYourself)
	}
	svc := a.s.opts.Service
	u, changed, err := svc.AdminAction(r.Context(), id, action, version)
	if err != nil {
		return nil, err
	}
	if changed {
		a.record(r, me, accounts.ActionEvent(action), u, "", reason)
	}
	return svc.AdminUser(r.Context(), id)
}

// adminSession is a row of a user's session list: the fields of GET
// /api/sessions plus ip and user_id.
type adminSession struct {
	apiSession
	IP     *string `json:"ip"`
	UserID int64   `json:"user_id"`
}

func (a *admin) sessionRows(r *http.Request, rows []accounts.SessionActivity) []adminSession {
	current := stateOf(r).sess.ID()
	out := make([]adminSession, len(rows))
	for i, v := range rows {
		out[i] = adminSession{apiSession: apiSession{Browser: nonEmpty(deref(v.Browser)),
			BrowserVersion: nonEmpty(deref(v.BrowserVersion)), Country: nonEmpty(deref(v.Country)),
			Created: v.Created.UTC().Format(http.TimeFormat), Current: v.SID == current,
			Device: nonEmpty(deref(v.Device)), ID: v.SID, OS: nonEmpty(deref(v.OS))},
			IP: nonEmpty(deref(v.IP)), UserID: v.UserID}
	}
	return out
}

// handleAPIUserSessions handles "GET /api/admin/users/{id}/sessions"
// (?page=, ?size=).
func (a *admin) handleAPIUserSessions(w http.ResponseWriter, r *http.Request) {
	if a.apiAdmin(w, r) == nil {
		return
	}
	u := a.pathUser(w, r)
	if u == nil {
		return
	}
	page, size, err := paging(r.URL.Query())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rows, total, err := a.s.opts.Service.SessionActivities(r.Context(), accounts.SessionQuery{UserID: u.ID, Page: page, Size: size})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.reply(w, r, http.StatusOK, map[string]any{"total": total, "results": a.sessionRows(r, rows)})
}

// handleAPIEndUserSessions handles "DELETE /api/admin/users/{id}/sessions":
// every session of the user ends at once (not the admin's own: that is
// logging out).
func (a *admin) handleAPIEndUserSessions(w http.ResponseWriter, r *http.Request) {
	me := a.apiAdmin(w, r)
	if me == nil {
		return
	}
	u := a.pathUser(w, r)
	if u == nil {
		return
	}
	n, err := a.endUserSessions(r, me, u)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.reply(w, r, http.StatusOK, map[string]string{"message": fmt.Sprintf("%d sessions of user %d ended.", n, u.ID)})
}

func (a *admin) endUserSessions(r *http.Request, me, u *accounts.User) (int, error) {
	if u.ID == me.ID {
		return 0, accounts.Errorf(accounts.EForbidden, msgCurrentSession)
	}
	n, err := a.s.opts.Service.EndUserSessions(r.Context(), u.ID)
	if err != nil {
		return 0, err
	}
	a.record(r, me, accounts.AuditSessionsRevoked, u, "", "")
	return n, nil
}

// handleAPIDeleteSession handles "DELETE /api/admin/sessions/{id}": any
// user's session but the admin's current one.
func (a *admin) handleAPIDeleteSession(w http.ResponseWriter, r *http.Request) {
	me := a.apiAdmin(w, r)
	if me == nil {
		return
	}
	if err := a.revokeSession(r, me, r.PathValue("id")); err != nil {
		a.fail(w, r, err)
		return
	}
	a.reply(w, r, http.StatusOK, map[string]string{"message": fmt.Sprintf("Session %s successfully removed. Revoked.", r.PathValue("id"))})
}

// revokeSession ends one session of any user and records it: 400 for a
// malformed id, 404 for an unknown one, 403 for the admin's current session.
func (a *admin) revokeSession(r *http.Request, me *accounts.User, raw string) error {
	sid, err := sessionID(raw)
	if err != nil {
		return err
	}
	if sid == stateOf(r).sess.ID() {
		return accounts.Errorf(accounts.EForbidden, msgCurrentSession)
	}
	row, err := a.s.opts.Activity.SessionActivity(r.Context(), sid)
	if accounts.ErrorCode(err) == accounts.ENotFound {
		return accounts.Errorf(accounts.ENotFound, accounts.MsgSessionMissing)
	}
	if err != nil {
		return err
	}
	found, err := a.s.revokeSession(r.Context(), row.UserID, sid)
	if err != nil {
		return err
	}
	if !found {
		return accounts.Errorf(accounts.ENotFound, accounts.MsgSessionMissing)
	}
	target, err := a.s.opts.Service.FindUser(r.Context(), accounts.UserRef(itoa(row.UserID)))
	if err != nil {
		target = &accounts.User{ID: row.UserID}
	}
	a.record(r, me, accounts.AuditSessionRevoked, target, sid, "")
	return nil
}
