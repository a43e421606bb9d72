package httpserver

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/invenio-go/accounts/internal/accounts"
)

// Messages of the REST API (invenio-rest and Werkzeug).
const (
	msgUnauthorized = "The server could not verify that you are authorized to access the URL requested. You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required."
	msgUnavailable  = "The service is temporarily unavailable. Please try again later."
	msgInternal     = "An internal error occurred."
)

// statusOf maps the domain's error codes to HTTP statuses: the one table.
var statusOf = map[string]int{
	accounts.EInvalid:      http.StatusBadRequest,
	accounts.EUnauthorized: http.StatusUnauthorized,
	accounts.EForbidden:    http.StatusForbidden,
	accounts.ENotFound:     http.StatusNotFound,
	accounts.EConflict:     http.StatusConflict,
	accounts.ERateLimited:  http.StatusTooManyRequests,
	accounts.EUnavailable:  http.StatusServiceUnavailable,
	accounts.EInternal:     http.StatusInternalServerError,
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"status":500,"message":"`+msgInternal+`"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// statusClientClosed is nginx's 499, Client Closed Request: the answer to
// a request whose client closed its connection before it was answered
// (its context is cancelled, so what it was waiting for failed). Nobody
// reads it; the access log and the metrics tell it from a failure (500)
// or an outage (503) of ours.
const statusClientClosed = 499

// clientGone answers a request whose client has gone, and reports whether
// it did: logged at Info level with what failed, never as an error.
func (s *Server) clientGone(w http.ResponseWriter, r *http.Request, err error) bool {
	if r.Context().Err() == nil {
		return false
	}
	s.opts.Logger.Info("client went away before the answer", "method", r.Method, "path", r.URL.Path, "err", err)
	w.WriteHeader(statusClientClosed)
	return true
}

// serverError logs err with its detail and answers without it: 503 with
// Retry-After when a dependency is unavailable, else 500 (499 when the
// client has gone: clientGone).
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if s.clientGone(w, r, err) {
		return
	}
	s.opts.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	if accounts.ErrorCode(err) == accounts.EUnavailable {
		// The database or another dependency is down: tell clients to retry.
		s.unavailable(w, r, isAPI(r))
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"status": 500, "message": msgInternal})
		return
	}
	http.Error(w, "Internal Server Error", http.StatusInternalServerError)
}

// sessionError answers a request whose session could not be saved: the
// store is down, so 503 (499 when the client has gone: clientGone).
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if s.clientGone(w, r, err) {
		return
	}
	s.opts.Logger.Error("session store unavailable", "err", err, "path", r.URL.Path)
	s.unavailable(w, r, isAPI(r))
}

func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, api bool) {
	w.Header().Set("Retry-After", "5")
	if api {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": 503, "message": msgUnavailable})
		return
	}
	http.Error(w, msgUnavailable, http.StatusServiceUnavailable)
}

// apiAbort answers as invenio-rest's abort: {"status": N, "message": msg}.
func (s *Server) apiAbort(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, map[string]any{"status": status, "message": msg})
}

// fieldError is one entry of a validation error's "errors" list.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// apiValidation answers 400 {"status": 400, "message": "Validation
// error.", "errors": [...]}.
func (s *Server) apiValidation(w http.ResponseWriter, r *http.Request, errs []fieldError) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": "Validation error.", "errors": errs})
}

// apiError answers a domain error: field errors as a validation error,
// internal errors logged and hidden, the rest as {"status", "message"}.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	code := accounts.ErrorCode(err)
	if code == accounts.EInternal || code == accounts.EUnavailable && accounts.ErrorFields(err) == nil && !isBusy(err) {
		s.serverError(w, r, err)
		return
	}
	if code == accounts.EUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if fields := accounts.ErrorFields(err); len(fields) > 0 {
		s.apiValidation(w, r, sortedFieldErrors(fields))
		return
	}
	s.apiAbort(w, r, statusOf[code], accounts.ErrorMessage(err))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// redirect saves the session and redirects (302, as Flask does).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to string) {
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// isBusy reports whether err is the hash pool's "busy" answer (a 503 whose
// message the client should see).
func isBusy(err error) bool { return accounts.ErrorMessage(err) == accounts.MsgBusy }
