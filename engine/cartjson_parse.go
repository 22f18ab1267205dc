package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
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
//
// A parse costs no allocation once warm: the tape, the tokenizer and the
// buffer of unescaped strings are pooled, and the body is read in place,
// not copied. What leaves a parse (Text, Members' names, a decoded Cart)
// is copied out of it, so that nothing a caller keeps refers to pooled
// memory or to the body.

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
// pointer, so that the tape is one block the garbage collector does not
// scan.
type node struct {
	// Of a string, a number or a member's name: its text is the body's
	// bytes [off, end) (a string's without the quotes), or, for a string
	// with escapes (esc), JSON.esc[off:end]. Of an array or object: off is
	// the number of its elements or members and end the index of the node
	// after it.
	off, end int32
	kind     jsonKind // of a value; jsonString for a member's name
	truth    bool     // a boolean's value
	esc      bool     // a string with escapes
}

// JSON is a request body parsed once: one well-formed JSON value, kept as
// the tape of its values, so that a server can read the members it owns
// and hand the rest to the cart decoder without parsing anything twice.
//
// A JSON reads its body in place and is pooled: call Release when done
// with it, after which neither it nor any JSONValue of it may be used.
// Until then it is immutable and safe for concurrent use. The strings it
// gives are copies, which stay valid after Release.
type JSON struct {
	src   []byte // the body, the caller's, unchanged until Release
	nodes []node // the tape
	esc   []byte // the values of the strings with escapes, one after another
	// lists is how many strings are elements of arrays: an upper bound on
	// the strings of the cart's lists, which share one backing array.
	lists int
	// texts is how many bytes the string values hold (member names
	// aside): an upper bound on what a cart copies out of the body.
	texts int

	// The tokenizer, reset for every body, and the reader it parses in
	// place.
	dec *jsontext.Decoder
	rd  bytes.Buffer
	// released is set while j is in the pool, so that releasing it twice
	// cannot hand it to two parses at once.
	released bool
}

// tokenizerOptions are the tokenizer's options for every body.
var tokenizerOptions = []jsontext.Options{
	// Duplicate names are the checks' to reject, in their fixed order.
	jsontext.AllowDuplicateNames(true),
	// Invalid UTF-8 is rejected before tokenizing, so what this still
	// lets through is what encoding/json lets through too: an escaped
	// lone surrogate ("\ud800"), which unquote replaces with U+FFFD as
	// encoding/json does.
	jsontext.AllowInvalidUTF8(true),
}

// parses are the JSON values Release returns, for the next ParseJSON.
var parses = sync.Pool{New: func() any {
	j := &JSON{}
	j.dec = jsontext.NewDecoder(&j.rd, tokenizerOptions...)
	return j
}}

// Pooled tapes are kept only up to these sizes, so that one large body
// does not hold its memory for as long as the pool lives.
const (
	keepNodes = 1 << 14 // 192 KB of tape
	keepEsc   = 1 << 16
)

// Release hands j back for another parse. The strings j gave stay valid;
// j and its JSONValues must not be used again. Calling Release on nil, or
// again, does nothing.
func (j *JSON) Release() {
	if j == nil || j.released {
		return
	}
	j.released = true
	j.src, j.lists, j.texts = nil, 0, 0
	j.nodes, j.esc = j.nodes[:0], j.esc[:0]
	if cap(j.nodes) > keepNodes {
		j.nodes = nil
	}
	if cap(j.esc) > keepEsc {
		j.esc = nil
	}
	// Let go of the body: the tokenizer holds it until reset.
	j.rd = bytes.Buffer{}
	j.dec.Reset(&j.rd, tokenizerOptions...)
	parses.Put(j)
}

// maxBody is the largest body the tape can place: its offsets are int32.
const maxBody = 1<<31 - 1

// ParseJSON parses data, which must be one well-formed JSON value with
// nothing but white space after it. The error is an *InputError with the
// messages of DecodeCart: invalid UTF-8, malformed JSON (with line, column
// and byte offset), an empty body, data after the value.
//
// The JSON reads data in place: data must not change until the JSON is
// released (Release). The strings of the parsed values that it gives, and
// those of a cart decoded from it, are copies, independent of data.
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
	j := parses.Get().(*JSON)
	j.released = false
	end, err := j.tokenize(data)
	if err != nil {
		j.Release()
		return nil, malformed(data, err)
	}
	for i, c := range data[end:] {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			j.Release()
			return nil, inputErr("", "unexpected data after the JSON object at %s", where(data, end+i))
		}
	}
	return j, nil
}

