package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// This file reads a request body once, checked by the tokenizer of
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

// tokenize reads the first JSON value of data into j's tape, and returns
// the offset just after it.
//
// jsontext checks the value whole: ReadValue, on a bytes.Buffer, which its
// Decoder parses in place. A cutter then builds the tape from the checked
// bytes, where a token's end is found without checking anything again.
// Reading the value a token at a time (ReadToken) builds the same tape,
// and FuzzTape holds the two to each other, but costs about a sixth more
// of the whole decoding: each call checks its token's place again.
func (j *JSON) tokenize(data []byte) (int, error) {
	j.src = data
	j.rd = *bytes.NewBuffer(data)
	j.dec.Reset(&j.rd, tokenizerOptions...)
	raw, err := j.dec.ReadValue()
	if err != nil {
		return 0, err
	}
	end := int(j.dec.InputOffset())
	// The value ends at end: a number at the top level is followed by
	// whatever data has after it ("0" of "00").
	c := cutter{data: data[:end], nodes: j.nodes[:0], esc: j.esc[:0]}
	c.value(end - len(raw))
	j.nodes, j.esc, j.lists, j.texts = c.nodes, c.esc, c.lists, c.texts
	return end, nil
}

// cutter builds the tape of a value jsontext has checked: well-formed,
// with nothing but white space between its tokens, commas and colons.
// Its methods take the offset of a token and return the offset after it.
type cutter struct {
	data         []byte
	nodes        []node
	esc          []byte // the values of the strings with escapes
	lists, texts int    // as JSON's
}

// space returns the offset of the first byte from i that is not white
// space.
func (c *cutter) space(i int) int {
	for c.data[i] <= ' ' {
		i++
	}
	return i
}

// value appends the nodes of the value at data[i]: a container, then its
// members (each a name and a value) or elements.
func (c *cutter) value(i int) int {
	data := c.data
	switch data[i] {
	case '{':
		at := len(c.nodes)
		c.nodes = append(c.nodes, node{kind: jsonObject})
		n := int32(0)
		i = c.space(i + 1)
		if data[i] != '}' {
			for {
				i = c.str(i)
				i = c.space(i)
				i = c.space(i + 1) // the colon
				i = c.value(i)
				n++
				i = c.space(i)
				if data[i] == '}' {
					break
				}
				i = c.space(i + 1) // the comma
			}
		}
		c.nodes[at].off, c.nodes[at].end = n, int32(len(c.nodes))
		return i + 1
	case '[':
		at := len(c.nodes)
		c.nodes = append(c.nodes, node{kind: jsonArray})
		n := int32(0)
		i = c.space(i + 1)
		if data[i] != ']' {
			for {
				if data[i] == '"' {
					c.lists++
				}
				i = c.value(i)
				n++
				i = c.space(i)
				if data[i] == ']' {
					break
				}
				i = c.space(i + 1)
			}
		}
		c.nodes[at].off, c.nodes[at].end = n, int32(len(c.nodes))
		return i + 1
	case '"':
		i = c.str(i)
		nd := &c.nodes[len(c.nodes)-1]
		c.texts += int(nd.end - nd.off)
		return i
	case 't':
		c.nodes = append(c.nodes, node{kind: jsonBool, truth: true})
		return i + 4
	case 'f':
		c.nodes = append(c.nodes, node{kind: jsonBool})
		return i + 5
	case 'n':
		c.nodes = append(c.nodes, node{kind: jsonNull})
		return i + 4
	}
	start := i
	for i < len(data) && numeric[data[i]] {
		i++
	}
	c.nodes = append(c.nodes, node{kind: jsonNumber, off: int32(start), end: int32(i)})
	return i
}

// str appends the node of the string at data[i], a value or a member's
// name.
func (c *cutter) str(i int) int {
	data := c.data
	start := i
	i++
	for {
		// Find the first quote or backslash eight bytes at a time: m has
		// the high bit of each byte of w that is one, and the lowest set
		// bit is right (those above it may not be).
		for i+8 <= len(data) {
			w := binary.LittleEndian.Uint64(data[i:])
			q, b := w^0x2222222222222222, w^0x5c5c5c5c5c5c5c5c
			if m := ((q-0x0101010101010101)&^q | (b-0x0101010101010101)&^b) & 0x8080808080808080; m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		switch data[i] {
		case '"':
			c.nodes = append(c.nodes, node{kind: jsonString, off: int32(start + 1), end: int32(i)})
			return i + 1
		case '\\':
			return c.escaped(start)
		default:
			i++ // the last few bytes of data, one at a time
		}
	}
}

// escaped appends the node of the string with escapes at data[start]: its
// value is unquoted into esc.
func (c *cutter) escaped(start int) int {
	data := c.data
	i := start + 1
	for data[i] != '"' {
		if data[i] == '\\' {
			i++
		}
		i++
	}
	off := len(c.esc)
	c.esc = unquote(c.esc, data[start:i+1])
	c.nodes = append(c.nodes, node{kind: jsonString, esc: true, off: int32(off), end: int32(len(c.esc))})
	return i + 1
}

// numeric holds the bytes of a JSON number.
var numeric = [256]bool{'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true,
	'7': true, '8': true, '9': true, '-': true, '+': true, '.': true, 'e': true, 'E': true}
