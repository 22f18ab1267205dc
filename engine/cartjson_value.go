package engine

import (
	"bytes"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ruled/ruled/diag"
)

// This file is how the checks, and a server reading the members it owns,
// walk a parsed body: values, objects with their members in document order,
// arrays, and the words messages use for them.

// JSONValue is one value of a parsed body, as Root, Elems and Members give
// it (the zero JSONValue is none). Its methods read the tape; none parses
// anything.
type JSONValue struct {
	j *JSON
	i int32
}

// Root returns the body's value.
func (j *JSON) Root() JSONValue { return JSONValue{j, 0} }

func (v JSONValue) node() *node { return &v.j.nodes[v.i] }

// Kind names the JSON type of v, with its article, as messages do: "an
// object", "an array", "a string", "a number", "a boolean" or "null".
func (v JSONValue) Kind() string {
	switch v.node().kind {
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

// IsNull reports whether v is null.
func (v JSONValue) IsNull() bool { return v.node().kind == jsonNull }

// IsObject reports whether v is an object.
func (v JSONValue) IsObject() bool { return v.node().kind == jsonObject }

// IsArray reports whether v is an array.
func (v JSONValue) IsArray() bool { return v.node().kind == jsonArray }

// IsString reports whether v is a string.
func (v JSONValue) IsString() bool { return v.node().kind == jsonString }

// IsNumber reports whether v is a number.
func (v JSONValue) IsNumber() bool { return v.node().kind == jsonNumber }

// Text is a string's value, or a number's text as written ("1.50", "2e3");
// "" for other kinds. It is a copy, which stays valid after Release.
func (v JSONValue) Text() string { return string(v.text()) }

// text is Text without the copy: the body's bytes, or the unescaped
// value's, valid until Release and never to be kept or modified.
func (v JSONValue) text() []byte {
	switch nd := v.node(); {
	case nd.esc:
		return v.j.esc[nd.off:nd.end]
	case nd.kind == jsonString || nd.kind == jsonNumber:
		return v.j.src[nd.off:nd.end]
	}
	return nil
}

// is reports whether v is a string (or a member's name) that is s.
func (v JSONValue) is(s string) bool { return string(v.text()) == s }

// Len is the number of an array's elements or an object's members, 0 for
// other kinds.
func (v JSONValue) Len() int {
	if nd := v.node(); nd.kind == jsonArray || nd.kind == jsonObject {
		return int(nd.off)
	}
	return 0
}

// after is the index of the node after the value at i and its children.
func (j *JSON) after(i int32) int32 {
	if nd := &j.nodes[i]; nd.kind == jsonArray || nd.kind == jsonObject {
		return nd.end
	}
	return i + 1
}

// Elems yields the elements of an array with their indexes; nothing for
// other kinds.
func (v JSONValue) Elems() iter.Seq2[int, JSONValue] {
	return func(yield func(int, JSONValue) bool) {
		if v.node().kind != jsonArray {
			return
		}
		at := v.i + 1
		for k := range v.Len() {
			if !yield(k, JSONValue{v.j, at}) {
				return
			}
			at = v.j.after(at)
		}
	}
}

// Members yields the members of an object in document order, each name as
// often as the body gives it (rejecting duplicates is the reader's); nothing
// for other kinds. The names are copies.
func (v JSONValue) Members() iter.Seq2[string, JSONValue] {
	return func(yield func(string, JSONValue) bool) {
		if v.node().kind != jsonObject {
			return
		}
		at := v.i + 1
		for range v.Len() {
			if !yield(JSONValue{v.j, at}.Text(), JSONValue{v.j, at + 1}) {
				return
			}
			at = v.j.after(at + 1)
		}
	}
}

// Fields finds the members of the object v named in names, without
// copying any name: into[k] is the value of the member names[k], or the
// zero JSONValue (Exists false) when v has none. A name of names that v
// gives twice is an *InputError "duplicate field" naming it by its path
// from v (the first such name in document order); other members are not
// looked at. Fields finds nothing in a value that is not an object.
func (v JSONValue) Fields(names []string, into []JSONValue) error {
	clear(into[:len(names)])
	if v.node().kind != jsonObject {
		return nil
	}
	m := v.child()
	for range v.Len() {
		for k, name := range names {
			if !m.is(name) {
				continue
			}
			if into[k].j != nil {
				return inputErr(name, "duplicate field")
			}
			into[k] = m.value()
			break
		}
		m = m.nextMember()
	}
	return nil
}

// Exists reports whether v is a value, not the zero JSONValue.
func (v JSONValue) Exists() bool { return v.j != nil }

// child is the first element of an array, or the name of an object's
// first member; sibling is the value after v (the next element of an
// array). Of a member's name m, value is the member's value and
// nextMember the next member's name.
func (v JSONValue) child() JSONValue      { return JSONValue{v.j, v.i + 1} }
func (v JSONValue) sibling() JSONValue    { return JSONValue{v.j, v.j.after(v.i)} }
func (v JSONValue) value() JSONValue      { return JSONValue{v.j, v.i + 1} }
func (v JSONValue) nextMember() JSONValue { return JSONValue{v.j, v.j.after(v.i + 1)} }

func typeErr(path, want string, v JSONValue) *InputError {
	return inputErr(path, "want %s, got %s", want, v.Kind())
}

// firstDuplicate returns the position (in document order) of the first
// member of the object v whose name an earlier member has, or -1.
func firstDuplicate(v JSONValue) (int, string) {
	n := v.Len()
	// The objects of a cart are small, and comparing each name with the
	// ones before it is cheaper than a map; past a few names, a map keeps a
	// large (or hostile) object linear.
	if n <= 16 {
		var names [16][]byte
		m := v.child()
		for k := range n {
			names[k] = m.text()
			for _, earlier := range names[:k] {
				if bytes.Equal(earlier, names[k]) {
					return k, string(names[k])
				}
			}
			m = m.nextMember()
		}
		return -1, ""
	}
	seen := make(map[string]bool, n)
	m := v.child()
	for k := range n {
		name := m.text()
		if seen[string(name)] {
			return k, string(name)
		}
		seen[string(name)] = true
		m = m.nextMember()
	}
	return -1, ""
}

// members checks that v is an object without a name given twice, and
// returns its first member's name node (meaningful only when it has
// members). encoding/json would keep the last of two members silently, and
// two readers of one body must not see different carts. Duplicates are
// looked for when the checks reach the object, not while tokenizing, so
// that they are reported in the checks' fixed order like every other
// problem.
func members(path string, v JSONValue) error {
	if v.node().kind != jsonObject {
		return typeErr(path, "an object", v)
	}
	if k, name := firstDuplicate(v); k >= 0 {
		return inputErr(diag.Member(path, name), "duplicate field")
	}
	return nil
}

// maxFields is the most fields an object of the contract has.
const maxFields = 9

// object is an object that has passed checkObject: allowed names, each at
// most once, its values found by name.
type object struct {
	j       *JSON
	allowed []string
	values  [maxFields]int32 // by index in allowed; 0 (the root, never a member's value) when absent
}

// checkObject checks the object v at path, rejecting names given twice and
// names neither in allowed nor in others. Members named in others are the
// caller's: they are skipped.
func checkObject(path string, v JSONValue, allowed, others []string) (object, error) {
	if v.node().kind != jsonObject {
		return object{}, typeErr(path, "an object", v)
	}
	// One pass finds the values, and whether every name is allowed and
	// given once: the common case, which needs no more.
	o := object{j: v.j, allowed: allowed}
	clean := true
	m := v.child()
	next := 0 // members usually come in the contract's order
	for range v.Len() {
		k := m.indexFrom(allowed, next)
		next = k + 1
		switch {
		case k < 0 || o.values[k] != 0:
			clean = false
		default:
			o.values[k] = m.i + 1
		}
		m = m.nextMember()
	}
	if clean {
		return o, nil
	}
	// The contract's order: a name given twice, then the first name not
	// allowed.
	if err := members(path, v); err != nil {
		return object{}, err
	}
	m = v.child()
	for range v.Len() {
		if m.index(allowed) < 0 && m.index(others) < 0 {
			name := m.Text()
			msg := "unknown field"
			if s := suggest(name, allowed); s != "" {
				msg += fmt.Sprintf(", did you mean %q?", s)
			}
			return object{}, inputErr(diag.Member(path, name), "%s (allowed: %s)", msg, strings.Join(allowed, ", "))
		}
		m = m.nextMember()
	}
	return o, nil
}

// indexFrom is index, looking at names[from] first and on from there.
func (v JSONValue) indexFrom(names []string, from int) int {
	t := v.text()
	for i := range names {
		k := from + i
		if k >= len(names) {
			k -= len(names)
		}
		if string(t) == names[k] {
			return k
		}
	}
	return -1
}

// index is the index in names of the name v, or -1.
func (v JSONValue) index(names []string) int {
	t := v.text()
	for k, name := range names {
		if string(t) == name {
			return k
		}
	}
	return -1
}

// get returns the member allowed[k] and true, or false when it is absent
// or null (not given).
func (o *object) get(k int) (JSONValue, bool) {
	at := o.values[k]
	if at == 0 || o.j.nodes[at].kind == jsonNull {
		return JSONValue{}, false
	}
	return JSONValue{o.j, at}, true
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

// array checks that v is an array of at most limit elements.
func array(path string, v JSONValue, limit int, what string) error {
	if v.node().kind != jsonArray {
		return typeErr(path, "an array", v)
	}
	if v.Len() > limit {
		return inputErr(path, "more than %d %s, the most ruled accepts", limit, what)
	}
	return nil
}

// optString returns the string member allowed[k] of the object o at path,
// copied into t, or "" when it is not given.
func optString(t *texts, o *object, path string, k int) (string, error) {
	v, ok := o.get(k)
	if !ok {
		return "", nil
	}
	if v.node().kind != jsonString {
		return "", typeErr(diag.Member(path, o.allowed[k]), "a string", v)
	}
	return t.copy(v.text()), nil
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
