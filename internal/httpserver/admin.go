package httpserver

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/session"
)

// admin serves the administration: the JSON API under /api/admin/ and the
// HTML pages under /admin/, for users with the role ACCOUNTS_ADMIN_ROLE.
type admin struct {
	s     *Server
	role  string
	pages *adminPages
}

// Messages of the administration.
const (
	msgAdminOnly      = "You do not have the permission to access this page."
	msgNotYourself    = "You cannot do this to your own account: you would lock yourself out."
	msgCurrentSession = "You could not remove your current session."
	msgBadID          = "The id must be a positive number."
	msgBadSessionID   = "Not a session id."
)

// registerAdminRoutes registers the administration's routes; every handler
// checks that the caller is an admin first.
func (s *Server) registerAdminRoutes() {
	a := &admin{s: s, role: s.set.AdminRole}
	if a.role == "" {
		a.role = "admin"
	}
	a.pages = loadAdminPages(s.set, s.opts.Logger)

	s.handle("GET", "/api/admin/users", true, s.withState(a.handleAPIUsers))
	s.handle("GET", "/api/admin/users/{id}", true, s.withState(a.handleAPIUser))
	s.handle("POST", "/api/admin/users/{id}/actions/{action}", true, s.withState(a.handleAPIUserAction))
	s.handle("GET", "/api/admin/users/{id}/sessions", true, s.withState(a.handleAPIUserSessions))
	s.handle("DELETE", "/api/admin/users/{id}/sessions", true, s.withState(a.handleAPIEndUserSessions))
	s.handle("DELETE", "/api/admin/sessions/{id}", true, s.withState(a.handleAPIDeleteSession))
	s.handle("GET", "/api/admin/roles", true, s.withState(a.handleAPIRoles))
	s.handle("POST", "/api/admin/roles", true, s.withState(a.handleAPICreateRole))
	s.handle("PUT", "/api/admin/users/{id}/roles/{role}", true, s.withState(a.handleAPIAddRole))
	s.handle("DELETE", "/api/admin/users/{id}/roles/{role}", true, s.withState(a.handleAPIRemoveRole))
	s.handle("GET", "/api/admin/domains", true, s.withState(a.handleAPIDomains))
	s.handle("POST", "/api/admin/domains", true, s.withState(a.handleAPICreateDomain))
	s.handle("PATCH", "/api/admin/domains/{domain}", true, s.withState(a.handleAPIUpdateDomain))
	s.handle("GET", "/api/admin/audit", true, s.withState(a.handleAPIAudit))

	a.registerPages()
	a.registerTwoFactorRoutes()
}

// isAdmin reports whether u has the admin role.
func (a *admin) isAdmin(r *http.Request, u *accounts.User) (bool, error) {
	roles, err := a.s.opts.Service.UserRoles(r.Context(), u.ID)
	if err != nil {
		return false, err
	}
	for _, role := range roles {
		if role.Name == a.role {
			return true, nil
		}
	}
	return false, nil
}

// apiAdmin returns the logged-in admin, or answers 401 (anonymous) or 403
// (not an admin) and returns nil.
func (a *admin) apiAdmin(w http.ResponseWriter, r *http.Request) *accounts.User {
	s := a.s
	u, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	if u == nil {
		if err := s.saveSession(w, r); err != nil {
			s.sessionError(w, r, err)
			return nil
		}
		s.apiAbort(w, r, http.StatusUnauthorized, msgUnauthorized)
		return nil
	}
	ok, err := a.isAdmin(r, u)
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	if !ok {
		a.reply(w, r, http.StatusForbidden, map[string]any{"status": http.StatusForbidden, "message": msgAdminOnly})
		return nil
	}
	return u
}

// reply saves the session and answers JSON that no cache keeps.
func (a *admin) reply(w http.ResponseWriter, r *http.Request, status int, v any) {
	if err := a.s.saveSession(w, r); err != nil {
		a.s.sessionError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, v)
}

// fail answers a domain error in JSON (after saving the session).
func (a *admin) fail(w http.ResponseWriter, r *http.Request, err error) {
	if saveErr := a.s.saveSession(w, r); saveErr != nil {
		a.s.sessionError(w, r, saveErr)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.s.apiError(w, r, err)
}

// userID reads the {id} of the path: a malformed id is EInvalid; an id
// beyond the column's range names no user (ENotFound).
func userID(r *http.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case err != nil && len(raw) > 0 && strings.Trim(raw, "0123456789") == "":
		return 0, accounts.Errorf(accounts.ENotFound, accounts.MsgUserNotFound) // too many digits
	case err != nil || id <= 0:
		return 0, accounts.Errorf(accounts.EInvalid, msgBadID)
	case id > math.MaxInt32:
		return 0, accounts.Errorf(accounts.ENotFound, accounts.MsgUserNotFound)
	}
	return id, nil
}

// sessionID reads a session id ("hex_hex", ours or Invenio's). EInvalid.
func sessionID(raw string) (string, error) {
	if _, _, err := session.ParseToken(raw); err != nil {
		return "", accounts.Errorf(accounts.EInvalid, msgBadSessionID)
	}
	return raw, nil
}

// paging reads ?page (1-based) and ?size (1 to 100, default 10). EInvalid.
func paging(q url.Values) (page, size int, err error) {
	page, size = 1, accounts.DefaultPageSize
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return 0, 0, accounts.FieldError("page", accounts.MsgBadPage)
		}
	}
	if v := q.Get("size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > accounts.MaxPageSize {
			return 0, 0, accounts.FieldError("size", accounts.MsgBadSize)
		}
	}
	return page, size, nil
}

// queryInt reads an optional positive number of the query string (0 when
// absent). EInvalid on field name.
func queryInt(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 1 {
		return 0, accounts.FieldError(name, "Must be a positive number.")
	}
	return n, nil
}

// decodeJSON reads an optional JSON object body into fields; only allowed
// keys are accepted ("Unknown field."). An empty body is an empty object.
func decodeJSON(w http.ResponseWriter, r *http.Request, allowed ...string) (map[string]json.RawMessage, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, accounts.Errorf(accounts.EInvalid, "The request body is too large.")
		}
		return nil, err
	}
	fields := map[string]json.RawMessage{}
	if len(strings.TrimSpace(string(body))) == 0 {
		return fields, nil
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return nil, accounts.Errorf(accounts.EInvalid, "Send a JSON object (Content-Type: application/json).")
	}
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, accounts.Errorf(accounts.EInvalid, "The request body is not a JSON object.")
	}
	bad := map[string]string{}
	for k := range fields {
		if !contains(allowed, k) {
			bad[k] = msgUnknownField
		}
	}
	if len(bad) > 0 {
		return nil, &accounts.Error{Code: accounts.EInvalid, Message: "Validation error.", Fields: bad}
	}
	return fields, nil
}

// jsonString reads an optional string field; a value that is not a string
// is EInvalid.
func jsonString(fields map[string]json.RawMessage, name string) (*string, error) {
	raw, ok := fields[name]
	if !ok {
		return nil, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, accounts.FieldError(name, msgNotString)
	}
	return &v, nil
}
