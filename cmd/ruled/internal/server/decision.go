package server

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/engine"
)

// This file reads the parts of a request body that are not the cart: which
// placements to fill and for whom (placements, visitor_id, view), and, on
// POST /v1/blocks, the cart and segments beside them. Problems are
// *engine.InputError values naming the field by its JSON path, as the cart
// decoder names cart fields, so that both APIs answer them alike.

// Sanity bounds of the placement fields.
const (
	maxPlacements = 100 // placements asked for in one request
	maxVisitorID  = 256 // bytes of a visitor id
	maxView       = 1<<31 - 1
)

// Placement fields of a request body, beside the cart's or the cart itself.
var (
	placementFields = []string{"placements", "visitor_id", "view"}
	blocksFields    = []string{"placements", "cart", "segments", "visitor_id", "view"}
)

// decision is what one request asks the engine: a cart, the shopper's
// membership and the placements to fill.
type decision struct {
	// cart is the cart JSON contract; nil means an empty cart (website
	// base, group guest), as for a shopper who has none yet. The GraphQL
	// API sets it; REST sets body instead.
	cart []byte
	// body is the cart as a value of the REST request body, which was
	// parsed once for everything it holds (when it Exists); others are the members of
	// that object that are the request's, not the cart's. bodyErr is why
	// the body could not be parsed: the cart decoder's words, answered
	// (and counted) as a rejected cart.
	body    engine.JSONValue
	others  []string
	bodyErr error
	// json is the parse of the REST body that body is a value of, when
	// the decision parsed it (evaluateBody), for release.
	json *engine.JSON
	// cartPath prefixes the paths of the cart's fields in errors: "" when
	// the cart is the body, "cart." when it is a member of it.
	cartPath string
	// ids are segment ids from the membership header or cookie, and from
	// the body beside the cart; they are added to the cart's own.
	ids []string
	// who is what the request's membership says of the shopper.
	who shopper
	opt engine.Options
}

// decodeCart decodes d's cart with the defaults of the program at hand.
func (d *decision) decodeCart(def engine.CartDefaults) (*engine.Cart, error) {
	switch {
	case d.bodyErr != nil:
		return nil, d.bodyErr
	case d.body.Exists():
		return d.body.DecodeCart(def, d.others)
	case d.cart != nil:
		return engine.DecodeCart(d.cart, def)
	}
	return engine.DecodeCart([]byte("{}"), def)
}

// evaluateBody reads the body of POST /v1/cart/evaluate into d, parsing it
// once: the placement fields beside the cart's into d.opt, and the object
// as the cart, for decide, which skips the placement fields. A body that
// is not JSON is the cart decoder's to answer, as every other problem
// with the cart is. The parse reads body in place: body must not change
// until d is released.
func evaluateBody(body []byte, d *decision) error {
	j, err := engine.ParseJSON(body)
	if err != nil {
		d.bodyErr = err
		return nil
	}
	d.json = j
	d.body, d.others = j.Root(), placementFields
	var found [3]engine.JSONValue // by placementFields
	if err := d.body.Fields(placementFields, found[:]); err != nil {
		return err
	}
	taken := map[string]engine.JSONValue{}
	for k, v := range found {
		if v.Exists() {
			taken[placementFields[k]] = v
		}
	}
	return placementOptions(taken, &d.opt)
}

// release hands back the parse d read its body from, if any: the cart and
// the placement options it decoded are copies and stay valid.
func (d *decision) release() {
	d.json.Release()
	d.json, d.body = nil, engine.JSONValue{}
}

// placementOptions reads placements, visitor_id and view into opt.
func placementOptions(f map[string]engine.JSONValue, opt *engine.Options) error {
	if v, ok := f["placements"]; ok && !v.IsNull() {
		ids, err := stringArray("placements", v, maxPlacements, "placements")
		if err != nil {
			return err
		}
		opt.Placements = ids
	}
	if v, ok := f["visitor_id"]; ok && !v.IsNull() {
		if !v.IsString() {
			return typeError("visitor_id", "a string", v)
		}
		if err := checkVisitor("visitor_id", v.Text()); err != nil {
			return err
		}
		opt.VisitorID = v.Text()
	}
	if v, ok := f["view"]; ok && !v.IsNull() {
		if !v.IsNumber() {
			return typeError("view", "a number", v)
		}
		n, err := strconv.ParseInt(v.Text(), 10, 64)
		if err := checkView("view", n, err == nil); err != nil {
			return err
		}
		opt.View = int(n)
	}
	return nil
}

