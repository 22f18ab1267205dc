package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/ruled/ruled/engine"
)

// evaluate answers POST /v1/cart/evaluate: the cart JSON contract in, the
// evaluation JSON out; ?explain=true adds the per-rule explanation.
func (s *Server) evaluate(w http.ResponseWriter, r *http.Request) {
	g := s.live.Load() // this request's rule set, to the end
	if g == nil {
		notReady(w)
		return
	}
	explain, aerr := boolParam(r, "explain")
	if aerr == nil {
		aerr = requireJSON(r)
	}
	var ids []string
	if aerr == nil {
		ids, aerr = s.membershipOf(r)
	}
	var body []byte
	if aerr == nil {
		body, aerr = readBody(w, r, s.opt.MaxBodyBytes)
	}
	if aerr != nil {
		aerr.write(w)
		return
	}
	res, err := s.evaluateCart(g, body, ids, explain, "rest")
	if err != nil {
		var ie *engine.InputError
		if errors.As(err, &ie) {
			writeError(w, http.StatusBadRequest, codeInvalidInput, err.Error(), ie.Field)
			return
		}
		panic(err) // the engine has no other errors; the outer layer answers 500
	}
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.Debug("evaluation", "request_id", info(r).id, "version", g.Version,
			"applied", appliedIDs(res), "segments", len(ids), "explain", explain)
	}
	writeJSON(w, http.StatusOK, res)
}

// evaluateCart decodes and prices a cart with generation g, adding the
// membership ids to the cart's own segments, and counts it in the metrics.
// The error is an *engine.InputError for a cart that cannot be priced.
func (s *Server) evaluateCart(g *engine.Generation, body []byte, ids []string, explain bool, api string) (*engine.Result, error) {
	p := g.Program
	cart, err := engine.DecodeCart(body, p.CartDefaults())
	if err == nil {
		cart.Segments = union(cart.Segments, ids)
		var res *engine.Result
		if res, err = p.Evaluate(cart, engine.Options{Explain: explain}); err == nil {
			s.metrics.evaluated(api, res)
			return res, nil
		}
	}
	s.metrics.evaluations.WithLabelValues(api, "invalid").Inc()
	return nil, err
}

// boolParam reads an optional true/false query parameter.
func boolParam(r *http.Request, name string) (bool, *apiError) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &apiError{status: http.StatusBadRequest, Code: codeInvalidInput,
			Message: fmt.Sprintf("query parameter %s is %q: want true or false", name, v), Field: "query:" + name}
	}
	return b, nil
}

func notReady(w http.ResponseWriter) {
	writeError(w, http.StatusServiceUnavailable, codeNotReady, "no rule set is loaded yet", "")
}

// union appends to a the ids of b it does not hold yet.
func union(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	seen := make(map[string]bool, len(a)+len(b))
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			seen[s] = true
			a = append(a, s)
		}
	}
	return a
}

func appliedIDs(res *engine.Result) []string {
	ids := make([]string, len(res.AppliedRules))
	for i, a := range res.AppliedRules {
		ids[i] = a.ID
	}
	return ids
}