// open is an array or object whose end the tokenizer has not reached yet.
type open struct {
	at   int32 // its node
	name bool  // an object's next string is a member name
}

// tokenize reads the first JSON value of data into j's tape, and returns
// the offset just after it.
//
// jsontext's Decoder parses a bytes.Buffer in place, and ReadToken reads
// one token without allocating; InputOffset before and after it brackets
// the token with the white space, comma or colon before it, which the
// tokenizer has checked, so the token starts at the first other byte.
func (j *JSON) tokenize(data []byte) (int, error) {
	j.src = data
	j.rd = *bytes.NewBuffer(data)
	dec := j.dec
	dec.Reset(&j.rd, tokenizerOptions...)
	nodes := j.nodes[:0]
	var stack [16]open
	opens := stack[:0]
	// esc is the offset of the first backslash at or after the string
	// being read: a string has escapes if it is before the string's end.
	// Finding it once for many strings (usually all of them) is cheaper
	// than looking into each.
	esc := -1
	for {
		start := int(dec.InputOffset())
		if _, err := dec.ReadToken(); err != nil {
			j.nodes = nodes
			return 0, err
		}
		end := int(dec.InputOffset())
		for {
			if c := data[start]; c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',' && c != ':' {
				break
			}
			start++
		}
		var parent *open
		if len(opens) > 0 {
			parent = &opens[len(opens)-1]
		}
		switch c := data[start]; c {
		case '{', '[':
			if parent != nil && nodes[parent.at].kind == jsonArray {
				nodes[parent.at].off++
			}
			kind := jsonArray
			if c == '{' {
				kind = jsonObject
			}
			opens = append(opens, open{at: int32(len(nodes)), name: c == '{'})
			nodes = append(nodes, node{kind: kind})
			continue
		case '}', ']':
			nodes[parent.at].end = int32(len(nodes))
			opens = opens[:len(opens)-1]
		default:
			if esc < start {
				esc = len(data)
				if i := bytes.IndexByte(data[start:], '\\'); i >= 0 {
					esc = start + i
				}
			}
			// The node is written in place: a node built and then copied
			// is written a byte at a time and read back whole, which
			// stalls the processor on every value.
			nodes = append(nodes, node{})
			nd := &nodes[len(nodes)-1]
			j.scalar(nd, data, start, end, esc < end)
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
			if nd.kind == jsonString {
				j.texts += int(nd.end - nd.off)
			}
		}
		// A value has ended.
		if len(opens) == 0 {
			j.nodes = nodes
			return end, nil
		}
		if o := &opens[len(opens)-1]; nodes[o.at].kind == jsonObject {
			o.name = true
		}
	}
}

// scalar fills nd, a zero node, as the node of the literal, number or
// string data[start:end]; escaped tells whether a string has escapes.
func (j *JSON) scalar(nd *node, data []byte, start, end int, escaped bool) {
	switch data[start] {
	case 'n':
		nd.kind = jsonNull
	case 't':
		nd.kind, nd.truth = jsonBool, true
	case 'f':
		nd.kind = jsonBool
	case '"':
		nd.kind = jsonString
		if !escaped {
			nd.off, nd.end = int32(start+1), int32(end-1)
			return
		}
		off := len(j.esc)
		j.esc = unquote(j.esc, data[start:end])
		nd.esc, nd.off, nd.end = true, int32(off), int32(len(j.esc))
	default:
		nd.kind, nd.off, nd.end = jsonNumber, int32(start), int32(end)
	}
}

// unquote appends to dst the value of the well-formed JSON string raw,
// which has escapes, as encoding/json decodes it: an escaped surrogate that
// is not half of a pair becomes U+FFFD.
func unquote(dst, raw []byte) []byte {
	s := raw[1 : len(raw)-1]
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
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
						dst = utf8.AppendRune(dst, d)
						i += 6
						continue
					}
				}
				r = unicode.ReplacementChar
			}
			dst = utf8.AppendRune(dst, r)
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
		dst = append(dst, c)
		i += 2
	}
	return dst
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
