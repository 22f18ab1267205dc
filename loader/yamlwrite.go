package loader

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ruled/ruled/diag"
	"github.com/ruled/ruled/money"
	"github.com/ruled/ruled/rules"
)

// File is one file of a rules directory as a unit of conversion between
// formats: what it declares, with the comments around it.
type File struct {
	// Comment is the comment block that opens the file; Foot the one that
	// ends it. Lines keep their "#".
	Comment, Foot string
	Audiences     []rules.Audience
	CartRules     []rules.CartRule
	// AudienceComments and RuleComments hold, for each audience and rule,
	// every comment written above it and inside it ("" for none).
	AudienceComments, RuleComments []string
}

// ReadFile reads one YAML file as Load reads it, by its name:
// audiences.yaml holds audiences and any other YAML file cart rules. name
// is the file's path, as shown in positions. It also reports what
// rules.Validate finds in the file alone. ruled.yaml and test files hold
// neither and are an error.
func ReadFile(name string, data []byte) (*File, diag.List) {
	f := &File{}
	var diags diag.List
	k := classify(path.Base(name))
	switch k {
	case audienceFile, ruleFile:
	default:
		diags.Add(diag.Pos{File: name}, "read-error", "%s holds no rules or audiences: only rule files and audiences.yaml convert", path.Base(name))
		return f, diags
	}
	if len(data) > maxFileSize {
		diags.Add(diag.Pos{File: name}, "file-too-large", "file is larger than 1 MiB: split it into several files")
		return f, diags
	}
	src := newSource(name, data)
	if off, code, msg := checkText(data); off >= 0 {
		diags.Add(src.pos(off), code, "%s", msg)
		return f, diags
	}
	unread := map[diag.Pos]bool{}
	r := &reader{src: src, diags: &diags, unread: unread}
	r.guard(func() {
		for _, doc := range r.documents() {
			if k == audienceFile {
				f.Audiences = append(f.Audiences, r.audienceFile(doc)...)
				continue
			}
			cart, places, blocks := r.ruleFile(doc)
			f.CartRules = append(f.CartRules, cart...)
			if len(places) > 0 || len(blocks) > 0 {
				r.errorf(doc, "unsupported", "placements and blocks have no .rules form yet: keep them in a YAML file of their own")
			}
		}
	})
	set := &rules.Set{Audiences: f.Audiences, CartRules: f.CartRules}
	diags = append(diags, slices.DeleteFunc(rules.Validate(set), func(d diag.Diagnostic) bool { return unread[d.Pos] })...)
	diag.Sources{name: src.text()}.Attach(diags)
	diags.Sort()
	if !diags.HasErrors() {
		readComments(data, f)
	}
	return f, diags
}

// readComments fills the comments of f from the YAML text of a file that
// was read without error: each list item (an audience or a cart rule) is
// one entry of the model, in order.
func readComments(data []byte, f *File) {
	f.AudienceComments = make([]string, len(f.Audiences))
	f.RuleComments = make([]string, len(f.CartRules))
	var head, foot []string
	na, nr := 0, 0
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			break
		}
		head = appendComments(head, doc.HeadComment)
		foot = appendComments(foot, doc.FootComment)
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		root := doc.Content[0]
		head = appendComments(head, root.HeadComment)
		foot = appendComments(foot, root.FootComment)
		for i := 0; i+1 < len(root.Content); i += 2 {
			key, list := root.Content[i], root.Content[i+1]
			head = appendComments(head, key.HeadComment, key.LineComment)
			foot = appendComments(foot, key.FootComment, list.FootComment)
			if list.Kind != yaml.SequenceNode {
				continue
			}
			for _, item := range list.Content {
				if item.Kind == yaml.AliasNode {
					item = item.Alias
				}
				if item == nil || item.Kind != yaml.MappingNode {
					continue
				}
				text := strings.Join(collectComments(nil, item), "\n")
				switch {
				case key.Value == "audiences" && na < len(f.AudienceComments):
					f.AudienceComments[na] = text
					na++
				case key.Value == "cart_rules" && nr < len(f.RuleComments):
					f.RuleComments[nr] = text
					nr++
				}
			}
		}
	}
	f.Comment, f.Foot = strings.Join(head, "\n"), strings.Join(foot, "\n")
}

// collectComments appends every comment of n and below, in order.
func collectComments(out []string, n *yaml.Node) []string {
	out = appendComments(out, n.HeadComment, n.LineComment)
	for _, c := range n.Content {
		out = collectComments(out, c)
	}
	return appendComments(out, n.FootComment)
}

