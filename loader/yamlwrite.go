package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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
	Placements    []rules.Placement
	// Blocks keep ContentFile as written: ReadFile does not read content
	// files (Load does).
	Blocks []rules.Block
	// AudienceComments, RuleComments, PlacementComments and BlockComments
	// hold, for each entry, every comment written above it and inside it
	// ("" for none).
	AudienceComments, RuleComments, PlacementComments, BlockComments []string
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
			f.Placements = append(f.Placements, places...)
			f.Blocks = append(f.Blocks, blocks...)
		}
	})
	set := &rules.Set{Audiences: f.Audiences, CartRules: f.CartRules, Placements: f.Placements, Blocks: f.Blocks}
	diags = append(diags, slices.DeleteFunc(rules.Validate(set), func(d diag.Diagnostic) bool {
		// Placements and related rules may be declared in other files.
		return unread[d.Pos] || d.Code == "unknown-placement" || d.Code == "unknown-rule"
	})...)
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
	f.PlacementComments = make([]string, len(f.Placements))
	f.BlockComments = make([]string, len(f.Blocks))
	lists := map[string][]string{
		"audiences": f.AudienceComments, "cart_rules": f.RuleComments,
		"placements": f.PlacementComments, "blocks": f.BlockComments,
	}
	n := map[string]int{}
	var head, foot []string
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
				if list := lists[key.Value]; n[key.Value] < len(list) {
					list[n[key.Value]] = text
					n[key.Value]++
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

// errMixed is returned by WriteYAML for a File with audiences and rules,
// placements or blocks.
var errMixed = errors.New("audiences and cart rules, placements or blocks cannot share a YAML file: audiences go in audiences.yaml; split the file")

// WriteYAML writes f as a YAML file, "audiences:" or "cart_rules:",
// "placements:" and "blocks:", that ReadFile reads back into the same model (positions aside). Keys are
// written in the order of the README, defaults left out; conditions that
// span lines are written as literal blocks (|-), as they are.
func WriteYAML(f *File) ([]byte, error) {
	if len(f.Audiences) > 0 && len(f.CartRules)+len(f.Placements)+len(f.Blocks) > 0 {
		return nil, errMixed
	}
	root := &yaml.Node{Kind: yaml.MappingNode}
	section := func(key string, n int, comments []string, item func(i int) (*yaml.Node, error)) error {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for i := range n {
			m, err := item(i)
			if err != nil {
				return err
			}
			m.HeadComment = commentAt(comments, i)
			list.Content = append(list.Content, m)
		}
		outKey(root, key, list)
		return nil
	}
	var err error
	switch {
	case len(f.Audiences) > 0:
		err = section("audiences", len(f.Audiences), f.AudienceComments, func(i int) (*yaml.Node, error) { return outAudience(&f.Audiences[i]), nil })
	case len(f.CartRules) > 0 || len(f.Placements)+len(f.Blocks) == 0:
		err = section("cart_rules", len(f.CartRules), f.RuleComments, func(i int) (*yaml.Node, error) { return outRule(&f.CartRules[i]), nil })
	}
	if err == nil && len(f.Placements) > 0 {
		err = section("placements", len(f.Placements), f.PlacementComments, func(i int) (*yaml.Node, error) { return outPlacement(&f.Placements[i]), nil })
	}
	if err == nil && len(f.Blocks) > 0 {
		err = section("blocks", len(f.Blocks), f.BlockComments, func(i int) (*yaml.Node, error) { return outBlock(&f.Blocks[i]) })
	}
	if err != nil {
		return nil, fmt.Errorf("write yaml: %w", err)
	}
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

// spaceItems puts a blank line between the items of the top-level lists
// (and the comments above them), and between the lists, as people write
// rule files.
func spaceItems(data []byte) []byte {
	var out bytes.Buffer
	prev := ""
	for i, l := range strings.SplitAfter(string(data), "\n") {
		item := strings.HasPrefix(l, "  - ") || strings.HasPrefix(l, "  #")
		key := l != "" && l[0] != ' ' && l[0] != '#' && l[0] != '\n'
		switch {
		case i > 0 && item && !strings.HasPrefix(prev, "  #") && !strings.HasSuffix(strings.TrimSpace(prev), ":"):
			out.WriteByte('\n')
		case i > 0 && key && strings.TrimSpace(prev) != "" && !strings.HasPrefix(prev, "#"):
			// placements: and blocks: after the list before them.
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
	if !a.Removed.IsZero() {
		outKey(m, "removed", outPlain("!!timestamp", a.Removed.Format(time.RFC3339Nano)))
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
	codes := r.Coupons
	if r.GeneratedCoupons {
		codes = append(slices.Clip(codes), rules.GeneratedCode)
	}
	switch len(codes) {
	case 0:
	case 1:
		outKey(m, "coupon", outStr(codes[0]))
	default:
		outKey(m, "coupon", outList(codes))
	}
	if r.UsesPerCoupon != 0 {
		outKey(m, "uses_per_coupon", outPlain("!!int", strconv.Itoa(r.UsesPerCoupon)))
	}
	if r.UsesPerCustomer != 0 {
		outKey(m, "uses_per_customer", outPlain("!!int", strconv.Itoa(r.UsesPerCustomer)))
	}
	if !r.Budget.IsZero() {
		b := &yaml.Node{Kind: yaml.MappingNode}
		if !r.Budget.Amount.IsZero() {
			outKey(b, "amount", outNumber(r.Budget.Amount))
		}
		if r.Budget.Redemptions != 0 {
			outKey(b, "redemptions", outPlain("!!int", strconv.Itoa(r.Budget.Redemptions)))
		}
		outKey(m, "budget", b)
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

func outPlacement(p *rules.Placement) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	outKey(m, "id", outStr(p.ID))
	if p.Name != "" {
		outKey(m, "name", outStr(p.Name))
	}
	if p.Rotation != "" {
		outKey(m, "rotation", outStr(string(p.Rotation)))
	}
	if p.Limit != 0 {
		outKey(m, "limit", outPlain("!!int", strconv.Itoa(p.Limit)))
	}
	return m
}

// outBlock writes a block in the key order of blockKeys. Content read from
// a content file is not written, the file is (see dsl.PrintRules).
func outBlock(b *rules.Block) (*yaml.Node, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	outKey(m, "id", outStr(b.ID))
	outKey(m, "name", outStr(b.Name))
	if !b.Enabled {
		outKey(m, "enabled", outPlain("!!bool", "false"))
	}
	outKey(m, "placement", outStr(b.Placement))
	if len(b.Websites) > 0 {
		outKey(m, "websites", outList(b.Websites))
	}
	if len(b.CustomerGroups) > 0 {
		outKey(m, "customer_groups", outList(b.CustomerGroups))
	}
	if !b.From.IsZero() {
		outKey(m, "from", outBound(b.From))
	}
	if !b.To.IsZero() {
		outKey(m, "to", outBound(b.To))
	}
	if b.Priority != 0 {
		outKey(m, "priority", outPlain("!!int", strconv.Itoa(b.Priority)))
	}
	if !b.When.IsZero() {
		outKey(m, "when", outCondition(b.When))
	}
	if len(b.RelatedRules) > 0 {
		outKey(m, "related_rules", outList(b.RelatedRules))
	}
	if _, inline := b.Fields["content"]; b.Content != "" && (b.ContentFile == "" || inline) {
		outKey(m, "content", outStr(b.Content))
	}
	if b.ContentFile != "" {
		outKey(m, "content_file", outStr(b.ContentFile))
	}
	if len(b.Data) > 0 {
		dec := json.NewDecoder(bytes.NewReader(b.Data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("block %s: data: %w", b.ID, err)
		}
		if v != nil {
			outKey(m, "data", outJSON(v))
		}
	}
	return m, nil
}

// outJSON writes decoded JSON as YAML that the reader's jsonValue turns
// back into the same JSON: keys sorted, as encoding/json writes them;
// objects and lists in flow style, as people write data in rule files.
func outJSON(v any) *yaml.Node {
	switch x := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			outKey(n, k, outJSON(x[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, e := range x {
			n.Content = append(n.Content, outJSON(e))
		}
		return n
	case json.Number:
		if d, err := money.Parse(string(x)); err == nil {
			return outNumber(d)
		}
		return outStr(string(x))
	case bool:
		return outPlain("!!bool", strconv.FormatBool(x))
	case nil:
		return outPlain("!!null", "null")
	case string:
		return outStr(x)
	}
	return outStr(fmt.Sprint(v))
}
