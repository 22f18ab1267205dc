package corpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Entry is one cart of a corpus.
type Entry struct {
	// ID names the cart in reports: the line's "id", else file:line.
	ID string
	// File and Line say where the cart was read (Line from 1).
	File string
	Line int
	// Seq is the cart's position in the corpus, from 0, in reading order.
	Seq int
	// Cart is the cart JSON, as engine.DecodeCart takes it: the line
	// without the corpus and placement fields.
	Cart []byte
	// Placements, VisitorID and View are what the cart's request asked of
	// dynamic blocks, as POST /v1/cart/evaluate takes them.
	Placements []string
	VisitorID  string
	View       int
}

// Where is the entry's position, file:line.
func (e *Entry) Where() string { return e.File + ":" + strconv.Itoa(e.Line) }

// extraFields are the fields of a corpus line that are not the cart's.
var extraFields = []string{"id", "placements", "visitor_id", "view"}

// parseLine splits a corpus line into its cart and the fields beside it.
// Only a line that is not a JSON object, or a field beside the cart of the
// wrong type, is an error here: what is wrong inside a cart is the engine's
// to say when it is evaluated (a line the scan below cannot follow is left
// whole for it).
func parseLine(line []byte, e *Entry) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	e.Cart = line
	if !hasExtra(line) {
		return nil
	}
	ms, ok := topLevel(line)
	if !ok {
		return nil
	}
	var rest bytes.Buffer
	rest.Grow(len(line))
	rest.WriteByte('{')
	extra := false
	for _, m := range ms {
		if slices.Contains(extraFields, m.name) {
			extra = true
			if err := e.setExtra(m.name, m.value); err != nil {
				return err
			}
			continue
		}
		if rest.Len() > 1 {
			rest.WriteByte(',')
		}
		rest.Write(m.raw)
	}
	if extra {
		rest.WriteByte('}')
		e.Cart = rest.Bytes()
	}
	return nil
}

// member is one top-level member of an object: its name, its value's text
// and the text of the whole `"name": value`.
type member struct {
	name       string
	value, raw []byte
}

// topLevel lists the members of the object in b without decoding their
// values. It reports false for text it cannot follow.
func topLevel(b []byte) ([]member, bool) {
	i := skipSpace(b, 1)
	var ms []member
	if i < len(b) && b[i] == '}' {
		return ms, skipSpace(b, i+1) == len(b)
	}
	for i < len(b) {
		start := i
		if b[i] != '"' {
			return nil, false
		}
		end, ok := skipString(b, i)
		if !ok {
			return nil, false
		}
		var name string
		if bytes.IndexByte(b[i:end], '\\') >= 0 {
			if json.Unmarshal(b[i:end], &name) != nil {
				return nil, false
			}
		} else {
			name = string(b[i+1 : end-1])
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		vstart := i
		if i, ok = skipValue(b, i); !ok {
			return nil, false
		}
		ms = append(ms, member{name: name, value: b[vstart:i], raw: b[start:i]})
		i = skipSpace(b, i)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return ms, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
	return nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, ok := skipString(b, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j, j > i
}

// setExtra reads one of the fields beside the cart.
func (e *Entry) setExtra(name string, raw json.RawMessage) error {
	if string(raw) == "null" {
		return nil
	}
	var err error
	switch name {
	case "id":
		if raw[0] == '"' {
			err = json.Unmarshal(raw, &e.ID)
		} else if _, perr := strconv.ParseFloat(string(raw), 64); perr == nil {
			e.ID = string(raw) // a number, as order exports have them
		} else {
			err = fmt.Errorf("want a string or a number")
		}
	case "placements":
		err = json.Unmarshal(raw, &e.Placements)
	case "visitor_id":
		err = json.Unmarshal(raw, &e.VisitorID)
	case "view":
		err = json.Unmarshal(raw, &e.View)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// hasExtra reports whether a line may hold a field beside the cart's: a
// cheap test that spares most lines a second pass. "id" also occurs in the
// customer, so a false positive costs only time.
func hasExtra(line []byte) bool {
	if bytes.Contains(line, []byte(`\u`)) {
		return true // a name may be written with escapes
	}
	for _, f := range extraFields {
		if bytes.Contains(line, []byte(`"`+f+`"`)) {
			return true
		}
	}
	return false
}
