package httpserver

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/telemetry"
)

// Two-factor authentication (SECURITY_TWO_FACTOR): Flask-Security's
// two-factor login with the "authenticator" method and recovery codes.
//
// Every way to a session (the login form and REST login, the automatic
// login after sign-up, a confirmation link or a reset) goes through
// beginLogin. For a user with an authenticator, or any user when
// SECURITY_TWO_FACTOR_REQUIRED is on, it logs nobody in: the session (under
// a new token) only remembers the user for tfLoginWithin while the code is
// asked at the validation URL (tf_state "ready") or, for a user who must
// set it up first, while the setup page runs (tf_state "setup_required").
// The user is logged in only when a code (or a recovery code) passes.
const (
	endpointTwoFactor = "security.two_factor_token_validation"
	// tfLoginWithin is how long a correct password waits for its second
	// factor.
	tfLoginWithin = 5 * time.Minute
	// tfChangeWithin is how recently the password must have been given
	// (or less, SECURITY_FRESHNESS) to change two-factor authentication
	// (ASVS 7.5.1), outside the freshness grace period.
	tfChangeWithin = 10 * time.Minute

	tfUserKey  = "tf_user_id" // session values of a login waiting for its code
	tfSinceKey = "tf_since"
	tfStateKey = "tf_state"
	tfNextKey  = "tf_next"
	tfSetupKey = "tf_setup"    // the sealed secret being set up
	tfPassword = "tf_password" // "1": the login began with a password

	tfReady         = "ready"
	tfSetupRequired = "setup_required"
	tfMethod        = "authenticator"

	apiTwoFactorSetupURL    = "/api/tf-setup"
	apiTwoFactorValidateURL = "/api/tf-validate"

	// Flask-Security's messages where it has them.
	msgTwoFactorConfirmed = "Your code has been confirmed"
	msgTwoFactorEnabled   = "You successfully changed your two-factor method."
	msgTwoFactorDisabled  = "You successfully disabled two factor authorization."
	msgTwoFactorMethod    = "Marked method is not valid"
	msgTwoFactorExpired   = "Your login took too long: please log in again."
	msgTwoFactorMandatory = "Two-factor authentication is required on this site: it cannot be turned off."
	msgTwoFactorSetUpNow  = "This site requires two-factor authentication: set it up to log in."
	msgRecoveryCodeUsed   = "You logged in with a recovery code: %d left. Make new ones on the two-factor page when you run low."
)

// pendingLogin is a login waiting for its second factor.
type pendingLogin struct {
	user  *accounts.User
	state string // tfReady or tfSetupRequired
	next  string
	// byPassword: the login began with a password (not an automatic
	// login), so the audit log records its success.
	byPassword bool
}

// beginLogin logs u in, or, when u must give a second factor, starts a
// pending login and returns its tf_state. next is where to go once logged
// in (a same-origin path, or "").
func (s *Server) beginLogin(w http.ResponseWriter, r *http.Request, u *accounts.User, next string) (string, error) {
	if !s.set.TwoFactor {
		return "", s.login(w, r, u)
	}
	has, err := s.opts.Service.HasTwoFactor(r.Context(), u.ID)
	if err != nil {
		return "", err
	}
	state := tfReady
	switch {
	case !has && !s.set.TwoFactorRequired:
		return "", s.login(w, r, u)
	case !has:
		state = tfSetupRequired
	}
	st := stateOf(r)
	sess := st.sess
	if sess.UserID() != 0 {
		sess.Logout() // a new token too
	} else {
		// A new token: whoever planted this browser's cookie learns
		// nothing of the login.
		s.opts.Sessions.Renew(sess)
	}
	sess.Set(tfUserKey, strconv.FormatInt(u.ID, 10))
	sess.Set(tfSinceKey, strconv.FormatInt(s.opts.Now().Unix(), 10))
	sess.Set(tfStateKey, state)
	sess.Set(tfNextKey, next)
	sess.Delete(tfSetupKey)
	sess.Delete(tfPassword) // beginPasswordLogin sets it
	st.user, st.roles, st.userLoaded = nil, nil, true
	s.renewCSRF(w, r)
	return state, nil
}

// beginPasswordLogin is beginLogin after a right password. The audit log
// records login.succeeded when the session starts: now, or once the
// second factor passes (login.two_factor_required until then).
func (s *Server) beginPasswordLogin(w http.ResponseWriter, r *http.Request, u *accounts.User, next string) (string, error) {
	tf, err := s.beginLogin(w, r, u, next)
	switch {
	case err != nil:
		return "", err
	case tf == "":
		s.audit(r, accounts.AuditLoginSucceeded, u, "")
	default:
		stateOf(r).sess.Set(tfPassword, "1")
		s.audit(r, accounts.AuditLoginTwoFactor, u, "")
	}
	return tf, nil
}

