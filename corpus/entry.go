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
// to say when it is evaluated.
func parseLine(line []byte, e *Entry) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	e.Cart = line
	if !hasExtra(line) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return err
	}
	var rest bytes.Buffer
	rest.WriteByte('{')
	extra := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if slices.Contains(extraFields, name) {
			extra = true
			if err := e.setExtra(name, raw); err != nil {
				return err
			}
			continue
		}
		if rest.Len() > 1 {
			rest.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		rest.Write(key)
		rest.WriteByte(':')
		rest.Write(raw)
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if extra {
		rest.WriteByte('}')
		e.Cart = rest.Bytes()
	}
	return nil
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
	for _, f := range extraFields {
		if bytes.Contains(line, []byte(`"`+f+`"`)) {
			return true
		}
	}
	return false
}
