package server

import (
	"embed"
	"io/fs"
	"net/http"
)

// This file is the GraphQL explorer: GET /graphql serves a page, made of
// files built into the binary (no CDN, nothing fetched from elsewhere), on
// which people write a query and its variables and see the answer of
// POST /graphql; GET /graphql/schema.graphql serves the schema's SDL, for
// the page and for code generators.

//go:embed explorer
var explorerFiles embed.FS

// explorerCSP keeps the page to its own files and this server.
const explorerCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) explorerPage(w http.ResponseWriter, r *http.Request) {
	page, err := explorerFiles.ReadFile("explorer/index.html")
	if err != nil { // only a build without the embedded files gets here
		writeError(w, http.StatusInternalServerError, codeInternal, "the explorer page is missing from this build", "")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", explorerCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}

// explorerAssets serves the page's script and style sheet.
func (s *Server) explorerAssets() http.HandlerFunc {
	sub, err := fs.Sub(explorerFiles, "explorer")
	if err != nil {
		panic(err) // "explorer" is a valid path: cannot happen
	}
	files := http.StripPrefix("/graphql/explorer/", http.FileServerFS(sub))
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", explorerCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	}
}

func (s *Server) schemaSDL(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(schemaText))
	}
}