// pending returns the request's login waiting for its second factor, or
// nil. One that ran out, or whose user can no longer log in, is dropped.
func (s *Server) pending(r *http.Request) (*pendingLogin, error) {
	sess := stateOf(r).sess
	raw := sess.Get(tfUserKey)
	if raw == "" || sess.UserID() != 0 {
		return nil, nil
	}
	id, err1 := strconv.ParseInt(raw, 10, 64)
	since, err2 := strconv.ParseInt(sess.Get(tfSinceKey), 10, 64)
	age := s.opts.Now().Sub(time.Unix(since, 0))
	if err1 != nil || err2 != nil || id < 1 || age < -time.Minute || age > tfLoginWithin {
		dropPending(r)
		return nil, nil
	}
	u, _, err := s.opts.Service.SessionUser(r.Context(), id)
	switch {
	case accounts.ErrorCode(err) == accounts.ENotFound:
		dropPending(r)
		return nil, nil
	case err != nil:
		return nil, err
	case !u.Active || u.IsBlocked():
		dropPending(r)
		return nil, nil
	}
	state := sess.Get(tfStateKey)
	if state != tfSetupRequired {
		state = tfReady
	}
	return &pendingLogin{user: u, state: state, next: safeNext(sess.Get(tfNextKey)),
		byPassword: sess.Get(tfPassword) == "1"}, nil
}

// dropPending ends a pending login that ran out or can no longer finish,
// so that loginAgain says why.
func dropPending(r *http.Request) {
	clearPending(r)
	stateOf(r).tfDropped = true
}

func clearPending(r *http.Request) {
	sess := stateOf(r).sess
	for _, k := range []string{tfUserKey, tfSinceKey, tfStateKey, tfNextKey, tfSetupKey, tfPassword} {
		sess.Delete(k)
	}
}

// finishLogin logs in the user of a pending login whose second factor
// passed (or was just set up).
func (s *Server) finishLogin(w http.ResponseWriter, r *http.Request, p *pendingLogin) error {
	clearPending(r)
	if err := s.login(w, r, p.user); err != nil {
		return err
	}
	s.setDeviceCookie(w, p.user)
	if p.byPassword {
		s.audit(r, accounts.AuditLoginSucceeded, p.user, "")
	}
	return nil
}

// tfPage is the page a pending login of that state goes to.
func (s *Server) tfPage(state string) string {
	if state == tfSetupRequired {
		return s.set.TwoFactorSetupURL
	}
	return s.set.TwoFactorValidationURL
}

// writeTwoFactorRequired answers a REST login that waits for its second
// factor, as Flask-Security does: 200 with tf_required, tf_state and the
// method ("authenticator"; none while it must be set up).
func (s *Server) writeTwoFactorRequired(w http.ResponseWriter, r *http.Request, state string, extra map[string]any) {
	body := map[string]any{"tf_required": true, "tf_state": state, "tf_primary_method": nil}
	if state == tfReady {
		body["tf_primary_method"] = tfMethod
	}
	for k, v := range extra {
		body[k] = v
	}
	s.writeNoStore(w, r, body)
}

// secondFactorLimited checks the client's limit at the validation endpoint
// and the account's (ACCOUNTS_TWO_FACTOR_RATELIMIT): only someone with the
// password reaches it, so it bounds guessing codes without letting strangers
// lock anyone out.
func (s *Server) secondFactorLimited(r *http.Request, u *accounts.User) *limit {
	l := s.checkClient(r, endpointTwoFactor)
	if l == nil {
		l = s.checkAccount(r, s.set.TwoFactorAccountLimit, u.Email)
	}
	if l != nil {
		s.opts.Metrics.TwoFactor(telemetry.TwoFactorRateLimited)
	}
	return l
}

// checkSecondFactor checks a code of a pending login and records the
// outcome: a wrong code in the audit log, a recovery code in the audit log
// and as a flash with the codes left.
func (s *Server) checkSecondFactor(r *http.Request, u *accounts.User, code string) error {
	by, err := s.opts.Service.CheckSecondFactor(r.Context(), u, code)
	if accounts.ErrorCode(err) == accounts.EInvalid {
		s.opts.Metrics.TwoFactor(telemetry.TwoFactorFailed)
		s.audit(r, accounts.AuditTwoFactorFailed, u, "")
		return err
	}
	if err != nil {
		return err
	}
	if by == accounts.ByAuthenticator {
		s.opts.Metrics.TwoFactor(telemetry.TwoFactorPassed)
	}
	if by == accounts.ByRecoveryCode {
		s.opts.Metrics.TwoFactor(telemetry.TwoFactorRecovery)
		s.audit(r, accounts.AuditRecoveryCodeUsed, u, "")
		st, err := s.opts.Service.TwoFactorStatus(r.Context(), u.ID)
		if err != nil {
			return err
		}
		stateOf(r).sess.AddFlash("warning", fmt.Sprintf(msgRecoveryCodeUsed, st.RecoveryCodesLeft))
	}
	return nil
}

// twoFactorSetupView is what the setup page shows.
type twoFactorSetupView struct {
	Enabled   bool
	Since     time.Time
	CodesLeft int
	Required  bool // SECURITY_TWO_FACTOR_REQUIRED: no way to turn it off
	Pending   bool // set up during a login that requires it
	// A setup under way: the QR code, and the secret to type instead.
	QR     template.HTML
	Secret string
	// Recovery codes just made: shown once.
	Codes []string
	Next  string // where "Continue" goes after the codes
}

