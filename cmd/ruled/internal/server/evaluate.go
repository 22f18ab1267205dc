package server

import (
	"errors"
	"fmt"
	"github.com/ruled/ruled/membership"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
)

// evaluate answers POST /v1/cart/evaluate: the cart JSON contract in, the
// evaluation JSON out; ?explain=true adds the per-rule explanation. Beside
// the cart's fields the body may ask for dynamic blocks (placements,
// visitor_id, view), so that one call prices the cart and chooses its
// banners; the answer then has "blocks".
func (s *Server) evaluate(w http.ResponseWriter, r *http.Request) {
	g, t := s.load() // this request's rule set and keys, to the end
	if g == nil {
		notReady(w)
		return
	}
	d, ok := s.readDecision(w, r, t)
	if !ok {
		return
	}
	defer d.release()
	err := evaluateBody(d.body, &d.decision)
	var res *engine.Result
	if err == nil {
		res, err = s.decide(g, &d.decision, "rest")
	}
	if err != nil {
		inputError(w, allowPlacementFields(err))
		return
	}
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.Debug("evaluation", "request_id", info(r).id, "version", g.Version,
			"applied", appliedIDs(res), "segments", len(d.ids), "explain", d.opt.Explain, "placements", d.opt.Placements)
	}
	writeJSON(w, http.StatusOK, res)
	res.Release() // written: the next evaluation may reuse its memory
}

// request is a decision request as read from HTTP, before its body is
// parsed.
type request struct {
	decision
	body []byte
	buf  *pooledBody // body's buffer
}

// release hands back the request's pooled memory, its body and its parse,
// once it is answered: nothing kept of the request refers to either.
func (d *request) release() {
	d.decision.release()
	d.buf.release()
	d.body, d.buf = nil, nil
}

// readDecision reads what every decision request carries: ?explain, a JSON
// body within the size limit, and the membership header or cookie. On a
// problem it answers the request and returns false.
func (s *Server) readDecision(w http.ResponseWriter, r *http.Request, t *Trust) (*request, bool) {
	d := &request{}
	var aerr *apiError
	d.opt.Explain, aerr = boolParam(r, "explain")
	if aerr == nil {
		aerr = requireJSON(r)
	}
	if aerr == nil {
		d.who, aerr = s.membershipOf(r, t)
		d.ids = d.who.ids
	}
	if aerr == nil {
		if d.buf, aerr = readPooledBody(w, r, s.opt.MaxBodyBytes); aerr == nil {
			d.body = d.buf.data
		}
	}
	if aerr != nil {
		aerr.write(w)
		return nil, false
	}
	return d, true
}

// allowPlacementFields adds the placement fields to the cart decoder's
// message about an unknown top-level field of POST /v1/cart/evaluate, and
// suggests among all the fields the body may have ("placement" is a typo
// for placements, not for payment).
func allowPlacementFields(err error) error {
	var ie *engine.InputError
	if !errors.As(err, &ie) || strings.ContainsAny(ie.Field, ".[") || !strings.HasPrefix(ie.Message, "unknown field") {
		return err
	}
	i := strings.LastIndex(ie.Message, "(allowed: ")
	if i < 0 || !strings.HasSuffix(ie.Message, ")") {
		return err
	}
	allowed := append(strings.Split(ie.Message[i+len("(allowed: "):len(ie.Message)-1], ", "), placementFields...)
	msg := strings.TrimSpace(ie.Message[:i]) // the decoder's, with its suggestion
	if s := diag.Suggest(ie.Field, allowed); slices.Contains(placementFields, s) {
		msg = fmt.Sprintf("unknown field, did you mean %q?", s)
	}
	return &engine.InputError{Field: ie.Field, Message: fmt.Sprintf("%s (allowed: %s)", msg, strings.Join(allowed, ", "))}
}

// inputError answers a request the engine or the body decoders rejected.
func inputError(w http.ResponseWriter, err error) {
	var ie *engine.InputError
	if errors.As(err, &ie) {
		writeError(w, http.StatusBadRequest, codeInvalidInput, err.Error(), ie.Field)
		return
	}
	if writeStoreDown(w, err) {
		return
	}
	panic(err) // the engine has no other errors; the outer layer answers 500
}

// decide decodes d's cart (an empty one when there is none), adds the
// membership ids to its segments, evaluates it with generation g, and
// counts it in the metrics. Evaluations without a date of their own are at
// the server's clock. The error is an *engine.InputError for a request that
// cannot be answered, its Field the path in the request.
func (s *Server) decide(g *engine.Generation, d *decision, api string) (*engine.Result, error) {
	p := g.Program
	opt := d.opt
	opt.Now = s.opt.Now()
	var view *usageView
	if s.opt.Store != nil {
		v, done := s.usageView()
		defer done()
		view, opt.Limits = v, v
	} else if s.limited(p) {
		// No store to count with: the rules with limits are left out and
		// explained, never applied unchecked.
		opt.Limits = noStore{}
	}
	cart, err := d.decodeCart(p.CartDefaults())
	if err == nil {
		if d.who.untrusted {
			cart.Segments, cart.Customer.Group = nil, d.who.group()
		}
		cart.Segments = membership.Union(cart.Segments, d.ids)
		var res *engine.Result
		err = s.withinLimits(cart)
		if err == nil {
			res, err = p.Evaluate(cart, opt)
		}
		if err == nil {
			if err := s.failClosed(p, view); err != nil {
				s.metrics.evaluations.WithLabelValues(api, "store_unavailable").Inc()
				return nil, err
			}
			res.Membership = d.who.status(opt.Explain)
			s.metrics.evaluated(api, cart.Currency, res)
			if s.opt.Record != nil && (d.cart != nil || d.body.Exists()) { // a cart was sent
				s.opt.Record(cart, opt)
			}
			return res, nil
		}
	}
	s.metrics.evaluations.WithLabelValues(api, "invalid").Inc()
	return nil, d.inRequest(err)
}

// withinLimits refuses a cart with more lines or segments than the server
// takes (--max-items, --max-segments).
func (s *Server) withinLimits(c *engine.Cart) error {
	if len(c.Items) > s.opt.MaxItems {
		return &engine.InputError{Field: "items", Message: fmt.Sprintf("%d items, more than the limit of %d", len(c.Items), s.opt.MaxItems)}
	}
	if len(c.Segments) > s.opt.MaxSegments {
		return &engine.InputError{Field: "segments", Message: fmt.Sprintf("%d segment ids (membership and body together), more than the limit of %d", len(c.Segments), s.opt.MaxSegments)}
	}
	return nil
}

// inRequest places an error about d's cart at the cart's path in the
// request.
func (d *decision) inRequest(err error) error {
	var ie *engine.InputError
	if errors.As(err, &ie) && d.cartPath != "" && !strings.HasPrefix(ie.Field, "placements") {
		field := strings.TrimSuffix(d.cartPath, ".")
		if ie.Field != "" {
			field = d.cartPath + ie.Field
		}
		return &engine.InputError{Field: field, Message: ie.Message}
	}
	return err
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

func appliedIDs(res *engine.Result) []string {
	ids := make([]string, len(res.AppliedRules))
	for i, a := range res.AppliedRules {
		ids[i] = a.ID
	}
	return ids
}