// appendComments appends the non-blank lines of yaml.v3 comments.
func appendComments(out []string, comments ...string) []string {
	for _, c := range comments {
		for l := range strings.Lines(c) {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// errMixed is returned by WriteYAML for a File with audiences and rules.
var errMixed = errors.New("audiences and cart rules cannot share a YAML file: audiences go in audiences.yaml; split the file")

// WriteYAML writes f as a YAML file, "audiences:" or "cart_rules:",
// that ReadFile reads back into the same model (positions aside). Keys are
// written in the order of the README, defaults left out; conditions that
// span lines are written as literal blocks (|-), as they are.
func WriteYAML(f *File) ([]byte, error) {
	if len(f.Audiences) > 0 && len(f.CartRules) > 0 {
		return nil, errMixed
	}
	list := &yaml.Node{Kind: yaml.SequenceNode}
	key := "cart_rules"
	if len(f.Audiences) > 0 {
		key = "audiences"
		for i := range f.Audiences {
			m := outAudience(&f.Audiences[i])
			m.HeadComment = commentAt(f.AudienceComments, i)
			list.Content = append(list.Content, m)
		}
	}
	for i := range f.CartRules {
		m := outRule(&f.CartRules[i])
		m.HeadComment = commentAt(f.RuleComments, i)
		list.Content = append(list.Content, m)
	}
	root := &yaml.Node{Kind: yaml.MappingNode}
	outKey(root, key, list)
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: f.Comment, FootComment: f.Foot, Content: []*yaml.Node{root}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("write yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write yaml: %w", err)
	}
	return spaceItems(b.Bytes()), nil
}

// spaceItems puts a blank line between the items of the top-level list (and
// the comments above them), as people write rule files.
func spaceItems(data []byte) []byte {
	var out bytes.Buffer
	prev := ""
	for i, l := range strings.SplitAfter(string(data), "\n") {
		item := strings.HasPrefix(l, "  - ") || strings.HasPrefix(l, "  #")
		if i > 0 && item && !strings.HasPrefix(prev, "  #") && !strings.HasSuffix(strings.TrimSpace(prev), ":") {
			out.WriteByte('\n')
		}
		out.WriteString(l)
		prev = l
	}
	return out.Bytes()
}

func commentAt(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

func outKey(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

func outStr(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func outPlain(tag, s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s} }

func outNumber(d money.Decimal) *yaml.Node {
	s := d.String()
	if strings.Contains(s, ".") {
		return outPlain("!!float", s)
	}
	return outPlain("!!int", s)
}

func outList(l []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range l {
		n.Content = append(n.Content, outStr(s))
	}
	return n
}

func outCondition(e rules.Expr) *yaml.Node {
	n := outStr(e.Text)
	if strings.Contains(e.Text, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func outBound(b rules.Bound) *yaml.Node {
	if !b.Date.IsZero() {
		return outPlain("!!timestamp", b.Date.String())
	}
	return outPlain("!!timestamp", b.Instant.Format(time.RFC3339Nano))
}

func outAudience(a *rules.Audience) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	outKey(m, "id", outStr(a.ID))
	outKey(m, "name", outStr(a.Name))
	if a.Description != "" {
		outKey(m, "description", outStr(a.Description))
	}
	if a.Origin != "" {
		outKey(m, "origin", outStr(a.Origin))
	}
	if !a.Updated.IsZero() {
		outKey(m, "updated", outPlain("!!timestamp", a.Updated.Format(time.RFC3339Nano)))
	}
	return m
}

func outRule(r *rules.CartRule) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	outKey(m, "id", outStr(r.ID))
	outKey(m, "name", outStr(r.Name))
	if r.Label != "" {
		outKey(m, "label", outStr(r.Label))
	}
	if !r.Enabled {
		outKey(m, "enabled", outPlain("!!bool", "false"))
	}
	if len(r.Websites) > 0 {
		outKey(m, "websites", outList(r.Websites))
	}
	if len(r.CustomerGroups) > 0 {
		outKey(m, "customer_groups", outList(r.CustomerGroups))
	}
	if !r.From.IsZero() {
		outKey(m, "from", outBound(r.From))
	}
	if !r.To.IsZero() {
		outKey(m, "to", outBound(r.To))
	}
	if r.Priority != 0 {
		outKey(m, "priority", outPlain("!!int", strconv.Itoa(r.Priority)))
	}
	if r.StopFurtherRules {
		outKey(m, "stop_further_rules", outPlain("!!bool", "true"))
	}
	switch len(r.Coupons) {
	case 0:
	case 1:
		outKey(m, "coupon", outStr(r.Coupons[0]))
	default:
		outKey(m, "coupon", outList(r.Coupons))
	}
	if !r.When.IsZero() {
		outKey(m, "when", outCondition(r.When))
	}
	a := &r.Action
	act := &yaml.Node{Kind: yaml.MappingNode}
	if a.Type != "" {
		outKey(act, "type", outStr(string(a.Type)))
		outKey(act, "amount", outNumber(a.Amount))
	}
	if !a.MaxQty.IsZero() {
		outKey(act, "max_qty", outNumber(a.MaxQty))
	}
	if !a.Step.IsZero() {
		outKey(act, "step", outNumber(a.Step))
	}
	if a.ApplyToShipping {
		outKey(act, "apply_to_shipping", outPlain("!!bool", "true"))
	}
	if a.FreeShipping != "" {
		outKey(act, "free_shipping", outStr(string(a.FreeShipping)))
	}
	if !a.Items.IsZero() {
		outKey(act, "items", outCondition(a.Items))
	}
	if len(act.Content) > 0 {
		outKey(m, "action", act)
	}
	return m
}
