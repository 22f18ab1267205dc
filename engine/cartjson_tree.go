package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ruled/ruled/diag"
)

// This file is the JSON plumbing of the cart contract. One json.Decoder
// reads the body once, token by token, into a small tree that keeps what
// encoding/json's own decoding would lose and the checks in cartjson.go
// need: each object's members in document order, duplicates included, and
// each number's exact text. The checks then walk the tree one level at a
// time, so that every problem can be named by its path.

// jsonKind is the JSON type of a value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is one value of a well-formed document. Only the fields of its
// kind are set.
type jsonValue struct {
	kind   jsonKind
	truth  bool        // a boolean's value
	text   string      // a string's value, or a number's text as written
	elems  []jsonValue // an array's elements
	fields []field     // an object's members in document order, duplicates kept
}

// field is one member of a JSON object.
type field struct {
	name  string
	value jsonValue
}

// maxDepth is the nesting limit of encoding/json's scanner. The walk stops
// at the same depth, so that it accepts exactly the documents
// Decoder.Decode accepts, and malformed then explains the rejection.
const maxDepth = 10000

var errTooDeep = errors.New("exceeded max depth")

// document checks that data is one well-formed JSON value with nothing after
// it, and returns that value.
func document(data []byte) (jsonValue, error) {
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return jsonValue{}, inputErr("", "the body is not valid UTF-8 at %s", where(data, i))
	}
	dec := newDecoder(data)
	body, err := walk(dec)
	if err != nil {
		return jsonValue{}, malformed(data, err)
	}
	end := int(dec.InputOffset())
	if i := bytes.IndexFunc(data[end:], func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }); i >= 0 {
		return jsonValue{}, inputErr("", "unexpected data after the JSON object at %s", where(data, end+i))
	}
	return body, nil
}

// open is an array or object whose end the walk has not reached yet.
type open struct {
	object bool
	base   int    // where its children start on the walk's stack of them
	keyed  bool   // an object's member name has been read, its value not yet
	key    string // that name
}

// walk reads one JSON value from dec, which has UseNumber set, with one
// pass of Token. The delimiters Token returns are properly nested and each object
// alternates names and values, so the walk only keeps a stack of the
// arrays and objects it is in, and each one's children on a shared stack
// until its end copies them out.
func walk(dec *json.Decoder) (jsonValue, error) {
	var (
		opens  = make([]open, 0, 8)
		elems  = make([]jsonValue, 0, 16) // elements of the open arrays, innermost last
		fields = make([]field, 0, 32)     // members of the open objects, innermost last
	)
	for {
		t, err := dec.Token()
		if err != nil {
			return jsonValue{}, err
		}
		var v jsonValue
		switch t := t.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(opens) == maxDepth {
					return jsonValue{}, errTooDeep
				}
				o := open{object: t == '{', base: len(elems)}
				if o.object {
					o.base = len(fields)
				}
				opens = append(opens, o)
				continue
			case '}':
				o := opens[len(opens)-1]
				opens = opens[:len(opens)-1]
				v = jsonValue{kind: jsonObject, fields: slices.Clone(fields[o.base:])}
				fields = fields[:o.base]
			case ']':
				o := opens[len(opens)-1]
				opens = opens[:len(opens)-1]
				v = jsonValue{kind: jsonArray, elems: slices.Clone(elems[o.base:])}
				elems = elems[:o.base]
			}
		case string:
			if n := len(opens); n > 0 && opens[n-1].object && !opens[n-1].keyed {
				opens[n-1].keyed, opens[n-1].key = true, t
				continue
			}
			v = jsonValue{kind: jsonString, text: t}
		case json.Number:
			v = jsonValue{kind: jsonNumber, text: string(t)}
		case bool:
			v = jsonValue{kind: jsonBool, truth: t}
		case nil:
			// v is null, the zero jsonValue.
		default:
			// Not reached: with UseNumber, Token returns no other type.
			return jsonValue{}, fmt.Errorf("unexpected token %v of type %T", t, t)
		}
		if len(opens) == 0 {
			return v, nil
		}
		if o := &opens[len(opens)-1]; o.object {
			fields = append(fields, field{o.key, v})
			o.keyed, o.key = false, ""
		} else {
			elems = append(elems, v)
		}
	}
}

