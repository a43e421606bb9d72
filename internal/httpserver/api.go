package httpserver

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sort"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
)

// Marshmallow's messages, which Invenio's REST API answers with.
const (
	msgMissingField = "Missing data for required field."
	msgUnknownField = "Unknown field."
	msgNotString    = "Not a valid string."
	msgNotEmail     = "Not a valid email address."
	maxAPIBody      = 64 << 10
)

// decodeBody reads a REST body as Invenio does (form fields) or as a JSON
// object of strings. Fields not in allowed are errors ("Unknown field.").
// A body that cannot be read at all is a non-nil error (400 or 413).
func decodeBody(w http.ResponseWriter, r *http.Request, allowed ...string) (map[string]string, []fieldError, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
	values := map[string]string{}
	var errs []fieldError
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var raw map[string]any
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, err
		}
		for k, v := range raw {
			str, ok := v.(string)
			if !ok {
				errs = append(errs, fieldError{k, msgNotString})
				continue
			}
			values[k] = str
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k, v := range r.PostForm {
			values[k] = v[0]
		}
	}
	for k := range values {
		if !contains(allowed, k) {
			errs = append(errs, fieldError{k, msgUnknownField})
			delete(values, k)
		}
	}
	return values, errs, nil
}

// bodyError answers a body that could not be read.
func (s *Server) bodyError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.apiAbort(w, r, http.StatusRequestEntityTooLarge, "The request body is too large.")
		return
	}
	s.apiAbort(w, r, http.StatusBadRequest, "The request body could not be read: send form fields or a JSON object.")
}

// require adds "Missing data for required field." for each empty field.
func require(values map[string]string, errs []fieldError, fields ...string) []fieldError {
	for _, f := range fields {
		if values[f] == "" {
			errs = append(errs, fieldError{f, msgMissingField})
		}
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedFieldErrors(fields map[string]string) []fieldError {
	out := make([]fieldError, 0, len(fields))
	for k, v := range fields {
		out = append(out, fieldError{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func sortErrors(errs []fieldError) []fieldError {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	return errs
}

// userPayload is Invenio's default_user_payload (keys sorted, as jsonify).
type userPayload struct {
	ConfirmedAt *string       `json:"confirmed_at"`
	Email       string        `json:"email"`
	ID          int64         `json:"id"`
	LastLoginAt *string       `json:"last_login_at"`
	Roles       []rolePayload `json:"roles"`
}

type rolePayload struct {
	Description string `json:"description"`
	ID          string `json:"id"`
	Name        string `json:"name"`
}

func (s *Server) userPayload(r *http.Request, u *accounts.User) (userPayload, error) {
	// The logged-in user's roles came with it (cached); others are read.
	roles := stateOf(r).roles
	if roles == nil || stateOf(r).user != u {
		var err error
		if roles, err = s.opts.Service.UserRoles(r.Context(), u.ID); err != nil {
			return userPayload{}, err
		}
	}
	p := userPayload{ConfirmedAt: isoformat(u.ConfirmedAt), Email: u.Email, ID: u.ID,
		LastLoginAt: isoformat(u.Login.LastLoginAt), Roles: []rolePayload{}}
	for _, role := range roles {
		p.Roles = append(p.Roles, rolePayload{Description: role.Description, ID: role.ID, Name: role.Name})
	}
	return p, nil
}

// writeUser answers 200 with the user payload.
func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, u *accounts.User) {
	p, err := s.userPayload(r, u)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, p)
}

// isoformat renders a time as Python's datetime.isoformat() renders an
// aware UTC datetime, or nil.
func isoformat(t *time.Time) *string {
	if t == nil {
		return nil
	}
	u := t.UTC()
	layout := "2006-01-02T15:04:05"
	if u.Nanosecond()/1000 != 0 {
		layout += ".000000"
	}
	s := u.Format(layout) + "+00:00"
	return &s
}

func validEmailField(values map[string]string, errs []fieldError) []fieldError {
	if e := values["email"]; e != "" {
		if _, _, err := accounts.NormalizeEmail(e); err != nil {
			errs = append(errs, fieldError{"email", msgNotEmail})
		}
	}
	return errs
}
