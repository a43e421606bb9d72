package httpserver

import (
	"fmt"
	"net/http"
	"time"
)

// sessionView is one row of the security page and of GET /api/sessions.
type sessionView struct {
	ID             string
	IP             string
	Country        string
	Browser        string
	BrowserVersion string
	OS             string
	Device         string
	Created        time.Time
	LastSeen       time.Time
	Current        bool
}

// userSessions returns the user's sessions, the current one first.
func (s *Server) userSessions(r *http.Request, uid int64) ([]sessionView, error) {
	rows, err := s.opts.Activity.UserSessionActivities(r.Context(), uid)
	if err != nil {
		return nil, err
	}
	current := stateOf(r).sess.ID()
	out := make([]sessionView, 0, len(rows))
	for _, a := range rows {
		v := sessionView{ID: a.SID, IP: deref(a.IP), Country: deref(a.Country), Browser: deref(a.Browser),
			BrowserVersion: deref(a.BrowserVersion), OS: deref(a.OS), Device: deref(a.Device),
			Created: a.Created, LastSeen: a.Updated, Current: a.SID == current}
		if v.Current {
			out = append([]sessionView{v}, out...)
		} else {
			out = append(out, v)
		}
	}
	return out, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// handleSecurityPage handles "GET /account/settings/security": the user's
// sessions with a revoke button each, and "log out all other sessions".
func (s *Server) handleSecurityPage(w http.ResponseWriter, r *http.Request) {
	u := s.requireLogin(w, r)
	if u == nil {
		return
	}
	sessions, err := s.userSessions(r, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderWith(w, r, http.StatusOK, "settings_security", nil, func(d *pageData) { d.Sessions = sessions })
}

// handleRevokeSession handles "POST /account/settings/sessions/revoke":
// form field sid_s. A CSRF failure is 403, as in Invenio.
func (s *Server) handleRevokeSession(w http.ResponseWriter, r *http.Request) {
	u := s.requireLogin(w, r)
	if u == nil {
		return
	}
	if stateOf(r).csrfErr != "" {
		http.Error(w, "Forbidden: "+stateOf(r).csrfErr, http.StatusForbidden)
		return
	}
	sid := r.PostForm.Get("sid_s")
	st := stateOf(r)
	if sid != "" && sid == st.sess.ID() {
		// Revoking the session in use is logging out (Invenio brought it back).
		if err := s.logout(w, r); err != nil {
			s.sessionError(w, r, err)
			return
		}
		s.redirect(w, r, s.set.PostLogoutView)
		return
	}
	if !s.requireFresh(w, r, securityURL) {
		return
	}
	found, err := s.revokeSession(r.Context(), u.ID, sid)
	switch {
	case err != nil:
		s.serverError(w, r, err)
		return
	case found:
		s.audit(r, eventSessionRevoked, u, sid)
		st.sess.AddFlash("success", fmt.Sprintf("Session %s successfully removed.", sid))
	default:
		st.sess.AddFlash("error", fmt.Sprintf("Unable to remove the session %s.", sid))
	}
	s.redirect(w, r, securityURL)
}

// handleRevokeOtherSessions handles "POST
// /account/settings/sessions/revoke-others": log out everywhere else.
func (s *Server) handleRevokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	u := s.requireLogin(w, r)
	if u == nil {
		return
	}
	if stateOf(r).csrfErr != "" {
		http.Error(w, "Forbidden: "+stateOf(r).csrfErr, http.StatusForbidden)
		return
	}
	if !s.requireFresh(w, r, securityURL) {
		return
	}
	if err := s.revokeOtherSessions(w, r, u.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.audit(r, eventSessionsRevoked, u, "")
	stateOf(r).sess.AddFlash("success", "All your other sessions have been logged out.")
	s.redirect(w, r, securityURL)
}

const securityURL = "/account/settings/security"
