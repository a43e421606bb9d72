package httpserver

import (
	"fmt"
	"net/http"
)

// apiSession is one session in GET /api/sessions: Invenio's fields (no IP)
// plus the derived id that DELETE /api/sessions/{id} takes.
type apiSession struct {
	Browser        *string `json:"browser"`
	BrowserVersion *string `json:"browser_version"`
	Country        *string `json:"country"`
	Created        string  `json:"created"` // an HTTP-date, as Flask's jsonify writes datetimes
	Current        bool    `json:"current"`
	Device         *string `json:"device"`
	ID             string  `json:"id"`
	OS             *string `json:"os"`
}

// apiUser returns the logged-in user or answers 401.
func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) (int64, bool) {
	u, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return 0, false
	}
	if u == nil {
		if err := s.saveSession(w, r); err != nil {
			s.sessionError(w, r, err)
			return 0, false
		}
		s.apiAbort(w, r, http.StatusUnauthorized, msgUnauthorized)
		return 0, false
	}
	return u.ID, true
}

// handleAPISessions handles "GET /api/sessions".
func (s *Server) handleAPISessions(w http.ResponseWriter, r *http.Request) {
	uid, ok := s.apiUser(w, r)
	if !ok {
		return
	}
	views, err := s.userSessions(r, uid)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	results := make([]apiSession, len(views))
	for i, v := range views {
		results[i] = apiSession{Browser: nonEmpty(v.Browser), BrowserVersion: nonEmpty(v.BrowserVersion),
			Country: nonEmpty(v.Country), Created: v.Created.UTC().Format(http.TimeFormat), Current: v.Current,
			Device: nonEmpty(v.Device), ID: v.ID, OS: nonEmpty(v.OS)}
	}
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"total": len(results), "results": results})
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// handleAPIDeleteSession handles "DELETE /api/sessions/{id}": only the
// caller's own sessions; the current one means logging out.
func (s *Server) handleAPIDeleteSession(w http.ResponseWriter, r *http.Request) {
	uid, ok := s.apiUser(w, r)
	if !ok {
		return
	}
	sid := r.PathValue("id")
	if sid == stateOf(r).sess.ID() {
		if err := s.logout(w, r); err != nil {
			s.sessionError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"message": fmt.Sprintf("Session %s successfully removed. Logged out.", sid)})
		return
	}
	if !s.apiRequireFresh(w, r) {
		return
	}
	found, err := s.revokeSession(r.Context(), uid, sid)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// Saved on both answers: the freshness check restarted the grace period.
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	if !found {
		s.apiAbort(w, r, http.StatusBadRequest, fmt.Sprintf("Unable to remove session %s.", sid))
		return
	}
	s.audit(r, eventSessionRevoked, nil, sid)
	writeJSON(w, http.StatusOK, map[string]string{"message": fmt.Sprintf("Session %s successfully removed. Revoked.", sid)})
}
