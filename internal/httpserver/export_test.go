package httpserver

// APIRoutes lists "METHOD /path" of every route the OpenAPI document must
// describe (for tests).
func (s *Server) APIRoutes() []string {
	var out []string
	for _, r := range s.routes {
		if r.api {
			out = append(out, r.method+" "+r.path)
		}
	}
	return out
}
