package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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
	// base, group guest), as for a shopper who has none yet.
	cart []byte
	// cartPath prefixes the paths of the cart's fields in errors: "" when
	// the cart is the body, "cart." when it is a member of it.
	cartPath string
	// ids are segment ids from the membership header or cookie, and from
	// the body beside the cart; they are added to the cart's own.
	ids []string
	opt engine.Options
}

// member is one member of a JSON object.
type member struct {
	name  string
	value json.RawMessage
}

// members returns the members of the JSON object body in order, or false
// when body is not one well-formed JSON object (the cart decoder says what
// is wrong with it then).
func members(body []byte) ([]member, bool) {
	if !utf8.Valid(body) || !json.Valid(body) {
		return nil, false
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	_, _ = dec.Token() // '{': body is a valid object
	var out []member
	for dec.More() {
		tok, _ := dec.Token()
		name, _ := tok.(string)
		var v json.RawMessage
		_ = dec.Decode(&v)
		out = append(out, member{name, v})
	}
	return out, true
}

// splitCart takes the placement fields out of the body of POST
// /v1/cart/evaluate, which the cart decoder would reject as unknown, and
// returns the rest for it. A body without them is returned as is, byte for
// byte; one that is not a well-formed object too, for the cart decoder to
// judge.
func splitCart(body []byte) (map[string]json.RawMessage, []byte, error) {
	ms, ok := members(body)
	if !ok {
		return nil, body, nil
	}
	taken := map[string]json.RawMessage{}
	var rest bytes.Buffer
	rest.WriteByte('{')
	kept := 0
	for _, m := range ms {
		if slices.Contains(placementFields, m.name) {
			if _, dup := taken[m.name]; dup {
				return nil, nil, &engine.InputError{Field: m.name, Message: "duplicate field"}
			}
			taken[m.name] = m.value
			continue
		}
		if kept > 0 {
			rest.WriteByte(',')
		}
		key, _ := json.Marshal(m.name) // a string always marshals
		rest.Write(key)
		rest.WriteByte(':')
		rest.Write(m.value)
		kept++
	}
	if len(taken) == 0 {
		return taken, body, nil
	}
	rest.WriteByte('}')
	return taken, rest.Bytes(), nil
}

// placementOptions reads placements, visitor_id and view into opt.
func placementOptions(f map[string]json.RawMessage, opt *engine.Options) error {
	if v, ok := f["placements"]; ok && kindOf(v) != "null" {
		ids, err := stringArray("placements", v, maxPlacements, "placements")
		if err != nil {
			return err
		}
		opt.Placements = ids
	}
	if v, ok := f["visitor_id"]; ok && kindOf(v) != "null" {
		if kindOf(v) != "a string" {
			return typeError("visitor_id", "a string", v)
		}
		var s string
		_ = json.Unmarshal(v, &s) // a checked string literal
		if err := checkVisitor("visitor_id", s); err != nil {
			return err
		}
		opt.VisitorID = s
	}
	if v, ok := f["view"]; ok && kindOf(v) != "null" {
		if kindOf(v) != "a number" {
			return typeError("view", "a number", v)
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
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

// blocksDecision reads the body of POST /v1/blocks: {placements, cart,
// segments, visitor_id, view}. placements is required; cart is optional.
func blocksDecision(body []byte, p *engine.Program) (*decision, error) {
	ms, ok := members(body)
	if !ok {
		// Not one well-formed object: the cart decoder's message says
		// what is wrong and where, as for POST /v1/cart/evaluate.
		_, err := engine.DecodeCart(body, p.CartDefaults())
		if err == nil {
			err = &engine.InputError{Message: "the body must be a JSON object"}
		}
		return nil, err
	}
	f := map[string]json.RawMessage{}
	for _, m := range ms {
		switch _, dup := f[m.name]; {
		case !slices.Contains(blocksFields, m.name):
			msg := "unknown field"
			if s := diag.Suggest(m.name, blocksFields); s != "" {
				msg += fmt.Sprintf(", did you mean %q?", s)
			}
			return nil, &engine.InputError{Field: m.name, Message: fmt.Sprintf("%s (allowed: %s)", msg, strings.Join(blocksFields, ", "))}
		case dup:
			return nil, &engine.InputError{Field: m.name, Message: "duplicate field"}
		}
		f[m.name] = m.value
	}
	d := &decision{cartPath: "cart."}
	if v, ok := f["placements"]; !ok || kindOf(v) == "null" {
		return nil, &engine.InputError{Field: "placements", Message: "required: a list of the placement ids to fill" + placementList(p)}
	}
	if err := placementOptions(f, &d.opt); err != nil {
		return nil, err
	}
	if d.opt.Placements == nil {
		d.opt.Placements = []string{}
	}
	if v, ok := f["segments"]; ok && kindOf(v) != "null" {
		ids, err := stringArray("segments", v, 1000, "segments")
		if err != nil {
			return nil, err
		}
		d.ids = ids
	}
	if v, ok := f["cart"]; ok && kindOf(v) != "null" {
		if kindOf(v) != "an object" {
			return nil, typeError("cart", "an object: the cart JSON contract", v)
		}
		d.cart = v
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
func stringArray(path string, v json.RawMessage, limit int, what string) ([]string, error) {
	if kindOf(v) != "an array" {
		return nil, typeError(path, "an array of strings", v)
	}
	var elems []json.RawMessage
	_ = json.Unmarshal(v, &elems) // a checked array
	if len(elems) > limit {
		return nil, &engine.InputError{Field: path, Message: fmt.Sprintf("more than %d %s, the most ruled accepts", limit, what)}
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if kindOf(e) != "a string" {
			return nil, typeError(fmt.Sprintf("%s[%d]", path, i), "a string", e)
		}
		_ = json.Unmarshal(e, &out[i])
	}
	return out, nil
}

// kindOf names the JSON type of a well-formed value, with its article, as
// the cart decoder does in its messages.
func kindOf(v json.RawMessage) string {
	v = bytes.TrimLeft(v, " \t\r\n")
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func typeError(path, want string, v json.RawMessage) *engine.InputError {
	return &engine.InputError{Field: path, Message: fmt.Sprintf("want %s, got %s", want, kindOf(v))}
}
