package httpserver

import (
	"net/http"
	"strings"
)

// route is one entry of the route table; api routes are the ones the
// OpenAPI document must describe.
type route struct {
	method, path string
	api          bool
}

// registerRoutes registers every route of the service, with its middleware
// visible: page routes and API routes load the session and count against
// the general rate limit of their client (withState; withForm shows a
// form when refused); routes of an Invenio endpoint with a per-endpoint
// limit count against that one instead (withEndpoint, checked by the
// handler); unsafe methods also pass the cross-origin and CSRF checks (in
// withState). Routes without a session are never rate limited: the
// probes, the stylesheets, the OpenAPI document and a redirect.
func (s *Server) registerRoutes() {
	s.handle("GET", "/{$}", false, s.withState(s.handleHome))
	s.handle("GET", "/healthz", false, http.HandlerFunc(s.handleHealthz))
	s.handle("GET", "/readyz", false, http.HandlerFunc(s.handleReadyz))
	s.handle("GET", "/static/accounts.css", false, http.HandlerFunc(s.handleStylesheet))

	// HTML pages (Flask-Security's blueprint at Invenio's URLs).
	s.handle("GET", s.set.LoginURL, false, s.withForm("login_user", s.handleLoginPage))
	s.handle("POST", s.set.LoginURL, false, s.withEndpoint(endpointLogin, "login_user", s.handleLogin))
	s.handle("GET", s.set.LogoutURL, false, s.withState(s.handleLogoutPage))
	s.handle("POST", s.set.LogoutURL, false, s.withState(s.handleLogout))
	if s.set.Registerable {
		s.handle("GET", s.set.RegisterURL, false, s.withForm("register_user", s.handleSignupPage))
		s.handle("POST", s.set.RegisterURL, false, s.withEndpoint(endpointRegister, "register_user", s.handleSignup))
	}

	if s.set.Recoverable {
		s.handle("GET", s.set.ResetURL, false, s.withForm("forgot_password", s.handleForgotPage))
		s.handle("POST", s.set.ResetURL, false, s.withEndpoint(endpointForgot, "forgot_password", s.handleForgot))
		s.handle("GET", s.set.ResetURL+"{token}", false, http.HandlerFunc(s.handleResetNoSlash))
		s.handle("GET", s.set.ResetURL+"{token}/", false, s.withForm("reset_password", s.handleResetPage))
		s.handle("POST", s.set.ResetURL+"{token}/", false, s.withEndpoint(endpointReset, "reset_password", s.handleReset))
	}
	if s.set.Confirmable {
		s.handle("GET", s.set.ConfirmURL, false, s.withForm("send_confirmation", s.handleSendConfirmationPage))
		s.handle("POST", s.set.ConfirmURL, false, s.withForm("send_confirmation", s.handleSendConfirmation))
		if s.set.ConfirmByPost {
			s.handle("GET", s.set.ConfirmURL+"/{token}", false, s.withForm("confirm_email", s.handleConfirmPage))
			s.handle("POST", s.set.ConfirmURL+"/{token}", false, s.withEndpoint(endpointConfirm, "confirm_email", s.handleConfirm))
		} else {
			s.handle("GET", s.set.ConfirmURL+"/{token}", false, s.withState(s.handleConfirmGet))
		}
	}
	if s.set.Changeable {
		s.handle("GET", s.set.ChangeURL, false, s.withForm("change_password", s.handleChangePasswordPage))
		s.handle("POST", s.set.ChangeURL, false, s.withForm("change_password", s.handleChangePassword))
	}

	// Account settings (invenio_accounts' settings blueprint).
	if s.set.SessionActivityEnabled {
		s.handle("GET", securityURL, false, s.withState(s.handleSecurityPage))
		s.handle("POST", "/account/settings/sessions/revoke", false, s.withState(s.handleRevokeSession))
		s.handle("POST", "/account/settings/sessions/revoke-others", false, s.withState(s.handleRevokeOtherSessions))
	}
	if s.set.SessionActivityEnabled || s.set.TwoFactor {
		// Asks for the password again before other sessions end or two-factor
		// authentication changes (fresh.go); the login limits count its
		// attempts.
		s.handle("GET", s.set.VerifyURL, false, s.withForm("verify_user", s.handleVerifyPage))
		s.handle("POST", s.set.VerifyURL, false, s.withEndpoint(endpointLogin, "verify_user", s.handleVerify))
	}
	if s.set.TwoFactor {
		// Two-factor authentication (twofactor.go): the code after the
		// password, and the setup page.
		s.handle("GET", s.set.TwoFactorValidationURL, false, s.withForm("two_factor_verify", s.handleTwoFactorPage))
		s.handle("POST", s.set.TwoFactorValidationURL, false, s.withEndpoint(endpointTwoFactor, "two_factor_verify", s.handleTwoFactorValidate))
		s.handle("GET", s.set.TwoFactorSetupURL, false, s.withForm("two_factor_setup", s.handleTwoFactorSetupPage))
		s.handle("POST", s.set.TwoFactorSetupURL, false, s.withForm("two_factor_setup", s.handleTwoFactorSetup))
	}

	// REST API (invenio_accounts.views.rest under /api).
	s.handle("GET", "/api/openapi.json", false, http.HandlerFunc(s.handleOpenAPI))
	s.handle("POST", "/api/login", true, s.withEndpoint(endpointLogin, "", s.handleAPILogin))
	s.handle("GET", "/api/logout", true, s.withState(s.handleAPILogoutGet))
	s.handle("POST", "/api/logout", true, s.withState(s.handleAPILogout))
	s.handle("GET", "/api/me", true, s.withState(s.handleAPIMe))
	if s.set.Registerable {
		s.handle("POST", "/api/register", true, s.withEndpoint(endpointRegister, "", s.handleAPIRegister))
	}
	if s.set.Recoverable {
		s.handle("POST", "/api/forgot-password", true, s.withEndpoint(endpointForgot, "", s.handleAPIForgotPassword))
		s.handle("POST", "/api/reset-password", true, s.withEndpoint(endpointReset, "", s.handleAPIResetPassword))
	}
	if s.set.Confirmable {
		s.handle("POST", "/api/send-confirmation-email", true, s.withState(s.handleAPISendConfirmation))
		s.handle("POST", "/api/confirm-email", true, s.withState(s.handleAPIConfirmEmail))
	}
	if s.set.Changeable {
		s.handle("POST", "/api/change-password", true, s.withState(s.handleAPIChangePassword))
	}
	if s.set.SessionActivityEnabled {
		s.handle("GET", "/api/sessions", true, s.withState(s.handleAPISessions))
		s.handle("DELETE", "/api/sessions/{id}", true, s.withState(s.handleAPIDeleteSession))
	}
	if s.set.SessionActivityEnabled || s.set.TwoFactor {
		s.handle("POST", "/api/verify", true, s.withEndpoint(endpointLogin, "", s.handleAPIVerify))
	}
	if s.set.TwoFactor {
		s.handle("POST", apiTwoFactorValidateURL, true, s.withEndpoint(endpointTwoFactor, "", s.handleAPITwoFactorValidate))
		s.handle("GET", apiTwoFactorSetupURL, true, s.withState(s.handleAPITwoFactorStatus))
		s.handle("POST", apiTwoFactorSetupURL, true, s.withState(s.handleAPITwoFactorSetup))
	}
	s.registerAdminRoutes() // admin: /admin/ pages and /api/admin/ (admin.go)
}

// handle registers h for the method and path. A path ending in "/" matches
// only itself, not the subtree below it.
func (s *Server) handle(method, path string, api bool, h http.Handler) {
	pattern := path
	if strings.HasSuffix(path, "/") && !strings.HasSuffix(path, "{$}") {
		pattern += "{$}"
	}
	s.mux.Handle(method+" "+pattern, h)
	s.routes = append(s.routes, route{method: method, path: strings.TrimSuffix(path, "{$}"), api: api})
}
