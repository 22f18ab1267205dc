package dsl

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/ruled/ruled/diag"
)

// FormatRules lays a .rules file out canonically, as gofmt does Go: one
// declaration after another with a blank line between them, settings one a
// line indented by two spaces, words separated by one space (none before a
// comma or %), keywords in lower case, conditions in their canonical form
// (FormatCondition; continuation lines indented by four more spaces), at
// most one blank line where the author left any, line breaks as "\n" and
// one at the end. Comments stay where they were: above what they were
// above, or at the end of their line. Values (ids, names, codes, numbers,
// dates) are written as they are.
//
// The result means what the input means (ParseRules reads the same model
// from both, conditions equal as EqualConditions says), and formatting it
// again changes nothing. A file whose shape cannot be read (a syntax
// diagnostic) is not formatted: the diagnostic is returned and the bytes
// are nil. Problems in the settings (unknown words, bad values) do not stop
// formatting; ParseRules reports them.
func FormatRules(name string, data []byte) ([]byte, diag.List) {
	s := newSource(name, data)
	f, d := s.parse()
	if d != nil {
		return nil, diag.List{*d}
	}
	// Lowering marks which words are keywords; its problems are not ours.
	lw := &lowerer{src: s}
	var doc Doc
	for _, dc := range f.Decls {
		lw.decl(dc, &doc)
	}
	p := &rulesPrinter{src: s, cs: s.comments(f), first: true}
	for _, dc := range f.Decls {
		p.decl(dc)
	}
	p.own(len(s.text)+1, "")
	return []byte(p.b.String()), nil
}

// rulesPrinter writes a parsed file in canonical layout.
type rulesPrinter struct {
	src       *source
	b         strings.Builder
	cs        []comment // comments not yet written
	first     bool      // nothing written yet in the current block
	afterDecl bool      // the last thing written closed a declaration
	prevLine  int       // source line where the last thing written ended
}

// line writes one item (a header, a setting, a comment, a brace) of
// source lines start to end: a blank line before it where the source has
// one (or after a declaration), the text, and the comments at the end of
// its last source line.
func (p *rulesPrinter) line(indent string, lines []string, start, end int) {
	if !p.first && (p.afterDecl || start > p.prevLine+1) {
		p.b.WriteByte('\n')
	}
	for i, l := range lines {
		if i > 0 {
			p.b.WriteString("\n" + indent + "    ")
		} else {
			p.b.WriteString(indent)
		}
		p.b.WriteString(l)
	}
	for len(p.cs) > 0 && p.cs[0].trailing && p.cs[0].line == end {
		p.b.WriteString(" " + p.cs[0].text)
		p.cs = p.cs[1:]
	}
	p.b.WriteByte('\n')
	p.first, p.afterDecl, p.prevLine = false, false, end
}

// own writes the comments before offset limit, each on its own line.
func (p *rulesPrinter) own(limit int, indent string) {
	for len(p.cs) > 0 && p.cs[0].off < limit {
		c := p.cs[0]
		p.cs = p.cs[1:]
		p.line(indent, []string{c.text}, c.line, c.line)
	}
}

func (p *rulesPrinter) decl(d *decl) {
	p.own(d.Pos.Offset, "")
	head := joinArgs(append([]*arg{d.Kind}, d.Args...))
	line := p.src.pos(d.Pos.Offset).Line
	switch {
	case d.Body == nil:
		p.line("", []string{head}, line, line)
	case len(d.Body.Settings) == 0 && !p.commentBefore(d.Body.EndPos.Offset):
		p.line("", []string{head + " {}"}, line, p.src.pos(d.Body.EndPos.Offset).Line)
	default:
		p.line("", []string{head + " {"}, line, p.src.pos(d.Body.Pos.Offset).Line)
		p.first = true
		for _, st := range d.Body.Settings {
			p.own(st.Pos.Offset, "  ")
			p.setting(st)
		}
		closing := d.Body.EndPos.Offset - 1
		p.own(closing, "  ")
		p.first = false
		p.prevLine = p.src.pos(closing).Line - 1 // never a blank line before "}"
		p.line("", []string{"}"}, p.prevLine+1, p.src.pos(closing).Line)
	}
	p.afterDecl = true
}

// commentBefore reports whether a comment comes before offset limit.
func (p *rulesPrinter) commentBefore(limit int) bool {
	return len(p.cs) > 0 && p.cs[0].off < limit
}

func (p *rulesPrinter) setting(st *setting) {
	start := p.src.pos(st.Pos.Offset).Line
	end := p.src.pos(settingEnd(st)).Line
	text := joinArgs(st.Args)
	if st.Data != nil {
		sp := st.Data.dataSpan()
		data := p.src.text[sp.start:sp.end]
		lines := []string{DataText([]byte(data))}
		if !json.Valid([]byte(data)) {
			// Data that is not JSON is kept as written; ParseRules reports it.
			lines = trimmedLines(data)
		}
		lines[0] = text + " " + lines[0]
		p.line("  ", lines, start, end)
		return
	}
	if st.Cond == nil {
		p.line("  ", []string{text}, start, end)
		return
	}
	if text != "" {
		text += " "
	}
	text += strings.ToLower(st.Cond.Intro)
	sp := st.Cond.Cond.span()
	if sp.end == sp.start {
		p.line("  ", []string{text}, start, end)
		return
	}
	cond := p.src.text[sp.start:sp.end]
	text += " "
	lines, err := FormatCondition(cond, 3+utf8.RuneCountInString(text))
	if err != nil {
		// A condition that does not parse is kept as written; the engine
		// reports it.
		lines = trimmedLines(cond)
	}
	lines[0] = text + lines[0]
	p.line("  ", lines, start, end)
}

// joinArgs writes words with canonical spacing: one space between them,
// none before a comma or %, none after a minus sign; keywords in lower
// case.
func joinArgs(args []*arg) string {
	var b strings.Builder
	for i, a := range args {
		t := a.tok.Value
		if a.kw {
			t = strings.ToLower(t)
		}
		if i > 0 && t != "," && t != "%" && args[i-1].tok.Value != "-" {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}
