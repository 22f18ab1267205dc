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

// This file is how the REST API read request bodies before it parsed each
// once: encoding/json split the placement fields from the cart's, and the
// cart decoder parsed what was left again. It is kept as the oracle of the
// differential tests in decision_test.go; its names carry the prefix v1.

// member is one member of a JSON object.
type v1member struct {
	name  string
	value json.RawMessage
}

// members returns the members of the JSON object body in order, or false
// when body is not one well-formed JSON object (the cart decoder says what
// is wrong with it then).
func v1members(body []byte) ([]v1member, bool) {
	if !utf8.Valid(body) || !json.Valid(body) {
		return nil, false
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	_, _ = dec.Token() // '{': body is a valid object
	var out []v1member
	for dec.More() {
		tok, _ := dec.Token()
		name, _ := tok.(string)
		var v json.RawMessage
		_ = dec.Decode(&v)
		out = append(out, v1member{name, v})
	}
	return out, true
}

// splitCart takes the placement fields out of the body of POST
// /v1/cart/evaluate, which the cart decoder would reject as unknown, and
// returns the rest for it. A body without them is returned as is, byte for
// byte; one that is not a well-formed object too, for the cart decoder to
// judge.
func v1splitCart(body []byte) (map[string]json.RawMessage, []byte, error) {
	ms, ok := v1members(body)
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
func v1placementOptions(f map[string]json.RawMessage, opt *engine.Options) error {
	if v, ok := f["placements"]; ok && v1kindOf(v) != "null" {
		ids, err := v1stringArray("placements", v, maxPlacements, "placements")
		if err != nil {
			return err
		}
		opt.Placements = ids
	}
	if v, ok := f["visitor_id"]; ok && v1kindOf(v) != "null" {
		if v1kindOf(v) != "a string" {
			return v1typeError("visitor_id", "a string", v)
		}
		var s string
		_ = json.Unmarshal(v, &s) // a checked string literal
		if err := checkVisitor("visitor_id", s); err != nil {
			return err
		}
		opt.VisitorID = s
	}
	if v, ok := f["view"]; ok && v1kindOf(v) != "null" {
		if v1kindOf(v) != "a number" {
			return v1typeError("view", "a number", v)
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
		if err := checkView("view", n, err == nil); err != nil {
			return err
		}
		opt.View = int(n)
	}
	return nil
}

// blocksDecision reads the body of POST /v1/blocks: {placements, cart,
// segments, visitor_id, view}. placements is required; cart is optional.
func v1blocksDecision(body []byte, p *engine.Program) (*decision, error) {
	ms, ok := v1members(body)
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
	if v, ok := f["placements"]; !ok || v1kindOf(v) == "null" {
		return nil, &engine.InputError{Field: "placements", Message: "required: a list of the placement ids to fill" + placementList(p)}
	}
	if err := v1placementOptions(f, &d.opt); err != nil {
		return nil, err
	}
	if d.opt.Placements == nil {
		d.opt.Placements = []string{}
	}
	if v, ok := f["segments"]; ok && v1kindOf(v) != "null" {
		ids, err := v1stringArray("segments", v, 1000, "segments")
		if err != nil {
			return nil, err
		}
		d.ids = ids
	}
	if v, ok := f["cart"]; ok && v1kindOf(v) != "null" {
		if v1kindOf(v) != "an object" {
			return nil, v1typeError("cart", "an object: the cart JSON contract", v)
		}
		d.cart = v
	}
	return d, nil
}

// stringArray reads a JSON array of at most limit strings.
func v1stringArray(path string, v json.RawMessage, limit int, what string) ([]string, error) {
	if v1kindOf(v) != "an array" {
		return nil, v1typeError(path, "an array of strings", v)
	}
	var elems []json.RawMessage
	_ = json.Unmarshal(v, &elems) // a checked array
	if len(elems) > limit {
		return nil, &engine.InputError{Field: path, Message: fmt.Sprintf("more than %d %s, the most ruled accepts", limit, what)}
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if v1kindOf(e) != "a string" {
			return nil, v1typeError(fmt.Sprintf("%s[%d]", path, i), "a string", e)
		}
		_ = json.Unmarshal(e, &out[i])
	}
	return out, nil
}

// kindOf names the JSON type of a well-formed value, with its article, as
// the cart decoder does in its messages.
func v1kindOf(v json.RawMessage) string {
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

func v1typeError(path, want string, v json.RawMessage) *engine.InputError {
	return &engine.InputError{Field: path, Message: fmt.Sprintf("want %s, got %s", want, v1kindOf(v))}
}
