package dsl

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// comment is a comment of a .rules file, outside any condition (comments
// inside a condition are part of its text).
type comment struct {
	off, line int
	text      string // from '#', trailing blanks removed
	trailing  bool   // written after something else on its line
}

// comments returns the comments of the parsed file f, in order.
func (s *source) comments(f *ruleFile) []comment {
	var spans [][2]int
	for _, d := range f.Decls {
		if d.Body == nil {
			continue
		}
		for _, st := range d.Body.Settings {
			if st.Data != nil {
				if sp := st.Data.dataSpan(); sp.end > sp.start {
					spans = append(spans, [2]int{sp.start, sp.end})
				}
			}
			if st.Cond != nil {
				if sp := st.Cond.Cond.span(); sp.end > sp.start {
					spans = append(spans, [2]int{sp.start, sp.end})
				}
			}
		}
	}
	toks, err := lexer.ConsumeAll(mustLexRules(s.text))
	if err != nil {
		return nil
	}
	var out []comment
	lineHasCode := false
	for _, t := range toks {
		switch {
		case t.EOF():
		case t.Type == tokNewline:
			lineHasCode = false
		case t.Type == tokComment:
			inside := false
			for len(spans) > 0 && spans[0][1] <= t.Pos.Offset {
				spans = spans[1:]
			}
			if len(spans) > 0 && spans[0][0] < t.Pos.Offset {
				inside = true
			}
			if !inside {
				out = append(out, comment{off: t.Pos.Offset, line: t.Pos.Line, text: strings.TrimRight(t.Value, " \t\r"), trailing: lineHasCode})
			}
		case strings.TrimSpace(t.Value) != "":
			lineHasCode = true
		}
	}
	return out
}

// argEnd is the offset just after an argument.
func argEnd(a *arg) int { return a.tok.Pos.Offset + len(a.tok.Value) }

// settingEnd is the offset just after a setting's last token.
func settingEnd(st *setting) int {
	end := 0
	if len(st.Args) > 0 {
		end = argEnd(st.Args[len(st.Args)-1])
	}
	if st.Data != nil {
		end = max(end, st.Data.dataSpan().end)
	}
	if c := st.Cond; c != nil {
		end = max(end, c.Pos.Offset+len(c.Intro))
		if sp := c.Cond.span(); sp.end > sp.start {
			end = max(end, sp.end)
		}
	}
	return end
}

// declEnd is the offset just after a declaration's last token.
func declEnd(d *decl) int {
	switch {
	case d.Body != nil:
		return d.Body.EndPos.Offset
	case len(d.Args) > 0:
		return argEnd(d.Args[len(d.Args)-1])
	}
	return argEnd(d.Kind)
}

// attachComments gives the comments of the file to the Doc: the opening
// block to Comment, those above and inside each declaration to it, the
// rest to Foot.
func attachComments(s *source, f *ruleFile, doc *Doc) {
	cs := s.comments(f)
	join := func(cs []comment) string {
		lines := make([]string, len(cs))
		for i, c := range cs {
			lines[i] = c.text
		}
		return strings.Join(lines, "\n")
	}
	doc.AudienceComments = make([]string, len(doc.Audiences))
	doc.RuleComments = make([]string, len(doc.CartRules))
	doc.PlacementComments = make([]string, len(doc.Placements))
	doc.BlockComments = make([]string, len(doc.Blocks))
	i := 0
	if len(f.Decls) > 0 {
		// The opening block ends at the last blank line before the first
		// declaration.
		first := f.Decls[0].Pos.Line
		n := 0
		for n < len(cs) && cs[n].off < f.Decls[0].Pos.Offset {
			n++
		}
		split := 0
		for k := 0; k < n; k++ {
			next := first
			if k+1 < n {
				next = cs[k+1].line
			}
			if next > cs[k].line+1 {
				split = k + 1
			}
		}
		doc.Comment, i = join(cs[:split]), split
	}
	n := map[string]int{}
	for _, d := range f.Decls {
		start := i
		end := declEnd(d)
		for i < len(cs) && cs[i].off < end {
			i++
		}
		text := join(cs[start:i])
		kind := strings.ToLower(d.Kind.tok.Value)
		var list []string
		switch kind {
		case "audience":
			list = doc.AudienceComments
		case "rule":
			list = doc.RuleComments
		case "placement":
			list = doc.PlacementComments
		case "block":
			list = doc.BlockComments
		}
		if n[kind] < len(list) {
			list[n[kind]] = text
		}
		n[kind]++
	}
	doc.Foot = join(cs[i:])
	if len(f.Decls) == 0 {
		doc.Comment, doc.Foot = doc.Foot, ""
	}
}
