package loader

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/rules"
)

// maxVisits bounds the work of decoding one file: every node decoded counts
// 1, and 1 more per 4 bytes of its text, however many times aliases make it
// read. A file under maxFileSize costs less than this; only aliases that fan
// out (an alias bomb: a list of aliases to a list of aliases, or to a long
// condition) reach it. The bound on text also bounds what later passes over
// the Set (validation, compiling conditions) can be made to do.
const maxVisits = 2 << 20

// reader decodes the YAML of one file into the rule model, reporting every
// problem at its position and going on with the rest.
type reader struct {
	src     *source
	diags   *diag.List
	unread  map[diag.Pos]bool // see loader.unread
	visits  int
	merging []*yaml.Node // mappings whose merge keys are being expanded
	// merged holds the entries of each mapping merged so far, so that
	// merges of merges cost their size once, not their expansion.
	merged map[mergeKey][]entry
	exprs  map[*yaml.Node]rules.Expr // conditions read so far, by node
}

// mergeKey names a merged mapping read as one kind of mapping.
type mergeKey struct {
	n    *yaml.Node
	what string
}

// errTooManyNodes is panicked by spend and recovered by guard: it abandons a
// file whose aliases expand without end.
var errTooManyNodes = errors.New("too many nodes")

func (r *reader) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: r.src.name, Line: n.Line, Col: n.Column}
}

func (r *reader) errorf(n *yaml.Node, code, format string, args ...any) {
	r.diags.Add(r.pos(n), code, format, args...)
}

// spend counts work against maxVisits.
func (r *reader) spend(n int) {
	r.visits += n
	if r.visits > maxVisits {
		panic(errTooManyNodes)
	}
}

// guard runs decode and turns an exhausted node budget into a diagnostic.
// The documents decoded before that stay read; the one that ran out is
// dropped.
func (r *reader) guard(decode func()) {
	defer func() {
		if p := recover(); p != nil {
			if p != errTooManyNodes {
				panic(p)
			}
			r.diags.Add(diag.Pos{File: r.src.name}, "excessive-aliasing",
				"aliases make this file too large to read: write the repeated parts out, or share less")
		}
	}()
	decode()
}

// node follows n's aliases to the node they name, and counts that node
// against maxVisits. Every node the decoders look at goes through here.
func (r *reader) node(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		r.spend(1)
		n = n.Alias
	}
	r.spend(1 + len(n.Value)/4)
	return n
}

// documents parses every YAML document of the file. A syntax error is
// reported and ends the file; the documents before it are kept.
func (r *reader) documents() (docs []*yaml.Node) {
	defer func() {
		// yaml.v3 panics on a few inputs it should reject; never let a rule
		// file take the process down.
		if p := recover(); p != nil {
			r.diags.Add(diag.Pos{File: r.src.name, Line: 1, Col: 1}, "yaml-syntax", "cannot parse YAML: %v", p)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(r.src.data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			r.syntaxError(err)
			return docs
		}
		if len(doc.Content) > 0 {
			docs = append(docs, doc.Content[0])
		}
	}
}

// syntaxError reports a yaml.v3 parse error ("yaml: line 3: could not find
// expected ':'") at the line it names. yaml.v3 counts lines from 0 and adds 1
// for scanner errors only: a parser error names the line before the
// construct it was reading, and no line at all when that is the first line.
func (r *reader) syntaxError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, text
			}
		}
	}
	if isParserProblem(msg) || line == 0 {
		line++
	}
	pos := diag.Pos{File: r.src.name, Line: min(line, len(r.src.lines)), Col: 1}
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		name = strings.TrimSuffix(name, "' referenced")
		if i := bytes.Index(r.src.data, []byte("*"+name)); i >= 0 {
			pos = r.src.pos(i)
		}
		name = shorten(name)
		msg = fmt.Sprintf("alias *%s names no anchor: define &%s before using it", name, name)
	}
	r.diags.Add(pos, "yaml-syntax", "syntax error: %s", msg)
}

// isParserProblem reports whether msg comes from yaml.v3's parser, as
// opposed to its scanner; see syntaxError.
func isParserProblem(msg string) bool {
	switch msg {
	case "did not find expected <stream-start>", "did not find expected <document start>",
		"did not find expected node content", "did not find expected '-' indicator",
		"did not find expected key", "did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"found undefined tag handle", "found duplicate %YAML directive", "found incompatible YAML document",
		"found duplicate %TAG directive":
		return true
	}
	return false
}

// entry is one key of a mapping with its value, aliases resolved.
type entry struct {
	name       string
	key, value *yaml.Node
}