// malformed describes why data, which walk rejected, is not one JSON value.
// It asks Decoder.Decode, whose errors are the contract's (Token reports
// other words and offsets for the same faults). Only a bad body reads its
// bytes twice.
func malformed(data []byte, walkErr error) *InputError {
	var body json.RawMessage
	err := newDecoder(data).Decode(&body)
	var se *json.SyntaxError
	switch {
	case err == nil:
		// Not reached: Token and Decode accept the same documents.
		err = walkErr
	case errors.Is(err, io.EOF):
		return inputErr("", "the body is empty; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return inputErr("", "malformed JSON: unexpected end of input at %s", where(data, len(data)))
	case errors.As(err, &se):
		return inputErr("", "malformed JSON at %s: %s", where(data, int(se.Offset)-1), se)
	}
	return inputErr("", "malformed JSON: %s", err)
}

// where describes byte offset off of data as "line L, column C (byte offset
// off)"; lines and columns count from 1, columns in bytes.
func where(data []byte, off int) string {
	off = max(0, min(off, len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Sprintf("line %d, column %d (byte offset %d)", line, col, off)
}

func newDecoder(b []byte) *json.Decoder {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d
}

// kind names the JSON type of v, with its article, for messages.
func kind(v *jsonValue) string {
	switch v.kind {
	case jsonObject:
		return "an object"
	case jsonArray:
		return "an array"
	case jsonString:
		return "a string"
	case jsonBool:
		return "a boolean"
	case jsonNull:
		return "null"
	}
	return "a number"
}

func typeErr(path, want string, v *jsonValue) *InputError {
	return inputErr(path, "want %s, got %s", want, kind(v))
}

// members returns the members of the object v in document order, rejecting
// a name given twice: encoding/json would keep the last silently, and two
// readers of one body must not see different carts. Duplicates are looked
// for here, when the checks reach the object, rather than by walk, so that
// they are reported in the checks' fixed order like every other problem.
func members(path string, v *jsonValue) ([]field, error) {
	if v.kind != jsonObject {
		return nil, typeErr(path, "an object", v)
	}
	if i := firstDuplicate(v.fields); i >= 0 {
		return nil, inputErr(diag.Member(path, v.fields[i].name), "duplicate field")
	}
	return v.fields, nil
}

// firstDuplicate returns the index of the first member whose name an
// earlier member has, or -1.
func firstDuplicate(fs []field) int {
	// The objects of a cart are small, and comparing each name with the
	// ones before it is cheaper than a map; past a few names, a map keeps a
	// large (or hostile) object linear.
	if len(fs) <= 16 {
		for i := 1; i < len(fs); i++ {
			for j := range i {
				if fs[j].name == fs[i].name {
					return i
				}
			}
		}
		return -1
	}
	seen := make(map[string]bool, len(fs))
	for i, f := range fs {
		if seen[f.name] {
			return i
		}
		seen[f.name] = true
	}
	return -1
}

// object is the members of an object that has passed checkObject: allowed
// names, each at most once.
type object []field

// checkObject returns the members of the object v, rejecting names not in
// allowed.
func checkObject(path string, v *jsonValue, allowed []string) (object, error) {
	fs, err := members(path, v)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if !slices.Contains(allowed, f.name) {
			msg := "unknown field"
			if s := suggest(f.name, allowed); s != "" {
				msg += fmt.Sprintf(", did you mean %q?", s)
			}
			return nil, inputErr(diag.Member(path, f.name), "%s (allowed: %s)", msg, strings.Join(allowed, ", "))
		}
	}
	return object(fs), nil
}

// get returns the member name, or nil when it is absent or null (not given).
func (o object) get(name string) *jsonValue {
	for i := range o {
		if o[i].name == name {
			if o[i].value.kind == jsonNull {
				return nil
			}
			return &o[i].value
		}
	}
	return nil
}

// suggest is diag.Suggest, falling back to the one allowed name that starts
// with what was written ("coupon" for "coupon_code"), which edit distance
// alone finds too far.
func suggest(name string, allowed []string) string {
	if s := diag.Suggest(name, allowed); s != "" {
		return s
	}
	if len(name) < 3 {
		return ""
	}
	found := ""
	for _, a := range allowed {
		if strings.HasPrefix(strings.ToLower(a), strings.ToLower(name)) {
			if found != "" {
				return ""
			}
			found = a
		}
	}
	return found
}

// array returns the elements of the array v, at most limit of them.
func array(path string, v *jsonValue, limit int, what string) ([]jsonValue, error) {
	if v.kind != jsonArray {
		return nil, typeErr(path, "an array", v)
	}
	if len(v.elems) > limit {
		return nil, inputErr(path, "more than %d %s, the most ruled accepts", limit, what)
	}
	return v.elems, nil
}

// stringList reads an array of strings; an empty array gives nil.
func stringList(path string, v *jsonValue) ([]string, error) {
	elems, err := array(path, v, maxList, "values")
	if err != nil || len(elems) == 0 {
		return nil, err
	}
	l := make([]string, len(elems))
	for i := range elems {
		if elems[i].kind != jsonString {
			return nil, typeErr(diag.Index(path, i), "a string", &elems[i])
		}
		l[i] = elems[i].text
	}
	return l, nil
}

// optString returns the string member name of the object o at path, or ""
// when it is not given.
func optString(o object, path, name string) (string, error) {
	v := o.get(name)
	if v == nil {
		return "", nil
	}
	if v.kind != jsonString {
		return "", typeErr(diag.Member(path, name), "a string", v)
	}
	return v.text, nil
}

// quote quotes s for a message, clipped to a readable length.
func quote(s string) string { return strconv.Quote(clip(s)) }

// clip shortens s to about 40 bytes, on a rune boundary, marking the cut.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
