package httpserver

import (
	_ "embed"
	"net/http"
)

// openapiDoc describes the REST API; TestOpenAPIMatchesRoutes keeps it true
// to the route table.
//
//go:embed openapi.json
var openapiDoc []byte

// handleOpenAPI handles "GET /api/openapi.json".
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openapiDoc)
}
