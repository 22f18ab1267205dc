package server

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 description of the REST API, served at
// /openapi.json. openapi_test.go validates it and checks the server's real
// answers against it, so the contract and the handlers cannot drift.
//
//go:embed openapi.json
var openAPI []byte

// openapi answers GET /openapi.json.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(openAPI)
}