func checkVisitor(field, s string) error {
	if len(s) > maxVisitorID {
		return &engine.InputError{Field: field, Message: fmt.Sprintf("is %d bytes long, more than the %d ruled accepts", len(s), maxVisitorID)}
	}
	return nil
}

func checkView(field string, n int64, whole bool) error {
	if !whole || n < 0 || n > maxView {
		return &engine.InputError{Field: field, Message: fmt.Sprintf("want a whole number from 0 to %d: the storefront's view counter", maxView)}
	}
	return nil
}

// blocksDecision reads the body of POST /v1/blocks, parsed once: {placements,
// cart, segments, visitor_id, view}. placements is required; cart is
// optional.
func blocksDecision(body engine.JSONValue, p *engine.Program) (*decision, error) {
	if !body.IsObject() {
		return nil, &engine.InputError{Message: "the body must be a JSON object, got " + body.Kind()}
	}
	f := map[string]engine.JSONValue{}
	for name, v := range body.Members() {
		switch _, dup := f[name]; {
		case !slices.Contains(blocksFields, name):
			msg := "unknown field"
			if s := diag.Suggest(name, blocksFields); s != "" {
				msg += fmt.Sprintf(", did you mean %q?", s)
			}
			return nil, &engine.InputError{Field: name, Message: fmt.Sprintf("%s (allowed: %s)", msg, strings.Join(blocksFields, ", "))}
		case dup:
			return nil, &engine.InputError{Field: name, Message: "duplicate field"}
		}
		f[name] = v
	}
	d := &decision{cartPath: "cart."}
	if v, ok := f["placements"]; !ok || v.IsNull() {
		return nil, &engine.InputError{Field: "placements", Message: "required: a list of the placement ids to fill" + placementList(p)}
	}
	if err := placementOptions(f, &d.opt); err != nil {
		return nil, err
	}
	if d.opt.Placements == nil {
		d.opt.Placements = []string{}
	}
	if v, ok := f["segments"]; ok && !v.IsNull() {
		ids, err := stringArray("segments", v, 1000, "segments")
		if err != nil {
			return nil, err
		}
		d.ids = ids
	}
	if v, ok := f["cart"]; ok && !v.IsNull() {
		if !v.IsObject() {
			return nil, typeError("cart", "an object: the cart JSON contract", v)
		}
		d.body = v
	}
	return d, nil
}

// placementList names (some of) the placements of p, for messages.
func placementList(p *engine.Program) string {
	pls := p.Placements()
	if len(pls) == 0 {
		return " (the rule set has no placements)"
	}
	ids := make([]string, 0, min(len(pls), 5))
	for _, pl := range pls[:min(len(pls), 5)] {
		ids = append(ids, strconv.Quote(pl.ID))
	}
	more := ""
	if len(pls) > 5 {
		more = ", …"
	}
	return fmt.Sprintf(" (the rule set has %s%s)", strings.Join(ids, ", "), more)
}

// stringArray reads a JSON array of at most limit strings.
func stringArray(path string, v engine.JSONValue, limit int, what string) ([]string, error) {
	if !v.IsArray() {
		return nil, typeError(path, "an array of strings", v)
	}
	if v.Len() > limit {
		return nil, &engine.InputError{Field: path, Message: fmt.Sprintf("more than %d %s, the most ruled accepts", limit, what)}
	}
	out := make([]string, v.Len())
	for i, e := range v.Elems() {
		if !e.IsString() {
			return nil, typeError(fmt.Sprintf("%s[%d]", path, i), "a string", e)
		}
		out[i] = e.Text()
	}
	return out, nil
}

// typeError names the JSON type of v as the cart decoder does in its
// messages.
func typeError(path, want string, v engine.JSONValue) *engine.InputError {
	return &engine.InputError{Field: path, Message: fmt.Sprintf("want %s, got %s", want, v.Kind())}
}
