package engine

import (
	"bytes"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

// tokenTape builds the tape of the first JSON value of data from
// jsontext's tokens (ReadToken), checking each as it goes, and returns it
// with the offset just after the value: the oracle FuzzTape holds
// JSON.tokenize, which cuts the tape from a value jsontext has checked
// whole, to.
func tokenTape(data []byte) (*JSON, int, error) {
	// open is an array or object whose end has not been read yet.
	type open struct {
		at   int32 // its node
		name bool  // an object's next string is a member name
	}
	j := &JSON{src: data}
	dec := jsontext.NewDecoder(bytes.NewBuffer(data), tokenizerOptions...)
	var nodes []node
	var opens []open
	for {
		start := int(dec.InputOffset())
		if _, err := dec.ReadToken(); err != nil {
			return nil, 0, err
		}
		end := int(dec.InputOffset())
		// The token is what follows the white space, comma or colon
		// before it.
		start = end - len(bytes.TrimLeft(data[start:end], " \t\r\n,:"))
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
			nd := tokenNode(j, data[start:end], start)
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
			if nd.kind == jsonString {
				j.texts += int(nd.end - nd.off)
			}
		}
		// A value has ended.
		if len(opens) == 0 {
			j.nodes = nodes
			return j, end, nil
		}
		if o := &opens[len(opens)-1]; nodes[o.at].kind == jsonObject {
			o.name = true
		}
	}
}

// tokenNode is the node of the literal, number or string token raw, which
// is data[start:], unquoting a string with escapes into j.esc.
func tokenNode(j *JSON, raw []byte, start int) node {
	end := start + len(raw)
	switch raw[0] {
	case 'n':
		return node{kind: jsonNull}
	case 't':
		return node{kind: jsonBool, truth: true}
	case 'f':
		return node{kind: jsonBool}
	case '"':
		if bytes.IndexByte(raw, '\\') < 0 {
			return node{kind: jsonString, off: int32(start + 1), end: int32(end - 1)}
		}
		off := len(j.esc)
		j.esc = unquote(j.esc, raw)
		return node{kind: jsonString, esc: true, off: int32(off), end: int32(len(j.esc))}
	}
	return node{kind: jsonNumber, off: int32(start), end: int32(end)}
}

// sameTape fails t unless tokenize and tokenTape agree on data: both
// reject it, or both build the same tape and end at the same offset.
func sameTape(t *testing.T, data []byte) {
	t.Helper()
	want, wantEnd, wantErr := tokenTape(data)
	j := parses.Get().(*JSON)
	j.released = false
	defer j.Release()
	end, err := j.tokenize(data)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("tokenize(%q): error %v, from tokens %v", data, err, wantErr)
	}
	if err != nil {
		return
	}
	if end != wantEnd {
		t.Fatalf("tokenize(%q) ends at %d, from tokens at %d", data, end, wantEnd)
	}
	type tape struct {
		Nodes        []node
		Esc          string
		Lists, Texts int
	}
	got := tape{j.nodes, string(j.esc), j.lists, j.texts}
	exp := tape{want.nodes, string(want.esc), want.lists, want.texts}
	if diff := cmp.Diff(exp, got, cmp.AllowUnexported(node{})); diff != "" {
		t.Fatalf("tokenize(%q) differs from the tape from tokens (-tokens +got):\n%s", data, diff)
	}
}

// tapeBodies are bodies at the edges of a tape: strings ending in escaped
// backslashes and quotes, long and short, numbers of every form at the end
// of the data and before every delimiter, literals, nesting, white space.
var tapeBodies = []string{
	`"\\"`, `"\\\\"`, `"a\"b"`, `"\\\""`, `"x\\\\\"y"`, `{"\\": "\"", "a\\": ["\\\\", "\""]}`,
	`"0123456789abcdef\"0123456789abcdef\\"`, `["0123456789abcdefg", "0123456", "01234567", ""]`,
	`0`, `-0`, `1.5e+3`, `-2E-7 `, `[1,2.5,-3e2,4E+1]`, `{"a":1,"b":-0.5e1}`, `[0]`, `[-1 ]`,
	`true`, `false`, `null`, `[true,false,null]`, `{"t":true,"f":false,"n":null}`,
	"\t{ \"a\" :\n[ 1 , { } , [ ] ] }\r\n", `[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]`,
	"{\n        \"a\": [\n                \"b\"\n        ]\n}",
	`{"a": "é", "b": "\u00e9\ud83d\ude00", "c": "\ud800"}`, `{} {}`, `[1] x`, `{"a":}`, `[1,]`, ``, ` `,
}

func TestTapeSameAsTokens(t *testing.T) {
	bodies := append([]string{fullCart, string(benchCartJSON(3))}, tapeBodies...)
	bodies = append(bodies, oddBodies...)
	for _, tt := range decodeCartTests {
		bodies = append(bodies, tt.body)
	}
	for _, b := range demoCarts(t) {
		bodies = append(bodies, string(b))
	}
	for _, b := range bodies {
		sameTape(t, []byte(b))
	}
}

// FuzzTape holds the tape cut from a value jsontext has checked whole to
// the tape built from jsontext's tokens, on any data.
func FuzzTape(f *testing.F) {
	for _, b := range tapeBodies {
		f.Add([]byte(b))
	}
	for _, b := range oddBodies {
		f.Add([]byte(b))
	}
	for _, b := range demoCarts(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameTape(t, data)
	})
}