// mapping checks that n is a mapping whose keys are all in allowed, and
// returns its entries in order. It reports (and leaves out) unknown keys,
// repeated keys and keys that are not scalars. Merge keys ("<<: *base") are
// expanded: the merged mapping's keys count as written here unless this
// mapping writes them itself. field names n in messages about its type, what
// names the kind of mapping in messages about its keys ("cart rule"). A nil
// allowed accepts any key: mappings whose keys are names the author chose
// (website codes, SKUs, placement ids, the members of a cart).
func (r *reader) mapping(n *yaml.Node, field, what string, allowed []string) ([]entry, bool) {
	n = r.node(n)
	if n.Kind != yaml.MappingNode {
		r.wrongType(n, field, "a mapping")
		return nil, false
	}
	var out []entry
	seen := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, value := r.node(n.Content[k]), n.Content[k+1]
		switch {
		case key.Kind != yaml.ScalarNode:
			r.errorf(key, "wrong-type", "key in %s is %s: want a name", what, describe(key))
		case key.Tag == "!!merge":
			merges = append(merges, value)
		case seen[key.Value] != nil:
			r.errorf(key, "duplicate-key", "duplicate key %s in %s: first written at %s", quote(key.Value), what, r.pos(seen[key.Value]))
		default:
			seen[key.Value] = key
			if allowed != nil && !slices.Contains(allowed, key.Value) {
				r.errorf(key, "unknown-key", "unknown key %s in %s%s allowed: %s",
					quote(key.Value), what, didYouMean(key.Value, allowed), strings.Join(allowed, ", "))
				continue
			}
			out = append(out, entry{name: key.Value, key: key, value: r.node(value)})
		}
	}
	if len(merges) == 0 {
		return out, true
	}
	r.merging = append(r.merging, n)
	defer func() { r.merging = r.merging[:len(r.merging)-1] }()
	for _, m := range merges {
		for _, base := range r.mergeSources(m) {
			if slices.Contains(r.merging, base) {
				r.errorf(m, "invalid-merge", "merge key includes a mapping that includes it: remove the cycle")
				continue
			}
			key := mergeKey{base, what}
			more, done := r.merged[key]
			if !done {
				more, _ = r.mapping(base, "merged value", what, allowed)
				if r.merged == nil {
					r.merged = map[mergeKey][]entry{}
				}
				r.merged[key] = more
			}
			for _, e := range more {
				if seen[e.name] == nil {
					seen[e.name] = e.key
					out = append(out, e)
				}
			}
		}
	}
	return out, true
}

// list returns the items of a sequence, reporting anything else.
func (r *reader) list(n *yaml.Node, field, want string) []*yaml.Node {
	n = r.node(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		r.wrongType(n, field, want)
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, it := range n.Content {
		out = append(out, r.node(it))
	}
	return out
}

// mergeSources returns the mappings a merge key's value names: one mapping
// or a list of them.
func (r *reader) mergeSources(v *yaml.Node) []*yaml.Node {
	v = r.node(v)
	switch v.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{v}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, item := range v.Content {
			if item = r.node(item); item.Kind == yaml.MappingNode {
				out = append(out, item)
			} else {
				r.wrongType(item, "merged value", "a mapping")
			}
		}
		return out
	}
	r.wrongType(v, "merge key value", "a mapping or a list of mappings")
	return nil
}

// didYouMean is the part of an unknown-key message between the key and the
// list of allowed keys.
func didYouMean(name string, allowed []string) string {
	// No key is longer than 64 bytes; comparing a longer one is wasted work.
	if len(name) <= 64 {
		if s := diag.DidYouMean(name, allowed); s != "" {
			return s
		}
	}
	return ";"
}

// unreadable reports a value that could not be read, and remembers where it
// is (see loader.unread).
func (r *reader) unreadable(n *yaml.Node, code, format string, args ...any) {
	r.errorf(n, code, format, args...)
	r.unread[r.pos(n)] = true
}

// wrongType reports that n is not the kind of value field wants.
func (r *reader) wrongType(n *yaml.Node, field, want string) {
	r.unreadable(n, "wrong-type", "%s is %s: want %s", field, describe(n), want)
}

// describe says what n is, for messages: `the string "high"`, `a list`.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "empty"
		case "!!bool":
			return "the boolean " + shorten(n.Value)
		case "!!int", "!!float":
			return "the number " + shorten(n.Value)
		case "!!timestamp":
			return "the date " + shorten(n.Value)
		case "!!str":
			return "the string " + quote(n.Value)
		}
		return fmt.Sprintf("a %s value %s", shorten(n.Tag), quote(n.Value))
	}
	return "not a value"
}

// quote quotes s for a message, shortened when long.
func quote(s string) string {
	if t := shorten(s); t != s {
		return strconv.Quote(strings.TrimSuffix(t, "...")) + "..."
	}
	return strconv.Quote(s)
}

// shorten cuts s for a message; see diag.Shorten.
func shorten(s string) string { return diag.Shorten(s) }

// isNull reports whether n is YAML's null ("", "~", "null"). A key whose
// value is null counts as not written.
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }
