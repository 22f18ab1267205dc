package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// This file reads a request body once, with the streaming tokenizer of
// github.com/go-json-experiment/json/jsontext (this is the only file of
// ruled that imports it), into a flat list of nodes: the tape the checks of
// cartjson.go walk. The tape keeps what those checks need and encoding/json's
// own decoding would lose: each object's members in document order,
// duplicates included, and each number's exact text.
//
// The tape accepts exactly the documents encoding/json accepts, and the
// words of a rejection are encoding/json's (see malformed), so that the
// contract's messages do not depend on which tokenizer reads the body.

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

// node is one value of a parsed body, or the name of an object member.
//
// Values are in document order, each container before its children; a
// member is its name (a jsonString node) followed by its value. So the
// first child of the container at i is at i+1, and the node after a value
// (its next sibling, or what follows its container) is at i+1 for a
// scalar and at end for a container. A node is 12 bytes and holds no
// pointer, so that the tape is one small allocation the garbage collector
// does not scan.
type node struct {
	// Of a string, a number or a member's name: its text is the body's
	// bytes [off, end) (a string's without the quotes), or, for a string
	// with escapes (esc), JSON.esc[off]. Of an array or object: off is the
	// number of its elements or members and end the index of the node
	// after it.
	off, end int32
	kind     jsonKind // of a value; jsonString for a member's name
	truth    bool     // a boolean's value
	esc      bool     // a string with escapes
}

// JSON is a request body parsed once: one well-formed JSON value, kept as
// the tape of its values, so that a server can read the members it owns
// and hand the rest to the cart decoder without parsing anything twice.
// A JSON is immutable and safe for concurrent use.
type JSON struct {
	src   string   // the body
	nodes []node   // the tape
	esc   []string // the values of the strings with escapes
	// lists is how many strings are elements of arrays: an upper bound on
	// the strings of the cart's lists, which share one backing array.
	lists int
}

// maxBody is the largest body the tape can place: its offsets are int32.
const maxBody = 1<<31 - 1

// ParseJSON parses data, which must be one well-formed JSON value with
// nothing but white space after it. The error is an *InputError with the
// messages of DecodeCart: invalid UTF-8, malformed JSON (with line, column
// and byte offset), an empty body, data after the value. The texts of the
// parsed values, and so the strings of a cart decoded from them, share one
// copy of data; data may be reused once ParseJSON returns.
func ParseJSON(data []byte) (*JSON, error) {
	if len(data) > maxBody {
		return nil, inputErr("", "the body is %d bytes long, more than the %d ruled reads", len(data), maxBody)
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, inputErr("", "the body is not valid UTF-8 at %s", where(data, i))
	}
	j, end, err := tokenize(data)
	if err != nil {
		return nil, malformed(data, err)
	}
	if i := bytes.IndexFunc(data[end:], func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }); i >= 0 {
		return nil, inputErr("", "unexpected data after the JSON object at %s", where(data, end+i))
	}
	return j, nil
}

// open is an array or object whose end the tokenizer has not reached yet.
type open struct {
	at   int32 // its node
	name bool  // an object's next string is a member name
}

