package httpserver

import (
	"fmt"
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

// An admin can reset a user's two-factor authentication (a lost phone and
// lost recovery codes): the authenticator and the recovery codes go, the
// user is mailed, and the next login asks for the password only (or, when
// SECURITY_TWO_FACTOR_REQUIRED is on, for a new setup). No admin ever sees
// or chooses a user's secret.

// registerAdminTwoFactorRoutes registers the reset, when two-factor
// authentication is on.
func (a *admin) registerTwoFactorRoutes() {
	if !a.s.set.TwoFactor {
		return
	}
	a.s.handle("POST", "/admin/users/{id}/two-factor/reset", false, a.s.withState(a.handleResetTwoFactorForm))
	a.s.handle("DELETE", "/api/admin/users/{id}/two-factor", true, a.s.withState(a.handleAPIResetTwoFactor))
}

// handleResetTwoFactorForm handles "POST /admin/users/{id}/two-factor/reset":
// form field reason.
func (a *admin) handleResetTwoFactorForm(w http.ResponseWriter, r *http.Request) {
	me := a.formAdmin(w, r)
	if me == nil {
		return
	}
	u, err := a.userOfPath(r)
	if err == nil {
		err = a.resetTwoFactor(r, me, u, r.PostForm.Get("reason"))
	}
	msg := ""
	if err == nil {
		msg = fmt.Sprintf("Two-factor authentication of %s reset.", u.Email)
	}
	a.done(w, r, err, msg, "/admin/users/"+r.PathValue("id"))
}

// handleAPIResetTwoFactor handles "DELETE /api/admin/users/{id}/two-factor":
// 404 when the user has none.
func (a *admin) handleAPIResetTwoFactor(w http.ResponseWriter, r *http.Request) {
	me := a.apiAdmin(w, r)
	if me == nil {
		return
	}
	u := a.pathUser(w, r)
	if u == nil {
		return
	}
	if err := a.resetTwoFactor(r, me, u, r.URL.Query().Get("reason")); err != nil {
		a.fail(w, r, err)
		return
	}
	a.reply(w, r, http.StatusOK, map[string]string{"message": fmt.Sprintf("Two-factor authentication of user %d reset.", u.ID)})
}

func (a *admin) resetTwoFactor(r *http.Request, me, u *accounts.User, reason string) error {
	done, err := a.s.opts.Service.DisableTOTP(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if !done {
		return accounts.Errorf(accounts.ENotFound, accounts.MsgTwoFactorNotSetUp)
	}
	a.record(r, me, accounts.AuditTwoFactorDisabled, u, "", reason)
	a.s.notifyTwoFactor(r, emailTwoFactorOff, u)
	return nil
}