// setupActor returns who may set up two-factor authentication: the
// logged-in user, or the user of a pending login that must set it up.
func (s *Server) setupActor(r *http.Request) (*accounts.User, *pendingLogin, error) {
	u, err := s.currentUser(r)
	if err != nil || u != nil {
		return u, nil, err
	}
	p, err := s.pending(r)
	if err != nil || p == nil || p.state != tfSetupRequired {
		return nil, nil, err
	}
	return p.user, p, nil
}

// issuer is the name authenticator apps show (SECURITY_TOTP_ISSUER).
func (s *Server) issuer() string {
	return firstNonEmpty(s.set.TOTPIssuer, s.set.SiteName)
}

// notifyTwoFactor mails the user that two-factor authentication was turned
// on or off (ASVS 6.3.7), beside the answer, with the forgot-password link
// for whom it was not.
func (s *Server) notifyTwoFactor(r *http.Request, name string, u *accounts.User) {
	var d emailData
	if s.set.Recoverable {
		d.Link = s.externalURL(r, s.set.ResetURL)
	}
	s.runLater(r, name, func(r *http.Request) error {
		return s.sendEmail(r.Context(), name, u.Email, d)
	})
}

// loginAgain sends a browser without a pending login to the login page,
// saying why when one just ran out.
func (s *Server) loginAgain(w http.ResponseWriter, r *http.Request) {
	if stateOf(r).tfDropped {
		stateOf(r).sess.AddFlash("error", msgTwoFactorExpired)
	}
	s.redirect(w, r, s.set.LoginURL)
}

// setupResult is what a setup action did, for the page or the API to show.
type setupResult struct {
	setup    *accounts.TOTPSetup // a new secret (authenticator)
	codes    []string            // new recovery codes (confirm, recovery_codes)
	disabled bool                // turned off
}

// doSetup carries out a setup action (the form's and the API's "setup"
// field) for u, who is logged in, or the user of p, a pending login that
// must set it up (then only authenticator and confirm are open). Refusals
// are *accounts.Error: EInvalid with msgTwoFactorMethod (an action unknown
// or not open), MsgTwoFactorNotSetUp (confirm without a setup under way,
// new recovery codes without an authenticator) or MsgInvalidCode on
// "code"; EForbidden with msgTwoFactorMandatory (turning it off when
// required). A confirmed setup finishes p's login.
func (s *Server) doSetup(w http.ResponseWriter, r *http.Request, u *accounts.User, p *pendingLogin, action, code string) (setupResult, error) {
	sess := stateOf(r).sess
	ctx := r.Context()
	switch {
	case action == setupAuthenticator:
		setup, err := s.opts.Service.NewTOTPSetup(u, s.issuer())
		if err != nil {
			return setupResult{}, err
		}
		sess.Set(tfSetupKey, setup.Sealed)
		return setupResult{setup: &setup}, nil
	case action == setupConfirm:
		sealed := sess.Get(tfSetupKey)
		if sealed == "" {
			return setupResult{}, accounts.Errorf(accounts.EInvalid, accounts.MsgTwoFactorNotSetUp)
		}
		codes, err := s.opts.Service.EnableTOTP(ctx, u, sealed, code)
		if accounts.ErrorMessage(err) == accounts.MsgInvalidCode {
			return setupResult{}, accounts.FieldError("code", accounts.MsgInvalidCode)
		}
		if err != nil {
			return setupResult{}, err
		}
		sess.Delete(tfSetupKey)
		s.audit(r, accounts.AuditTwoFactorEnabled, u, "")
		s.notifyTwoFactor(r, emailTwoFactorOn, u)
		if p != nil {
			if err := s.finishLogin(w, r, p); err != nil {
				return setupResult{}, err
			}
		}
		return setupResult{codes: codes}, nil
	case p != nil:
	case action == setupDisable && s.set.TwoFactorRequired:
		return setupResult{}, accounts.Errorf(accounts.EForbidden, msgTwoFactorMandatory)
	case action == setupDisable:
		done, err := s.opts.Service.DisableTOTP(ctx, u.ID)
		if err != nil {
			return setupResult{}, err
		}
		sess.Delete(tfSetupKey)
		if done {
			s.audit(r, accounts.AuditTwoFactorDisabled, u, "")
			s.notifyTwoFactor(r, emailTwoFactorOff, u)
		}
		return setupResult{disabled: true}, nil
	case action == setupRecoveryCodes:
		codes, err := s.opts.Service.NewRecoveryCodes(ctx, u.ID)
		if accounts.ErrorCode(err) == accounts.ENotFound {
			return setupResult{}, accounts.Errorf(accounts.EInvalid, accounts.MsgTwoFactorNotSetUp)
		}
		if err != nil {
			return setupResult{}, err
		}
		s.audit(r, accounts.AuditRecoveryCodesRenewed, u, "")
		return setupResult{codes: codes}, nil
	}
	return setupResult{}, accounts.Errorf(accounts.EInvalid, msgTwoFactorMethod)
}
