package httpserver

import (
	"context"
	"net/http"
	"sort"
	"time"
)

// handleHealthz handles "GET /healthz": the process is up.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz handles "GET /readyz": every dependency answers within a
// second; 503 naming the failing checks otherwise.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	names := make([]string, 0, len(s.opts.Checks))
	for name := range s.opts.Checks {
		names = append(names, name)
	}
	sort.Strings(names)
	status, checks := http.StatusOK, map[string]string{}
	for _, name := range names {
		if err := s.opts.Checks[name](ctx); err != nil {
			s.opts.Logger.Warn("readiness check failed", "check", name, "err", err)
			status, checks[name] = http.StatusServiceUnavailable, "unavailable"
			continue
		}
		checks[name] = "ok"
	}
	body := map[string]any{"status": "ok", "checks": checks}
	if status != http.StatusOK {
		body["status"] = "unavailable"
	}
	writeJSON(w, status, body)
}