// tokenize reads the first JSON value of data into a tape, and returns the
// offset just after it. The texts of the tape are substrings of one copy of
// data (one allocation for all of them), except strings with escapes.
//
// jsontext's Decoder parses a bytes.Buffer in place, so every value
// ReadValue returns is a slice of data, and InputOffset places it.
func tokenize(data []byte) (*JSON, int, error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(data),
		// Duplicate names are the checks' to reject, in their fixed order.
		jsontext.AllowDuplicateNames(true),
		// Invalid UTF-8 is rejected before tokenizing, so what this still
		// lets through is what encoding/json lets through too: an escaped
		// lone surrogate ("\ud800"), which unquote replaces with U+FFFD as
		// encoding/json does.
		jsontext.AllowInvalidUTF8(true))
	j := &JSON{src: string(data), nodes: make([]node, 0, tapeSize(data))}
	nodes := j.nodes
	var stack [16]open
	opens := stack[:0]
	for {
		var parent *open
		if len(opens) > 0 {
			parent = &opens[len(opens)-1]
		}
		switch k := dec.PeekKind(); k {
		case '{', '[':
			if _, err := dec.ReadToken(); err != nil {
				return nil, 0, err
			}
			if parent != nil && nodes[parent.at].kind == jsonArray {
				nodes[parent.at].off++
			}
			kind := jsonArray
			if k == '{' {
				kind = jsonObject
			}
			opens = append(opens, open{at: int32(len(nodes)), name: k == '{'})
			nodes = append(nodes, node{kind: kind})
			continue
		case '}', ']':
			if _, err := dec.ReadToken(); err != nil {
				return nil, 0, err
			}
			nodes[parent.at].end = int32(len(nodes))
			opens = opens[:len(opens)-1]
		default:
			raw, err := dec.ReadValue()
			if err != nil {
				return nil, 0, err
			}
			nd := j.scalar(raw, int(dec.InputOffset())-len(raw))
			nodes = append(nodes, nd)
			switch {
			case parent == nil:
			case parent.name:
				// A member's name: its value comes next.
				nodes[parent.at].off++
				parent.name = false
				continue
			case nodes[parent.at].kind == jsonArray:
				nodes[parent.at].off++
				if nd.kind == jsonString {
					j.lists++
				}
			}
		}
		// A value has ended.
		if len(opens) == 0 {
			j.nodes = nodes
			return j, int(dec.InputOffset()), nil
		}
		if o := &opens[len(opens)-1]; nodes[o.at].kind == jsonObject {
			o.name = true
		}
	}
}

// tapeSize is an upper bound on the nodes of the JSON value data: every
// node but the first follows a '{', '[', ',' or ':'. (Those in strings
// only make the bound looser.)
func tapeSize(data []byte) int {
	n := 1
	for _, c := range []byte("{[,:") {
		n += bytes.Count(data, []byte{c})
	}
	return n
}

// scalar is the node of the literal, number or string raw, which is the
// body's bytes from start.
func (j *JSON) scalar(raw []byte, start int) node {
	switch raw[0] {
	case 'n':
		return node{kind: jsonNull}
	case 't':
		return node{kind: jsonBool, truth: true}
	case 'f':
		return node{kind: jsonBool}
	case '"':
		if bytes.IndexByte(raw, '\\') < 0 {
			return node{kind: jsonString, off: int32(start + 1), end: int32(start + len(raw) - 1)}
		}
		j.esc = append(j.esc, unquote(raw))
		return node{kind: jsonString, esc: true, off: int32(len(j.esc) - 1)}
	}
	return node{kind: jsonNumber, off: int32(start), end: int32(start + len(raw))}
}

// unquote returns the value of the well-formed JSON string raw, which has
// escapes, as encoding/json decodes it: an escaped surrogate that is not
// half of a pair becomes U+FFFD.
func unquote(raw []byte) string {
	s := raw[1 : len(raw)-1]
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		switch e := s[i+1]; e {
		case 'u':
			r := hex4(s[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if d := utf16.DecodeRune(r, hex4(s[i+2:i+6])); d != unicode.ReplacementChar {
						b.WriteRune(d)
						i += 6
						continue
					}
				}
				r = unicode.ReplacementChar
			}
			b.WriteRune(r)
			continue
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		default: // '"', '\\', '/'
			c = e
		}
		b.WriteByte(c)
		i += 2
	}
	return b.String()
}

// hex4 reads four hexadecimal digits, which the tokenizer has checked.
func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// malformed describes why data, which the tokenizer rejected, is not one
// JSON value. It asks encoding/json's Decoder.Decode, whose words and
// offsets are the contract's. Only a bad body is read twice.
func malformed(data []byte, tokErr error) *InputError {
	var body json.RawMessage
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	err := d.Decode(&body)
	var se *json.SyntaxError
	switch {
	case err == nil:
		// Not reached: the tokenizer and Decode accept the same documents,
		// which FuzzDecodeCart checks against encoding/json.
		err = tokErr
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
