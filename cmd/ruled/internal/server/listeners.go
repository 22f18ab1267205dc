package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// scope is who an endpoint is for: shoppers' decisions, or operators.
type scope int

const (
	// decisions: evaluation, blocks, GraphQL. What storefronts call.
	decisions scope = 1 << iota
	// operators: reload, status, metrics, the listings that show file
	// paths and source lines, the dashboard.
	operators
)

// route is one endpoint: its name in metrics and logs, its handler for
// each method it allows, and who it is for.
type route struct {
	path    string
	name    string
	methods map[string]http.HandlerFunc
	scope   scope
}

// table lists every endpoint. A path may appear twice with different
// methods when its methods are for different people (GET /v1/blocks lists
// files and lines; POST /v1/blocks chooses blocks).
func (s *Server) table() []route {
	both := decisions | operators
	return []route{
		{"/v1/cart/evaluate", "evaluate", map[string]http.HandlerFunc{http.MethodPost: s.evaluate}, decisions},
		{"/graphql", "graphql", map[string]http.HandlerFunc{http.MethodPost: s.graphql, http.MethodGet: s.explorerPage}, decisions},
		{"/graphql/schema.graphql", "graphql_schema", map[string]http.HandlerFunc{http.MethodGet: s.schemaSDL}, decisions},
		{"/graphql/explorer/", "graphql_explorer", map[string]http.HandlerFunc{http.MethodGet: s.explorerAssets()}, decisions},
		{"/v1/blocks", "blocks", map[string]http.HandlerFunc{http.MethodPost: s.chooseBlocks}, decisions},
		{"/v1/orders", "orders", map[string]http.HandlerFunc{http.MethodPost: s.placeOrder}, decisions},
		{"/v1/orders/", "order_cancel", map[string]http.HandlerFunc{http.MethodPost: s.cancelOrder}, decisions},
		{"/v1/blocks", "blocks", map[string]http.HandlerFunc{http.MethodGet: s.blocks}, operators},
		{"/v1/audiences", "audiences", map[string]http.HandlerFunc{http.MethodGet: s.audiences}, operators},
		{"/v1/rules", "rules", map[string]http.HandlerFunc{http.MethodGet: s.rules}, operators},
		{"/v1/status", "status", map[string]http.HandlerFunc{http.MethodGet: s.status}, operators},
		{"/v1/reload", "reload", map[string]http.HandlerFunc{http.MethodPost: s.reload}, operators},
		{"/metrics", "metrics", map[string]http.HandlerFunc{http.MethodGet: s.metrics.handler(s.log).ServeHTTP}, operators},
		{"/openapi.json", "openapi", map[string]http.HandlerFunc{http.MethodGet: s.openapi}, both},
		{"/healthz", "healthz", map[string]http.HandlerFunc{http.MethodGet: s.healthz}, both},
		{"/readyz", "readyz", map[string]http.HandlerFunc{http.MethodGet: s.readyz}, both},
	}
}

// mux serves the endpoints for who (the dashboard goes with operators).
func (s *Server) mux(who scope) http.Handler {
	mux := http.NewServeMux()
	var order []string
	byPath := map[string]*route{}
	for _, rt := range s.table() {
		if rt.scope&who == 0 {
			continue
		}
		if r, ok := byPath[rt.path]; ok {
			for m, h := range rt.methods {
				r.methods[m] = h
			}
			continue
		}
		byPath[rt.path] = &rt
		order = append(order, rt.path)
	}
	for _, p := range order {
		mux.Handle(p, s.dispatch(*byPath[p]))
	}
	if who&operators != 0 {
		dashboard := s.newDashboard()
		mux.Handle(DashboardPath+"/", s.dispatch(route{DashboardPath + "/", "dashboard", map[string]http.HandlerFunc{http.MethodGet: dashboard.ServeHTTP}, operators}))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if who&operators != 0 && r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			http.Redirect(w, r, DashboardPath+"/", http.StatusFound)
			return
		}
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("no endpoint at %s", r.URL.Path), "")
	})
	if who&operators == 0 {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.serve(mux, w, r.WithContext(context.WithValue(r.Context(), decisionsOnlyKey{}, true)))
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(mux, w, r) })
}

// decisionsOnlyKey marks the requests of the main address when operators
// have their own: GraphQL then answers no listing.
type decisionsOnlyKey struct{}

// PublicHandler serves decisions (evaluation, blocks, GraphQL) and health
// only: what the main listener serves when operators have their own.
func (s *Server) PublicHandler() http.Handler { return s.public }

// AdminHandler serves the operators' endpoints (reload, status, metrics,
// the listings, the dashboard) and, for the dashboard's playground, the
// decisions too: every endpoint. With a token, every request but health
// must carry "Authorization: Bearer <token>".
func (s *Server) AdminHandler(token string) http.Handler {
	if token == "" {
		return s.handler
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			s.handler.ServeHTTP(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ruled admin"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "the admin endpoints need Authorization: Bearer <token>", "header:Authorization")
			return
		}
		s.handler.ServeHTTP(w, r)
	})
}

// ServeSplit answers decisions on main and the operators' endpoints on
// admin (see AdminHandler for token) until ctx is done, then shuts both
// down as Serve does. When one listener fails the other is stopped too.
func (s *Server) ServeSplit(ctx context.Context, main, admin net.Listener, token string, t Timeouts) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- s.serveOn(ctx, main, s.public, t) }()
	go func() { errs <- s.serveOn(ctx, admin, s.AdminHandler(token), t) }()
	err := <-errs
	cancel()
	if err2 := <-errs; err == nil {
		err = err2
	}
	return err
}
